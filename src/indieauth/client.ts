import LinkHeader from 'http-link-header';
import { measureHtml } from '../lib/html-budget.js';
import { parseMicroformats } from '../lib/microformats.js';
import type { FetchLike } from '../outbound/safe-fetch.js';
import { readLimited } from '../outbound/safe-fetch.js';
import { htmlPool } from '../untrusted-html/pool.js';

/** What the consent page shows about a client. */
export interface ClientInfo {
  clientId: string;
  name: string | undefined;
  logo: string | undefined;
  url: string | undefined;
  /** Redirect URLs the client declares (JSON metadata redirect_uris, or rel=redirect_uri links). */
  redirectUris: string[];
  /** False when the client_id is on loopback (never fetched) or could not be fetched. */
  fetched: boolean;
}

/** True for the loopback hosts IndieAuth allows as client_ids (and forbids fetching). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === '127.0.0.1' || h === '::1' || h === 'localhost' || h.endsWith('.localhost');
}

/** The spellings the WHATWG URL parser takes for a "." or ".." path segment (compared lower-cased). */
const DOT_SEGMENTS = new Set(['.', '%2e', '..', '.%2e', '%2e.', '%2e%2e']);

/**
 * True when the path of a URL as written has a "." or ".." segment, which the URL parser would
 * silently resolve away: it drops tabs and newlines, takes a backslash as "/" in http(s) URLs, and
 * reads "%2e" in any case as a dot, so the raw text is checked the same way.
 */
