/**
 * Reply context in and out of StarPunk: what was read of the pages notes respond to (title and
 * author, `016_reply_contexts.sql`) is exported as mf2 JSON (`reply-contexts.json`, one h-cite per
 * page, the form a parser gives a cited page), and imported from such a file or from another
 * StarPunk's database. A copy of the site then shows "Liked <the page's title> by <its author>"
 * as the original did, without fetching anything (the cited page may be gone). The note's own
 * properties keep the bare URL its author gave: the context lives beside them, keyed by URL.
 */
import type Database from 'better-sqlite3';
import type { Db } from '../db/open.js';
import { type ReplyContextRow, replyContextsStore } from '../db/store/reply-contexts.js';
import { AUTHOR_MAX, httpUrl, line, NAME_MAX } from './fetch.js';

/** The file an export writes reply contexts to. */
export const REPLY_CONTEXTS_FILE = 'reply-contexts.json';

/** One exported context: an mf2 h-cite of the page, plus when it was read. */
export interface ExportedContext {
  type: ['h-cite'];
  properties: Record<string, unknown[]>;
  /** When the page was read (a copy refreshes it no sooner than the original would have). */
  fetched: string;
}

const HTTP = /^https?:\/\//i;

/** A page that was read, as an h-cite; undefined for a page that could not be read (nothing is known of it). */
export function contextToMf2(row: ReplyContextRow): ExportedContext | undefined {
  if (row.status !== 'ok') return undefined;
  const properties: Record<string, unknown[]> = { url: [row.url] };
  if (row.name !== null) properties.name = [row.name];
  const card: Record<string, unknown[]> = {};
  if (row.author_name !== null) card.name = [row.author_name];
  if (row.author_url !== null) card.url = [row.author_url];
  if (Object.keys(card).length > 0) properties.author = [{ type: ['h-card'], properties: card }];
  return { type: ['h-cite'], properties, fetched: row.fetched_at };
}

/** Calls `add` with the context of each of `urls` that was read; returns how many. */
export function exportReplyContexts(
  db: Db,
  urls: Iterable<string>,
  add: (item: ExportedContext) => void,
): number {
  const store = replyContextsStore(db);
  let n = 0;
  for (const url of urls) {
    const row = store.findContext(url);
    const item = row && contextToMf2(row);
    if (item) {
      add(item);
      n++;
    }
  }
  return n;
}

/** What importing reply contexts did. */
export interface ReplyContextImportReport {
  imported: number;
  skipped: number;
  failed: number;
  lines: { source: string; outcome: 'imported' | 'skipped' | 'failed'; detail?: string }[];
}

const first = (props: Record<string, unknown>, name: string): unknown =>
  Array.isArray(props[name]) ? (props[name] as unknown[])[0] : undefined;

/** The row an exported item describes, checked and cleaned like a fetched page; a string saying why not. */
function rowFromItem(item: unknown, now: Date): ReplyContextRow | string {
  if (!item || typeof item !== 'object') return 'not an object';
  const o = item as Record<string, unknown>;
  const props = (o.properties && typeof o.properties === 'object' ? o.properties : {}) as Record<
    string,
    unknown
  >;
  // Kept exactly as written: it is the key a note's like-of / in-reply-to… is looked up by.
  const url = first(props, 'url');
  if (typeof url !== 'string' || !HTTP.test(url) || url.length > 2048 || !URL.canParse(url))
    return 'its url must be an http(s) URL';
  const author = first(props, 'author');
  let authorName: string | null = null;
  let authorUrl: string | null = null;
  if (typeof author === 'string') {
    authorName = line(author, AUTHOR_MAX);
    authorUrl = httpUrl(author);
  } else if (author && typeof author === 'object') {
    const card = ((author as { properties?: unknown }).properties ?? {}) as Record<string, unknown>;
    authorName = line(first(card, 'name'), AUTHOR_MAX);
    authorUrl = httpUrl(first(card, 'url'));
  }
  // Never later than now: a page "read in the future" would never be read again.
  const fetched = typeof o.fetched === 'string' ? Date.parse(o.fetched) : Number.NaN;
  const at = Number.isNaN(fetched) ? now : new Date(Math.min(fetched, now.getTime()));
  return {
    url,
    status: 'ok',
    name: line(first(props, 'name'), NAME_MAX),
    author_name: authorName,
    author_url: authorUrl,
    error: null,
    fetched_at: at.toISOString(),
  };
}

/**
 * Imports exported contexts into `db`: only those of pages that `cited` (the URLs the imported
 * notes respond to) names; a page the target has read itself keeps what the target read.
 */
export function importReplyContexts(opts: {
  db: Db;
  items: unknown[];
  cited: ReadonlySet<string>;
  now: Date;
}): ReplyContextImportReport {
  const store = replyContextsStore(opts.db);
  const report: ReplyContextImportReport = { imported: 0, skipped: 0, failed: 0, lines: [] };
  for (const item of opts.items) {
    const row = rowFromItem(item, opts.now);
    if (typeof row === 'string') {
      report.failed++;
      report.lines.push({ source: 'a reply context', outcome: 'failed', detail: row });
      continue;
    }
    if (!opts.cited.has(row.url)) {
      report.skipped++;
      report.lines.push({ source: row.url, outcome: 'skipped', detail: 'no imported note responds to it' });
      continue;
    }
    if (store.findContext(row.url)?.status === 'ok') {
      report.skipped++;
      report.lines.push({ source: row.url, outcome: 'skipped', detail: 'already here' });
      continue;
    }
    store.upsertContext(row);
    report.imported++;
    report.lines.push({ source: row.url, outcome: 'imported' });
  }
  return report;
}

/** The contexts another StarPunk's database holds, as exported items (none when it has no such table). */
export function replyContextItemsFromDatabase(src: Database.Database): ExportedContext[] {
  const cols = new Set(
    (src.prepare('PRAGMA table_info("reply_contexts")').all() as { name: string }[]).map((c) => c.name),
  );
  const needed = ['url', 'status', 'name', 'author_name', 'author_url', 'fetched_at'];
  if (!needed.every((c) => cols.has(c))) return [];
  const out: ExportedContext[] = [];
  for (const row of src
    .prepare(
      `SELECT ${needed.join(', ')}, NULL AS error FROM reply_contexts WHERE status = 'ok' ORDER BY url`,
    )
    .iterate() as Iterable<ReplyContextRow>) {
    const item = contextToMf2(row);
    if (item) out.push(item);
  }
  return out;
}
