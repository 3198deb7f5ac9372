/**
 * The record of a lived-in site: every public answer (found by following the site's own links
 * from a few seeds, so a new page is recorded as soon as something links to it), the admin's
 * lists (the same, inside /admin), and whatever else parts put in (the doctor's report). Answers
 * are kept as text, normalised only where they legitimately vary between two identical sites, so
 * two records compare line by line.
 */
import { createHash } from 'node:crypto';
import type { Site } from './harness.js';

/** One answer, as recorded. */
export interface Answer {
  status: number;
  type: string;
  location: string;
  link: string;
  /** Normalised text, or `sha256:<hex> (<n> bytes)` for binary answers. */
  body: string;
}

/** A record: answers by key (`GET /path` for the public site, `ADMIN /admin/…`, or a part's own key). */
export class Recording {
  readonly answers = new Map<string, Answer>();

  /** The answer under `key`; undefined when nothing was recorded there. */
  get(key: string): Answer | undefined {
    return this.answers.get(key);
  }

  /** The public answer for `path`. */
  page(path: string): Answer | undefined {
    return this.answers.get(`GET ${path}`);
  }

  /** Public keys whose path matches. */
  pages(match: (path: string) => boolean): [string, Answer][] {
    return [...this.answers].filter(([k]) => k.startsWith('GET ') && match(k.slice(4)));
  }

  /** The answer as one text: what is compared. */
  static render(a: Answer): string {
    return [
      `${a.status} ${a.type}`,
      ...(a.location ? [`location: ${a.location}`] : []),
      ...(a.link ? [`link: ${a.link}`] : []),
      '',
      a.body,
    ].join('\n');
  }
}

const TEXT = /text\/|json|xml|javascript/;

/**
 * What may legitimately differ between two answers of the same site, replaced by a placeholder:
 *
 * - CSRF tokens: derived from the session and the site's secret; a restored site makes a new
 *   secret by design (docs/backup.md), and forms only need a reload.
 * - `nonce` attributes: new on every request where a page uses them (none does yet).
 * - "Last used" of a token in /admin/tokens: the time of a request made with it (the test itself
 *   uses its Micropub token); whether it was ever used is kept.
 * - The publication time the new-note editor proposes (/admin/new): the minute of the request.
 *
 * Ports are NOT normalised: a site keeps its port and SITE_URL across restart, restore and
 * import, exactly as a real deployment keeps its address; records of two different sites are
 * never compared.
 */