function hasDotSegment(input: string): boolean {
  const raw = input.replace(/[\t\n\r]/g, '');
  const path = raw.replace(/^[a-z][a-z0-9+.-]*:[\\/]*[^\\/?#]*/i, '').split(/[?#]/)[0] ?? '';
  return path.split(/[\\/]/).some((segment) => DOT_SEGMENTS.has(segment.toLowerCase()));
}

/**
 * Validates a client_id (IndieAuth §3.3): http(s), a path, no dot segments, no fragment, no
 * credentials; the host a domain name or loopback, never another IP literal. Returns the
 * normalised URL, or a reason.
 */
export function validateClientId(
  input: string | undefined,
): { ok: true; url: URL } | { ok: false; reason: string } {
  if (!input) return { ok: false, reason: 'client_id is missing' };
  let u: URL;
  try {
    u = new URL(input);
  } catch {
    return { ok: false, reason: 'client_id is not a URL' };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    return { ok: false, reason: 'client_id must be an http(s) URL' };
  if (u.hash || input.includes('#')) return { ok: false, reason: 'client_id must not contain a fragment' };
  if (u.username || u.password)
    return { ok: false, reason: 'client_id must not contain a user name or password' };
  if (hasDotSegment(input)) {
    return { ok: false, reason: 'client_id must not contain . or .. path segments' };
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const isIpv4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
  const isIpv6 = host.includes(':');
  if ((isIpv4 && host !== '127.0.0.1') || (isIpv6 && host !== '::1')) {
    return {
      ok: false,
      reason: 'client_id must use a domain name (or 127.0.0.1 / [::1]), not an IP address',
    };
  }
  return { ok: true, url: u };
}

/** True when a redirect_uri has the same scheme, host and port as the client_id. */
export function sameOrigin(a: URL, b: URL): boolean {
  return (
    a.protocol === b.protocol && a.hostname.toLowerCase() === b.hostname.toLowerCase() && a.port === b.port
  );
}

/** Redirects followed within the client_id's origin before giving up. */
const MAX_CLIENT_REDIRECTS = 5;

/**
 * GETs the client_id URL, following redirects only within its own origin: a document another
 * origin serves says nothing about this client, whatever it claims (a client_id on a site with an
 * open redirect must not let the redirect's target declare redirect URIs). Undefined when the
 * chain leaves the origin, loops, or fails.
 */
async function fetchFromClientOrigin(
  clientId: URL,
  fetch: FetchLike,
): Promise<{ res: Response; url: URL } | undefined> {
  let url = clientId;
  for (let hop = 0; hop <= MAX_CLIENT_REDIRECTS; hop++) {
    const res = await fetch(url.toString(), {
      headers: { Accept: 'application/json, text/html;q=0.9' },
      redirect: 'manual',
    });
    const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
    if (location === null) return { res, url };
    await res.body?.cancel();
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return undefined;
    }
    if (!sameOrigin(clientId, next)) return undefined;
    url = next;
  }
  return undefined;
}

/**
 * Fetches what a client says about itself: a JSON client metadata document, or (older clients)
 * an HTML page with an h-app/h-x-app and rel=redirect_uri links, read from the client_id's own
 * origin only. Loopback client_ids are never fetched; failures leave the information empty (the
 * consent page then shows the bare client_id).
 */
export async function fetchClientInfo(clientId: URL, fetch: FetchLike): Promise<ClientInfo> {
  const info: ClientInfo = {
    clientId: clientId.toString(),
    name: undefined,
    logo: undefined,
    url: undefined,
    redirectUris: [],
    fetched: false,
  };
  if (isLoopbackHost(clientId.hostname)) return info;
  let res: Response;
  let base: string;
  let body: string;
  try {
    const fetched = await fetchFromClientOrigin(clientId, fetch);
    if (!fetched?.res.ok) return info;
    res = fetched.res;
    // Relative URLs resolve against where the document was read: the client's own origin.
    base = fetched.url.toString();
    body = await readLimited(res, 512 * 1024);
  } catch {
    return info;
  }
  const type = res.headers.get('content-type') ?? '';
  const abs = (u: unknown) => {
    if (typeof u !== 'string') return undefined;
    try {
      const url = new URL(u, base);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : undefined;
    } catch {
      return undefined;
    }
  };
  if (type.includes('json')) {
    try {
      const meta = JSON.parse(body) as Record<string, unknown>;
      // §4.2: the document must be about this very client_id.
      if (meta.client_id !== clientId.toString()) return info;
      info.fetched = true;
      info.name = typeof meta.client_name === 'string' ? meta.client_name.slice(0, 200) : undefined;
      info.logo = abs(meta.logo_uri);
      info.url = abs(meta.client_uri);
      if (Array.isArray(meta.redirect_uris)) {
        info.redirectUris = meta.redirect_uris.map((r) => abs(r)).filter((r): r is string => r !== undefined);
      }
    } catch {
      // not JSON after all
    }
    return info;
  }
  if (type.includes('html')) {
    // Parsed on a worker thread within the parse budget; a page that cannot be read says nothing.
    const read = await htmlPool('owner').run({ kind: 'client-page', html: body, base });
    if (read.ok && read.value.readable) {
      info.fetched = true;
      info.name = read.value.name;
      info.logo = abs(read.value.logo);
      info.url = abs(read.value.url);
      info.redirectUris = read.value.redirectUris
        .map((r) => abs(r))
        .filter((r): r is string => r !== undefined);
    }
  }
  const header = res.headers.get('link');
  if (header) {
    try {
      for (const l of LinkHeader.parse(header).rel('redirect_uri')) {
        const u = abs(l.uri);
        if (u) info.redirectUris.push(u);
      }
    } catch {
      // ignore a broken Link header
    }
  }
  return info;
}

/** What a client's HTML page says: its h-app's name, logo and URL, and its rel=redirect_uri links. */
export type ClientPageFacts =
  | {
      readable: true;
      name: string | undefined;
      logo: string | undefined;
      url: string | undefined;
      redirectUris: string[];
    }
  | { readable: false; problem: string };

/**
 * Reads a client's HTML page once (measured against the parse budget by the linear tokenizer
 * first, then its microformats parsed). URLs come back as written; the caller resolves them.
 * Runs in the untrusted-HTML worker (src/untrusted-html/).
 */
export function clientFromHtml(html: string, base: string): ClientPageFacts {
  const measured = measureHtml(html);
  if (measured.problem) return { readable: false, problem: measured.problem };
  const parsed = parseMicroformats(html, base);
  const app = parsed.items.find((i) => i.type?.some((t) => t === 'h-app' || t === 'h-x-app'));
  const first = (k: string) => {
    const v = app?.properties[k]?.[0];
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object' && 'value' in v && typeof v.value === 'string') return v.value;
    return undefined;
  };
  return {
    readable: true,
    name: first('name')?.slice(0, 200),
    logo: first('logo') ?? first('photo'),
    url: first('url'),
    redirectUris: parsed.rels.redirect_uri ?? [],
  };
}
