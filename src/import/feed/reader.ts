/**
 * Any feed as an import source: RSS 2.0, Atom (RFC 4287), JSON Feed (1 and 1.1) and h-feed
 * (microformats2 HTML), from a file or a URL, following its pages.
 *
 * Each syntax is a format of its own (`--from rss|atom|jsonfeed|hfeed`, told apart by the file's
 * first bytes), and `--from feed` reads whichever it is. They share one idempotency namespace
 * (`feed`): the same post read from a site's RSS and later from its JSON Feed is imported once.
 *
 * Pages: after the first page comes the one it names as next — `atom:link rel="next"` in Atom and
 * RSS (RFC 5005 §3), JSON Feed's `next_url`, an HTML page's `rel=next` — or, for a WordPress feed
 * that names none, `?paged=N+1` (WordPress's own feed pagination) until the site answers 404.
 * Pages are fetched through the import's SSRF-safe fetch; with `--no-fetch` only the first page is
 * read and the report says so. Reading stops at MAX_PAGES, at a page already read (a loop), and at
 * a page that brings nothing new, each with a warning. A page the site will not give (an error
 * status, a timeout) ends the reading with a warning: what was read is imported, and running the
 * import again later adds only what is new. A page that is not a valid feed fails the import.
 *
 * Nothing is held whole but one JSON Feed or HTML page (XML is streamed); h-feed pages are parsed on
 * the untrusted-HTML worker thread within the parse budget (docs/decisions/0015).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { htmlPool } from '../../untrusted-html/pool.js';
import {
  type ImportEvent,
  type ImportFormat,
  ImportSourceError,
  type ReaderOptions,
  type SourceReader,
} from '../contract.js';
import { entryToEvent, type FeedContext } from './item.js';
import { readJsonFeed } from './json.js';
import type { FeedEntry, FeedFacts } from './types.js';
import { readXmlFeed } from './xml.js';

/** The syntaxes read here. */
export type FeedSyntax = 'rss' | 'atom' | 'jsonfeed' | 'hfeed';

const TITLES: Record<FeedSyntax, string> = {
  rss: 'RSS feed',
  atom: 'Atom feed',
  jsonfeed: 'JSON Feed',
  hfeed: 'h-feed',
};

/** The most pages one import reads. */
export const MAX_PAGES = 500;
/** The largest page fetched or read (bytes); an XML page is streamed, a JSON Feed page held. */
const MAX_XML_BYTES = 200 * 1024 * 1024;
const MAX_JSON_BYTES = 32 * 1024 * 1024;
/** An h-feed page is read within the untrusted-HTML parse budget (1 MiB of text). */
const MAX_HTML_BYTES = 4 * 1024 * 1024;
const PAGE_TIMEOUT_MS = 60_000;

