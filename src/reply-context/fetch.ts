import { type HtmlBudget, measureHtml } from '../lib/html-budget.js';
import { parseMicroformats } from '../lib/microformats.js';
import { excerpt, plainText } from '../notes/markdown.js';
import { isRetryableError, retryAdvice } from '../outbound/policy.js';
import type { FetchLike } from '../outbound/safe-fetch.js';
import { htmlPool } from '../untrusted-html/pool.js';

/** How long fetching one page may take, from the request to the last byte read. */
export const CONTEXT_TIMEOUT_MS = 5000;
/** How much of a page is read: titles and h-entries sit near the top; the rest is left unread. */
export const CONTEXT_MAX_BYTES = 512 * 1024;

/** The longest title kept of a cited page (characters). */
export const NAME_MAX = 200;
/** The longest author name kept of a cited page (characters). */
export const AUTHOR_MAX = 100;
const HTTP = /^https?:\/\//i;

/** What a page says about itself: its title and author, each may be missing. */
export interface PageFacts {
  name: string | null;
  authorName: string | null;
  authorUrl: string | null;
}

/**
 * The result of reading a page: its facts, or why they could not be read and whether reading it
 * later may help (src/outbound/policy.ts), perhaps after the wait the site asked for.
 */
export type FetchOutcome =
  | { ok: true; facts: PageFacts }
  | { ok: false; reason: string; retryable: boolean; retryAfterMs?: number };

type Mf2Item = { type?: string[]; properties: Record<string, unknown[]>; children?: Mf2Item[] };

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** One line of display text from elsewhere: no control characters, single spaces, capped. */
export function line(text: unknown, max: number): string | null {
  if (typeof text !== 'string') return null;
  const clean = excerpt(text.replace(CONTROLS, ' '), max);
  return clean === '' ? null : clean;
}

/** An http(s) URL of at most 2,048 characters, normalised; null for anything else. */
export function httpUrl(value: unknown): string | null {
  if (typeof value !== 'string' || !HTTP.test(value) || value.length > 2048) return null;
  try {
    return new URL(value).toString();
  } catch {
    return null;
  }
}

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = (value as { value?: unknown }).value;
    if (typeof v === 'string') return v;
  }
  return undefined;
}

/** The h-entry a page is about: the one whose url is the page's, else the first one found. */
function findEntry(items: Mf2Item[], pageUrl: string): Mf2Item | undefined {
  const entries: Mf2Item[] = [];
  const walk = (list: Mf2Item[], depth: number) => {
    for (const item of list) {
      if (item.type?.includes('h-entry')) entries.push(item);
      if (depth < 2 && item.children) walk(item.children, depth + 1);
    }
  };
  walk(items, 0);
  const same = (u: unknown) => typeof u === 'string' && httpUrl(u) === httpUrl(pageUrl);
  return entries.find((e) => (e.properties.url ?? []).some(same)) ?? entries[0];
}

/**
 * The title of an h-entry: its name when it is a real title, else the start of its text. (A
 * parser gives a note without p-name its whole text as an implied name: that is not a title.)
 */
function entryName(entry: Mf2Item): string | null {
  const content = textOf(entry.properties.content?.[0]) ?? textOf(entry.properties.summary?.[0]);
  const name = textOf(entry.properties.name?.[0]);
  const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
  if (name && (!content || !squash(content).startsWith(squash(name)))) return line(name, NAME_MAX);
  return content ? line(content, NAME_MAX) : name ? line(name, NAME_MAX) : null;
}

function entryAuthor(entry: Mf2Item): { authorName: string | null; authorUrl: string | null } {
  const author = entry.properties.author?.[0];
  if (typeof author === 'string') {
    const url = httpUrl(author);
    return { authorName: line(author, AUTHOR_MAX), authorUrl: url };
  }
  if (author && typeof author === 'object') {
    const props = (author as Mf2Item).properties ?? {};
    const url = httpUrl(props.url?.[0]);
    const name = line(textOf(props.name?.[0]), AUTHOR_MAX) ?? (url ? line(url, AUTHOR_MAX) : null);
    return { authorName: name, authorUrl: url };
  }
  return { authorName: null, authorUrl: null };
}