export function normalise(text: string, path = ''): string {
  if (path === '/admin/new') text = text.replace(/(id="publish_at"[^>]*value=")[^"]*"/, '$1{now}"');
  return (
    text
      .replace(/(name="_csrf"[^>]*value=")[^"]*"/g, '$1{csrf}"')
      .replace(/(value=")[^"]*("[^>]*name="_csrf")/g, '$1{csrf}$2')
      // A form whose body the guard does not parse (Admin → Import's upload) carries it in its address.
      .replace(/([?&](?:amp;)?_csrf=)[^"&\s]*/g, '$1{csrf}')
      .replace(/\bnonce="[^"]*"/g, 'nonce="{nonce}"')
      .replace(/(data-label="Last used">)(?!never<)[^<]*/g, '$1{used}')
  );
}

function decode(s: string): string {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

/** Same-site paths (with query, without fragment) a text links to. */
export function linksIn(body: string, from: string, origin: string): string[] {
  const raw: string[] = [];
  for (const m of body.matchAll(/\b(?:href|src|content)=["']([^"']+)["']/g)) raw.push(decode(m[1]!));
  for (const m of body.matchAll(/\bsrcset=["']([^"']+)["']/g))
    for (const part of decode(m[1]!).split(',')) raw.push(part.trim().split(/\s+/)[0]!);
  const escaped = origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Absolute addresses anywhere (XML, JSON, and HTML escaped inside feeds: cut at an entity).
  for (const m of body.matchAll(new RegExp(`${escaped}/[^\\s"'<>)\\\\]*`, 'g')))
    raw.push(decode(m[0].replace(/&(quot|lt|gt|#\d+);[\s\S]*$/, '')));
  const out = new Set<string>();
  for (const r of raw) {
    // Addresses only: not a meta tag's words, not an XSL template's {expression}.
    if (!/^(\/|https?:\/\/)/.test(r) || r.includes('{')) continue;
    let u: URL;
    try {
      u = new URL(r, `${origin}${from}`);
    } catch {
      continue;
    }
    if (u.origin !== origin) continue;
    out.add(u.pathname + u.search);
  }
  return [...out];
}

/**
 * JSON laid out one value a line (so a difference shows where it is), object keys sorted (their
 * order means nothing in JSON); anything else as it is.
 */
export function pretty(text: string): string {
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, x]) => [k, sortKeys(x)]),
          )
        : v;
  try {
    return JSON.stringify(sortKeys(JSON.parse(text)), null, 1);
  } catch {
    return text;
  }
}

async function answerOf(res: Response, path: string): Promise<Answer> {
  const type = res.headers.get('content-type') ?? '';
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  const body = TEXT.test(type)
    ? normalise(type.includes('json') ? pretty(text) : text, path)
    : `sha256:${createHash('sha256').update(bytes).digest('hex')} (${bytes.length} bytes)`;
  return {
    status: res.status,
    type,
    location: res.headers.get('location') ?? '',
    link: res.headers.get('link') ?? '',
    body,
  };
}

/** Where the public crawl does not go: the admin, endpoints that only take POSTs, live counters. */
function publicFollows(path: string): boolean {
  if (path.startsWith('/webmention/avatar/')) return true;
  return !/^\/(admin|auth\/|micropub|metrics|health|webmention)/.test(path);
}

/** Inside the admin: every list and editor, never a live counter or a page of live sessions. */
function adminFollows(path: string): boolean {
  return (
    path.startsWith('/admin') &&
    !/^\/admin\/(sessions|health|drafts\/)/.test(path) &&
    !path.includes('logout')
  );
}

/**
 * Fetches `seeds` and everything they link to that `follows` accepts, a few at a time; resolves
 * with the site's addresses it saw and did not follow.
 */
async function crawl(
  into: Recording,
  prefix: string,
  seeds: string[],
  get: (path: string) => Promise<Response>,
  follows: (path: string) => boolean,
  origin: string,
): Promise<Set<string>> {
  const other = new Set<string>();
  const queue = [...seeds];
  const seen = new Set<string>();
  const worker = async () => {
    for (;;) {
      const path = queue.shift();
      if (path === undefined) return;
      if (seen.has(path)) continue;
      seen.add(path);
      if (seen.size > 1000) throw new Error('the crawl found more than 1000 addresses: a loop?');
      const answer = await answerOf(await get(path), path);
      into.answers.set(`${prefix} ${path}`, answer);
      if (!TEXT.test(answer.type)) continue;
      const links = linksIn(answer.body, path, origin);
      if (answer.location) links.push(...linksIn(`href="${answer.location}"`, path, origin));
      for (const l of links) {
        if (!follows(l)) other.add(l);
        else if (!seen.has(l)) queue.push(l);
      }
    }
  };
  // Workers end when the queue is empty at their turn: run rounds until nothing new was queued.
  while (queue.length > 0) await Promise.all(Array.from({ length: 6 }, worker));
  return other;
}

/** What parts add to a record. */
export interface Recorder {
  /** A public address to start from (its links are followed). */
  seed(path: string): void;
  /** An admin address to start from (its /admin links are followed). */
  admin(path: string): void;
  /** Anything else, under its own key (a promise runs while the site is crawled). */
  put(key: string, value: Promise<{ body: string; status: number }> | { body: string; status: number }): void;
}

/** Records the site: public answers as a visitor sees them, admin pages as the signed-in owner. */
export async function recordSite(site: Site, contribute: (r: Recorder) => Promise<void>): Promise<Recording> {
  const rec = new Recording();
  const publicSeeds: string[] = [];
  const adminSeeds: string[] = [];
  const puts: Promise<void>[] = [];
  await contribute({
    seed: (p) => publicSeeds.push(p),
    admin: (p) => adminSeeds.push(p),
    put: (key, value) =>
      puts.push(
        Promise.resolve(value).then(({ body, status }) => {
          rec.answers.set(key, { status, type: 'text/plain', location: '', link: '', body: normalise(body) });
        }),
      ),
  });
  // The admin first: pictures only it shows (the media library's, a thumbnail) are public
  // answers too, recorded as a visitor gets them.
  const fromAdmin = await crawl(rec, 'ADMIN', adminSeeds, (p) => site.admin(p), adminFollows, site.origin);
  const media = [...fromAdmin].filter((p) => p.startsWith('/media/')).sort();
  await crawl(rec, 'GET', [...publicSeeds, ...media], (p) => site.fetch(p), publicFollows, site.origin);
  await Promise.all(puts);
  return sorted(rec);
}

function sorted(rec: Recording): Recording {
  const out = new Recording();
  for (const k of [...rec.answers.keys()].sort()) out.answers.set(k, rec.answers.get(k)!);
  return out;
}

/** The first lines where two texts part, as a short readable diff (HTML and XML cut after each tag). */
function shortDiff(a: string, b: string): string {
  const lines = (t: string) => t.split(/\n|(?<=>)(?=<)/);
  const x = lines(a);
  const y = lines(b);
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  let j = 0;
  while (j < x.length - i && j < y.length - i && x[x.length - 1 - j] === y[y.length - 1 - j]) j++;
  const cut = (lines: string[]) =>
    lines
      .slice(0, 12)
      .map((l) => (l.length > 240 ? `${l.slice(0, 240)}…` : l))
      .concat(lines.length > 12 ? [`… (${lines.length - 12} more lines)`] : []);
  const gone = cut(x.slice(i, x.length - j)).map((l) => `    - ${l}`);
  const came = cut(y.slice(i, y.length - j)).map((l) => `    + ${l}`);
  return [...gone, ...came].join('\n');
}

/** How a step looks at a record: an answer under another key and body, or left out (undefined). */
export type View = (key: string, a: Answer) => [string, Answer] | undefined;

function viewed(rec: Recording, view: View | undefined): Map<string, Answer> {
  if (!view) return rec.answers;
  const out = new Map<string, Answer>();
  for (const [k, a] of rec.answers) {
    const v = view(k, { ...a });
    if (v) out.set(v[0], v[1]);
  }
  return out;
}

/**
 * Every difference between two records, one readable entry each; keys `mayChange` accepts are
 * left out (what a step is expected to change), and `view` says how to look at both records.
 */
export function differences(
  beforeRec: Recording,
  afterRec: Recording,
  mayChange: (key: string) => boolean = () => false,
  view?: View,
): string[] {
  const before = viewed(beforeRec, view);
  const after = viewed(afterRec, view);
  const keys = new Set([...before.keys(), ...after.keys()]);
  const out: string[] = [];
  for (const key of [...keys].sort()) {
    if (mayChange(key)) continue;
    const a = before.get(key);
    const b = after.get(key);
    if (!a) out.push(`${key}: new (${b!.status})`);
    else if (!b) out.push(`${key}: gone (was ${a.status})`);
    else {
      const ra = Recording.render(a);
      const rb = Recording.render(b);
      if (ra !== rb) out.push(`${key}: changed\n${shortDiff(ra, rb)}`);
    }
  }
  return out;
}