/** The syntax a file's first bytes are in, or undefined. A WordPress export is not a feed. */
export function sniffFeed(head: string): FeedSyntax | undefined {
  const s = head.replace(/^\uFEFF/, '').trimStart();
  if (s.startsWith('{')) {
    return /"version"\s*:\s*"https?:\/\/(?:www\.)?jsonfeed\.org\/version\//.test(s) ? 'jsonfeed' : undefined;
  }
  // The root element, past the XML declaration, comments, processing instructions and a doctype.
  const root = /^(?:<\?[\s\S]*?\?>\s*|<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<([A-Za-z][\w:.-]*)/i.exec(
    s,
  )?.[1];
  if (!root) return undefined;
  const lower = root.toLowerCase();
  if (lower === 'html' || lower === 'head' || lower === 'body' || /^<!doctype html/i.test(s)) return 'hfeed';
  if (/<!doctype\s+html/i.test(s.slice(0, 2000))) return 'hfeed';
  if (root === 'rss') return /wordpress\.org\/export\/\d/.test(s) ? undefined : 'rss';
  if (root === 'feed' || root.endsWith(':feed'))
    return /http:\/\/www\.w3\.org\/2005\/Atom/.test(s) ? 'atom' : undefined;
  return undefined;
}

/** One format per syntax, and `feed` for whichever. */
function feedFormat(name: string, syntax: FeedSyntax | undefined): ImportFormat {
  return {
    name,
    title: syntax ? TITLES[syntax] : 'Feed',
    detect: (head) => syntax !== undefined && sniffFeed(head) === syntax,
    open: (path, options) => openFeed(path, options, syntax),
  };
}

export const rssFormat = feedFormat('rss', 'rss');
export const atomFormat = feedFormat('atom', 'atom');
export const jsonFeedFormat = feedFormat('jsonfeed', 'jsonfeed');
export const hFeedFormat = feedFormat('hfeed', 'hfeed');
/** `--from feed`: any of the four, told from the file (never chosen by detection itself). */
export const anyFeedFormat = feedFormat('feed', undefined);

/** Where a page's bytes come from. */
interface Page {
  /** The name errors and labels use: the file, or the page's address. */
  name: string;
  /** Its address, when it has one (links in it are read against it). */
  url: string | undefined;
  bytes(): AsyncIterable<Uint8Array>;
}

/** Bytes read up to `max`, else an ImportSourceError. */
async function* capped(
  src: AsyncIterable<Uint8Array>,
  max: number,
  name: string,
): AsyncGenerator<Uint8Array> {
  let n = 0;
  for await (const chunk of src) {
    n += chunk.byteLength;
    if (n > max)
      throw new ImportSourceError(name, undefined, `larger than ${Math.round(max / 1024 / 1024)} MB`);
    yield chunk;
  }
}

/** The encoding an XML document declares in its first bytes (UTF-8 when none, or a BOM says so). */
function xmlEncoding(first: Uint8Array): string {
  if (first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf) return 'utf-8';
  if (first[0] === 0xff && first[1] === 0xfe) return 'utf-16le';
  if (first[0] === 0xfe && first[1] === 0xff) return 'utf-16be';
  const head = Buffer.from(first.subarray(0, 200)).toString('latin1');
  const m = /^<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head);
  return m ? m[1]!.toLowerCase() : 'utf-8';
}

/** Text chunks of a byte stream in the encoding its XML declaration names. */
async function* decoded(src: AsyncIterable<Uint8Array>, name: string): AsyncGenerator<string> {
  let decoder: InstanceType<typeof TextDecoder> | undefined;
  for await (const chunk of src) {
    if (!decoder) {
      const enc = xmlEncoding(chunk);
      try {
        decoder = new TextDecoder(enc);
      } catch {
        throw new ImportSourceError(
          name,
          { line: 1, column: 1 },
          `an encoding StarPunk cannot read (${enc})`,
        );
      }
    }
    const s = decoder.decode(chunk, { stream: true });
    if (s) yield s;
  }
  if (decoder) {
    const rest = decoder.decode();
    if (rest) yield rest;
  }
}

async function wholeText(page: Page, max: number): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const c of capped(page.bytes(), max, page.name)) parts.push(c);
  return new TextDecoder('utf-8').decode(Buffer.concat(parts));
}

/** WordPress's next feed page: the same address with `paged` one more. */
function wordpressPage(url: string, n: number): string {
  const u = new URL(url);
  u.searchParams.set('paged', String(n));
  return u.href;
}

const hostOf = (u: string | undefined): string | undefined => {
  if (!u) return undefined;
  try {
    return new URL(u).host;
  } catch {
    return undefined;
  }
};