/** What an HTML page says about itself: its h-entry's name and author, else its <title>. */
export function pageFacts(html: string, pageUrl: string): PageFacts {
  const read = readPageFacts(html, pageUrl, UNLIMITED);
  return read.ok ? read.facts : { name: null, authorName: null, authorUrl: null };
}

const UNLIMITED: HtmlBudget = {
  maxLength: Number.POSITIVE_INFINITY,
  maxElements: Number.POSITIVE_INFINITY,
  maxDepth: Number.POSITIVE_INFINITY,
  maxAttributes: Number.POSITIVE_INFINITY,
};

function factsOf(html: string, pageUrl: string, title: string | undefined): PageFacts {
  const parsed = parseMicroformats(html, pageUrl);
  const entry = findEntry(parsed.items as Mf2Item[], pageUrl);
  const author = entry ? entryAuthor(entry) : { authorName: null, authorUrl: null };
  // The first <title>'s text (the tokenizer's), entities decoded.
  const fallback = title === undefined ? null : line(plainText(title.slice(0, 4000)), NAME_MAX);
  return { name: (entry ? entryName(entry) : null) ?? fallback, ...author };
}

/** What reading a page gave: its facts, or why it was not parsed. */
export type PageFactsReading = { ok: true; facts: PageFacts } | { ok: false; reason: string };

/**
 * Reads a page once: one linear tokenizer pass measures it against the parse budget and finds its
 * <title>; only a page within the budget is parsed for its microformats. Runs in the untrusted-HTML
 * worker (src/untrusted-html/).
 */
export function readPageFacts(html: string, pageUrl: string, budget?: HtmlBudget): PageFactsReading {
  let title: string | undefined;
  const measured = measureHtml(html, budget, (tag) => {
    if (title === undefined && tag.type === 'start' && tag.name === 'title') title = tag.rawText ?? '';
  });
  if (measured.problem) return { ok: false, reason: `the page ${measured.problem}` };
  return { ok: true, facts: factsOf(html, pageUrl, title) };
}

/** Reads at most `maxBytes` of a body (the rest is left unread), as UTF-8. */
async function readPrefix(res: Response, maxBytes: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

/**
 * Fetches the page at `url` through `fetch` (the app's SSRF-safe one) and reads its title and
 * author. Never throws: a refused address, a timeout, an error status, a page that is not HTML
 * all come back as `{ ok: false, reason }`. The whole fetch, body included, has `timeoutMs`.
 */
export async function fetchPageFacts(
  url: string,
  fetch: FetchLike,
  options: { timeoutMs?: number; maxBytes?: number; signal?: AbortSignal } = {},
): Promise<FetchOutcome> {
  const timeoutMs = options.timeoutMs ?? CONTEXT_TIMEOUT_MS;
  const controller = new AbortController();
  options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<FetchOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ ok: false, reason: `no answer within ${timeoutMs} ms`, retryable: true });
    }, timeoutMs);
  });
  const attempt = (async (): Promise<FetchOutcome> => {
    const res = await fetch(url, {
      headers: { Accept: 'text/html, application/xhtml+xml;q=0.9' },
      signal: controller.signal,
    });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      return { ok: false, reason: `answered ${res.status}`, ...retryAdvice(res, new Date()) };
    }
    const type = (res.headers.get('content-type') ?? '').toLowerCase();
    if (!type.includes('html')) {
      await res.body?.cancel().catch(() => {});
      return { ok: false, reason: `not an HTML page (${type.slice(0, 60) || 'no type'})`, retryable: false };
    }
    const html = await readPrefix(res, options.maxBytes ?? CONTEXT_MAX_BYTES);
    // Parsed on a worker thread, cancelled with the rest when the deadline passes.
    const read = await htmlPool('owner').run(
      { kind: 'page-facts', html, url: res.url || url },
      controller.signal,
    );
    if (!read.ok) return { ok: false, reason: read.reason, retryable: read.retryable };
    // A page over the parse budget stays over it.
    return read.value.ok ? read.value : { ok: false, reason: read.value.reason, retryable: false };
  })().catch(
    (err: unknown): FetchOutcome => ({
      ok: false,
      reason: (err instanceof Error ? err.message : String(err)).slice(0, 200),
      retryable: isRetryableError(err),
    }),
  );
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
