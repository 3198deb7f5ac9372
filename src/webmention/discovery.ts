/**
 * Webmention endpoint discovery (Webmention §3.1.2): fetch the target, following redirects; the
 * first HTTP `Link` header with rel `webmention` wins, then, for HTML, the first `<link>` or `<a>`
 * with rel `webmention` and an `href`, in document order. Relative endpoints are resolved against
 * the URL the target was finally served from, query strings are kept, an empty href is the page.
 */
import LinkHeader from 'http-link-header';
import { type FetchLike, readPrefix } from '../outbound/safe-fetch.js';
import { failureFor, failureFromStatus } from './failures.js';
import { linkElements, relTokens } from './html-links.js';

/** How much of a target page discovery reads: a `<link>` is in the head, an `<a>` rarely far below. */
export const DISCOVERY_MAX_BYTES = 1024 * 1024;

/** Time for the whole discovery of one target (every redirect and the body). */
export const DISCOVERY_TIMEOUT_MS = 20_000;

/** Options of discovery. */
export interface DiscoveryOptions {
  fetch: FetchLike;
  timeoutMs?: number;
  maxBytes?: number;
}

/** What discovery found: the endpoint (or none), where it was advertised, and the page's final URL. */
export interface Discovery {
  endpoint: string | undefined;
  via: 'link-header' | 'html' | undefined;
  /** The target after redirects: relative endpoints are resolved against it. */
  finalUrl: string;
}

/** The first `webmention` endpoint of a Link header value (several headers arrive joined by commas). */
export function endpointFromLinkHeader(value: string | null, base: string): string | undefined {
  if (!value) return undefined;
  let refs: { uri: string; rel: string }[];
  try {
    refs = LinkHeader.parse(value).refs;
  } catch {
    // One malformed header must not hide a good one: parse the values one by one.
    refs = splitLinkValues(value).flatMap((part) => {
      try {
        return LinkHeader.parse(part).refs;
      } catch {
        return [];
      }
    });
  }
  for (const ref of refs) {
    // The parser gives one ref per rel token; a rel is case-insensitive.
    if (ref.rel.toLowerCase().split(/\s+/).includes('webmention')) return resolve(ref.uri, base);
  }
  return undefined;
}

/** Splits a Link header into its comma-separated values, keeping commas inside <…> and quotes. */
function splitLinkValues(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '<') depth++;
    else if (c === '>') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      out.push(value.slice(start, i));
      start = i + 1;
    }
  }
  out.push(value.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

/** The first `<link>` or `<a>` with rel `webmention` and an href, in document order. */
export function endpointFromHtml(html: string, base: string): string | undefined {
  for (const el of linkElements(html)) {
    // An element without href advertises nothing (webmention.rocks test 20); href="" is the page.
    const href = el.attrs.get('href');
    if (href === undefined || !relTokens(el.attrs).includes('webmention')) continue;
    const url = resolve(href, base);
    if (url) return url;
  }
  return undefined;
}

function resolve(href: string, base: string): string | undefined {
  try {
    const u = new URL(href.trim(), base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    // A fragment is never sent in a request; keep the endpoint as it will be requested.
    u.hash = '';
    return u.toString();
  } catch {
    return undefined;
  }
}

function isHtml(contentType: string | null): boolean {
  const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return essence === 'text/html' || essence === 'application/xhtml+xml';
}

/**
 * Discovers the Webmention endpoint of `target`. Resolves with no endpoint when the target
 * advertises none; throws a JobError when the target could not be read (retryable or not).
 */
export async function discoverEndpoint(target: string, options: DiscoveryOptions): Promise<Discovery> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? DISCOVERY_TIMEOUT_MS);
  let res: Response;
  try {
    res = await options.fetch(target, {
      headers: { Accept: 'text/html, application/xhtml+xml;q=0.9, */*;q=0.1' },
      signal,
    });
  } catch (err) {
    throw failureFor(err, 'discovery');
  }
  const finalUrl = res.url || target;
  if (res.status < 200 || res.status > 299) {
    await res.body?.cancel().catch(() => {});
    throw failureFromStatus(res, 'the target');
  }
  const fromHeader = endpointFromLinkHeader(res.headers.get('link'), finalUrl);
  if (fromHeader || !isHtml(res.headers.get('content-type'))) {
    await res.body?.cancel().catch(() => {});
    return { endpoint: fromHeader, via: fromHeader ? 'link-header' : undefined, finalUrl };
  }
  let html: string;
  try {
    ({ text: html } = await readPrefix(res, options.maxBytes ?? DISCOVERY_MAX_BYTES));
  } catch (err) {
    throw failureFor(err, 'discovery');
  }
  const fromHtml = endpointFromHtml(html, finalUrl);
  return { endpoint: fromHtml, via: fromHtml ? 'html' : undefined, finalUrl };
}