/** A page's address as a loop is told by (no fragment). */
const pageKey = (u: string) => u.replace(/#.*$/, '');

function openFeed(path: string, options: ReaderOptions, want: FeedSyntax | undefined): SourceReader {
  const reader: SourceReader = {
    format: 'feed',
    async *events(): AsyncGenerator<ImportEvent> {
      const first: Page = {
        name: options.sourceUrl ?? path,
        url: options.sourceUrl,
        bytes: () => createReadStream(path, { highWaterMark: 64 * 1024 }),
      };
      // The syntax: named by --from, else told from the first bytes.
      const head = await firstBytes(path);
      const sniffed = sniffFeed(head);
      const syntax = want ?? sniffed;
      if (!syntax)
        throw new ImportSourceError(
          first.name,
          undefined,
          'not a feed StarPunk reads (RSS 2.0, Atom, JSON Feed or an HTML page with an h-feed)',
        );
      if (want && sniffed && sniffed !== want)
        throw new ImportSourceError(
          first.name,
          undefined,
          `this is ${article(TITLES[sniffed])}, not ${article(TITLES[want])}`,
        );

      const seen = new Set<string>();
      const visited = new Set<string>();
      const siteHosts = new Set<string>();
      let siteUrl: string | undefined;
      let page: Page | undefined = first;
      let wordpress = false;
      const base = options.sourceUrl;
      for (let n = 1; page; n++) {
        if (page.url) visited.add(pageKey(page.url));
        const facts: FeedFacts = { authors: [] };
        let fresh = 0;
        let ctx: FeedContext | undefined;
        const context = (): FeedContext => {
          if (ctx) return ctx;
          if (n === 1) {
            siteUrl = facts.siteUrl ?? facts.selfUrl ?? page?.url;
            const h = hostOf(siteUrl);
            if (h) siteHosts.add(h);
            reader.siteUrl = siteUrl?.replace(/\/+$/, '');
          }
          ctx = { siteHosts, feedAuthors: facts.authors };
          return ctx;
        };
        for await (const ev of readPage(page, syntax, facts)) {
          if ('discarded' in ev) {
            yield { type: 'skipped', label: ev.discarded.where, reason: ev.discarded.reason };
            continue;
          }
          const c = context();
          // A feed that names no author of its own: the first item's author is taken as the owner's.
          if (c.feedAuthors.length === 0 && ev.entry.authors.length > 0)
            c.feedAuthors.push(...ev.entry.authors);
          const out = entryToEvent(ev.entry, c);
          const id = out.type === 'item' ? out.item.sourceId : out.sourceId;
          if (id !== undefined) {
            if (seen.has(id)) {
              if (out.type === 'item')
                yield {
                  type: 'skipped',
                  sourceId: id,
                  label: out.item.label,
                  reason: 'already read on an earlier page',
                };
              continue;
            }
            seen.add(id);
          }
          fresh++;
          yield out;
        }
        context();
        if (n === 1) wordpress = /wordpress\.(org|com)/i.test(facts.generator ?? '');

        // The next page.
        let next = facts.next;
        const pageUrl = page.url;
        if (!next && wordpress && pageUrl && (syntax === 'rss' || syntax === 'atom'))
          next = wordpressPage(base ?? pageUrl, n + 1);
        page = undefined;
        if (!next) break;
        if (fresh === 0 && n > 1) {
          yield { type: 'warning', message: `${next}: not read, the page before it brought nothing new` };
          break;
        }
        if (visited.has(pageKey(next))) {
          yield {
            type: 'warning',
            message: `${next}: already read (the pages lead round in a loop); pagination stopped there`,
          };
          break;
        }
        if (n >= MAX_PAGES) {
          yield {
            type: 'warning',
            message: `${next}: not read, ${MAX_PAGES} pages is the most one import reads`,
          };
          break;
        }
        if (!options.fetch) {
          yield {
            type: 'warning',
            message: `${next}: the next page was not read (fetching is off); only the first page was imported`,
          };
          break;
        }
        const res = await fetchPage(options.fetch, next);
        if (!res.ok) {
          // WordPress answers 404 past its last page: the end, not a problem.
          if (!(wordpress && !facts.next && res.status === 404))
            yield {
              type: 'warning',
              message: `${next}: ${res.reason}; pagination stopped there (running the import again continues it)`,
            };
          break;
        }
        page = res.page;
      }
    },
  };
  return reader;
}

const article = (s: string) => (/^(?:RSS|Atom)/.test(s) ? `an ${s}` : `a ${s}`);

/** The first bytes of a file as text (formats.ts's headOf, which imports this module). */
async function firstBytes(path: string): Promise<string> {
  const fd = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fd.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fd.close();
  }
}

type PageEvent = { entry: FeedEntry } | { discarded: { where: string; reason: string } };

