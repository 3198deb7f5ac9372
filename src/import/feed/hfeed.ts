/**
 * An h-feed page (microformats2 HTML: a blog's home page or archive, micro.blog's theme, a static
 * site's index) read as feed entries. It runs on the untrusted-HTML worker thread
 * (src/untrusted-html/, html-worker/tasks.ts; docs/decisions/0015-bounded-untrusted-work.md): the
 * page is measured against the parse budget first and parsed at most once. The feed is the first
 * h-feed's h-entry children, or, on a page with no h-feed, its top-level h-entries (the implied
 * feed); the next page is its `rel=next` link.
 */
import { type HtmlBudget, measureHtml } from '../../lib/html-budget.js';
import { parseMicroformats } from '../../lib/microformats.js';
import type { FeedEntry, FeedMedia } from './types.js';

/** An mf2 item as the parser gives it. */
interface Mf2 {
  type: string[];
  properties: Record<string, unknown[]>;
  children?: Mf2[];
  value?: unknown;
}

/** What reading an h-feed page gave. */
export type HFeedReading =
  | {
      ok: true;
      entries: FeedEntry[];
      next?: string;
      siteUrl?: string;
      title?: string;
      authors: string[];
    }
  | { ok: false; reason: string };

const isItem = (v: unknown): v is Mf2 =>
  typeof v === 'object' &&
  v !== null &&
  Array.isArray((v as Mf2).type) &&
  typeof (v as Mf2).properties === 'object';

/** A property's values as strings: an embedded item's `value` or url, an e-* value's text. */
function strings(item: Mf2, name: string): string[] {
  const out: string[] = [];
  for (const v of item.properties[name] ?? []) {
    if (typeof v === 'string') out.push(v);
    else if (isItem(v)) {
      const u = v.properties.url?.[0];
      if (typeof u === 'string') out.push(u);
      else if (typeof v.value === 'string') out.push(v.value);
    } else if (v && typeof v === 'object') {
      const o = v as { value?: unknown };
      if (typeof o.value === 'string') out.push(o.value);
    }
  }
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

function names(item: Mf2, name: string): string[] {
  const out: string[] = [];
  for (const v of item.properties[name] ?? []) {
    if (typeof v === 'string') out.push(v.trim());
    else if (isItem(v)) {
      const n = v.properties.name?.[0];
      if (typeof n === 'string') out.push(n.trim());
      else if (typeof v.value === 'string') out.push(v.value.trim());
    }
  }
  return out.filter((s) => s !== '');
}

function findFeed(items: Mf2[]): Mf2 | undefined {
  for (const it of items) {
    if (it.type.includes('h-feed')) return it;
    const inner = findFeed(it.children ?? []);
    if (inner) return inner;
  }
  return undefined;
}

function entryOf(item: Mf2, where: string, base: string): FeedEntry {
  const p = item.properties;
  const urls = strings(item, 'url');
  const uid = strings(item, 'uid')[0];
  const content = p.content?.[0];
  let html: string | undefined;
  let text: string | undefined;
  if (content && typeof content === 'object' && 'html' in content) {
    html = String((content as { html: unknown }).html ?? '');
    if (html.trim() === '') html = undefined;
  } else if (typeof content === 'string' && content.trim() !== '') text = content;
  const media: FeedMedia[] = [];
  for (const v of p.photo ?? []) {
    if (typeof v === 'string') media.push({ url: v, alt: '', medium: 'image' });
    else if (v && typeof v === 'object' && typeof (v as { value?: unknown }).value === 'string') {
      const o = v as { value: string; alt?: unknown };
      media.push({ url: o.value, alt: typeof o.alt === 'string' ? o.alt : '', medium: 'image' });
    }
  }
  for (const kind of ['video', 'audio'] as const)
    for (const u of strings(item, kind)) media.push({ url: u, alt: '', medium: kind });
  const properties: NonNullable<FeedEntry['properties']> = {};
  for (const k of ['in-reply-to', 'like-of', 'repost-of', 'bookmark-of', 'syndication'] as const) {
    const v = strings(item, k);
    if (v.length > 0) properties[k] = v;
  }
  const name = strings(item, 'name')[0];
  const summary = strings(item, 'summary')[0];
  const published = strings(item, 'published')[0];
  const updated = strings(item, 'updated')[0];
  return {
    ...(uid ? { id: uid } : {}),
    ...(urls[0] ? { url: urls[0] } : {}),
    links: urls.slice(1),
    ...(name !== undefined ? { title: name } : {}),
    ...(html !== undefined ? { html } : {}),
    ...(text !== undefined ? { text } : {}),
    ...(summary ? { summary } : {}),
    ...(published ? { published } : {}),
    ...(updated ? { updated } : {}),
    tags: strings(item, 'category').filter((c) => !/^https?:\/\//.test(c)),
    media,
    authors: names(item, 'author'),
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
    base,
    where,
  };
}

/** Reads the h-feed of the page at `url`; see the module comment. */
export function readHFeedPage(html: string, url: string, label: string, budget?: HtmlBudget): HFeedReading {
  const measured = measureHtml(html, budget);
  if (measured.problem) return { ok: false, reason: `the page ${measured.problem}` };
  const parsed = parseMicroformats(html, url);
  const items = (parsed.items as unknown[]).filter(isItem);
  const feed = findFeed(items);
  const list = feed
    ? (feed.children ?? []).filter((c) => c.type.includes('h-entry'))
    : items.filter((i) => i.type.includes('h-entry'));
  const rels = parsed.rels as Record<string, string[] | undefined>;
  const next = rels.next?.[0];
  const siteUrl = feed ? strings(feed, 'url')[0] : undefined;
  const title = feed ? strings(feed, 'name')[0] : undefined;
  return {
    ok: true,
    entries: list.map((e, i) => entryOf(e, `${label} entry ${i + 1}`, url)),
    ...(next ? { next } : {}),
    ...(siteUrl ? { siteUrl } : {}),
    ...(title ? { title } : {}),
    authors: feed ? names(feed, 'author') : [],
  };
}