/** The entries of one page, in its syntax. */
async function* readPage(page: Page, syntax: FeedSyntax, facts: FeedFacts): AsyncGenerator<PageEvent> {
  if (syntax === 'rss' || syntax === 'atom') {
    const chunks = decoded(capped(page.bytes(), MAX_XML_BYTES, page.name), page.name);
    for await (const entry of readXmlFeed(chunks, page.name, page.url, facts, syntax)) yield { entry };
    return;
  }
  if (syntax === 'jsonfeed') {
    const text = await wholeText(page, MAX_JSON_BYTES);
    const read = readJsonFeed(text, page.name, page.url, facts);
    for (const d of read.discarded) yield { discarded: d };
    for (const entry of read.entries) yield { entry };
    return;
  }
  const html = await wholeText(page, MAX_HTML_BYTES);
  const url = page.url ?? LOCAL;
  const read = await htmlPool('owner').run({ kind: 'h-feed', html, url, label: page.name });
  if (!read.ok) throw new ImportSourceError(page.name, undefined, read.reason);
  if (!read.value.ok) throw new ImportSourceError(page.name, undefined, read.value.reason);
  const v = read.value;
  // A local file has no address: what the parser resolved against a stand-in is read against the
  // h-feed's own u-url when it gives an absolute one, else dropped.
  const home = v.siteUrl && !v.siteUrl.startsWith(LOCAL) ? v.siteUrl : undefined;
  if (home) facts.siteUrl ??= home;
  facts.siteUrl ??= page.url;
  if (v.title) facts.title ??= v.title;
  facts.authors.push(...v.authors);
  if (v.next) {
    const next = v.next.startsWith(LOCAL)
      ? home
        ? new URL(v.next.slice(LOCAL.length), home).href
        : undefined
      : v.next;
    if (next) facts.next ??= next;
  }
  for (const entry of v.entries) {
    if (!page.url) rebase(entry, home);
    yield { entry };
  }
}

/** The stand-in address of a local HTML file while it is parsed. */
const LOCAL = 'http://local-file.invalid/';

/** Reads links resolved against the stand-in against `home` instead (or drops them without one). */
function rebase(e: FeedEntry, home: string | undefined): void {
  const fix = (u: string | undefined): string | undefined =>
    u === undefined || !u.startsWith(LOCAL)
      ? u
      : home
        ? new URL(u.slice(LOCAL.length), home).href
        : undefined;
  const url = fix(e.url);
  if (url) e.url = url;
  else delete e.url;
  const id = fix(e.id);
  if (id) e.id = id;
  else delete e.id;
  e.links = e.links.map(fix).filter((u): u is string => u !== undefined);
  e.media = e.media.flatMap((m) => {
    const u = fix(m.url);
    return u ? [{ ...m, url: u }] : [];
  });
  if (e.html)
    e.html = home ? e.html.split(LOCAL).join(new URL('/', home).href) : e.html.split(LOCAL).join('/');
  if (home) e.base = home;
  else delete e.base;
}

/** Fetches a page: its bytes streamed, or why not. */
async function fetchPage(
  fetch: NonNullable<ReaderOptions['fetch']>,
  url: string,
): Promise<{ ok: true; page: Page } | { ok: false; status?: number; reason: string }> {
  let res: Response;
  try {
    res = await fetch(url, {
      signal: AbortSignal.timeout(PAGE_TIMEOUT_MS),
      headers: {
        accept:
          'application/feed+json, application/atom+xml, application/rss+xml, application/xml;q=0.9, text/html;q=0.8, */*;q=0.5',
      },
    });
  } catch (err) {
    return {
      ok: false,
      reason: `could not be fetched (${err instanceof Error ? err.message : String(err)})`,
    };
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    return { ok: false, status: res.status, reason: `the site answered ${res.status}` };
  }
  const body = res.body;
  let used = false;
  return {
    ok: true,
    page: {
      name: url,
      url,
      bytes: () => {
        if (used) throw new Error('a fetched page is read once');
        used = true;
        return body as unknown as AsyncIterable<Uint8Array>;
      },
    },
  };
}
