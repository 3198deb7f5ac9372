/**
 * A JSON Feed page (versions 1 and 1.1, jsonfeed.org/version/1.1) read as feed entries. A page is
 * parsed whole (the format has no streaming form; publishers keep pages small and paginate with
 * `next_url`), within a size limit. Items without an `id` are discarded as the specification
 * insists; a numeric id is read as a string.
 */
import { ImportSourceError } from '../contract.js';
import type { FeedEntry, FeedFacts, FeedMedia } from './types.js';
import { absolute } from './xml.js';

/** What reading a page gave: entries, and items discarded with why. */
export interface JsonFeedPage {
  entries: FeedEntry[];
  discarded: { where: string; reason: string }[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** The line and column of a character offset in `text`. */
function placeOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  return { line, column: offset - last };
}

function authorsOf(v: Record<string, unknown>): string[] {
  const list = Array.isArray(v.authors)
    ? v.authors
    : v.author && typeof v.author === 'object'
      ? [v.author]
      : [];
  return list
    .map((a) => (a && typeof a === 'object' ? str((a as Record<string, unknown>).name) : undefined))
    .filter((n): n is string => n !== undefined);
}

/** Reads one page of a JSON Feed; throws ImportSourceError (with line and column for bad JSON). */
export function readJsonFeed(
  text: string,
  name: string,
  base: string | undefined,
  facts: FeedFacts,
): JsonFeedPage {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const msg = (err as Error).message;
    const at = /at position (\d+)/.exec(msg);
    throw new ImportSourceError(
      name,
      at ? placeOf(text.replace(/^\uFEFF/, ''), Number(at[1])) : undefined,
      `not valid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '')}`,
    );
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new ImportSourceError(name, undefined, 'not a JSON Feed: the document is not an object');
  const feed = doc as Record<string, unknown>;
  const version = str(feed.version);
  if (!version || !/^https?:\/\/(www\.)?jsonfeed\.org\/version\//.test(version))
    throw new ImportSourceError(
      name,
      undefined,
      'not a JSON Feed: no "version" naming https://jsonfeed.org/version/1.1',
    );
  if (!Array.isArray(feed.items))
    throw new ImportSourceError(name, undefined, 'not a JSON Feed: no "items" list');
  const home = absolute(str(feed.home_page_url), base);
  const self = absolute(str(feed.feed_url), base);
  if (home) facts.siteUrl ??= home;
  if (self) facts.selfUrl ??= self;
  const next = absolute(str(feed.next_url), base ?? self);
  if (next) facts.next ??= next;
  facts.title ??= str(feed.title);
  if (facts.authors.length === 0) facts.authors.push(...authorsOf(feed));
  const itemBase = base ?? self ?? home;

  const out: JsonFeedPage = { entries: [], discarded: [] };
  feed.items.forEach((raw, i) => {
    const where = `${name} item ${i + 1}`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      out.discarded.push({ where, reason: 'not an object' });
      return;
    }
    const it = raw as Record<string, unknown>;
    const id = typeof it.id === 'number' && Number.isFinite(it.id) ? String(it.id) : str(it.id);
    if (!id) {
      out.discarded.push({ where, reason: 'no id (JSON Feed discards such items)' });
      return;
    }
    const media: FeedMedia[] = [];
    const image = absolute(str(it.image), itemBase);
    if (image) media.push({ url: image, alt: '', medium: 'image' });
    if (Array.isArray(it.attachments)) {
      for (const a of it.attachments) {
        if (!a || typeof a !== 'object') continue;
        const att = a as Record<string, unknown>;
        const url = absolute(str(att.url), itemBase);
        if (!url) continue;
        const type = str(att.mime_type);
        const title = str(att.title);
        media.push({ url, alt: '', ...(type ? { type } : {}), ...(title ? { title } : {}) });
      }
    }
    const tags = Array.isArray(it.tags)
      ? it.tags.filter((t): t is string => typeof t === 'string' && t.trim() !== '')
      : [];
    const url = absolute(str(it.url), itemBase);
    const external = absolute(str(it.external_url), itemBase);
    const entry: FeedEntry = {
      id,
      ...(url ? { url } : {}),
      links: [],
      ...(external ? { externalUrl: external } : {}),
      ...(typeof it.title === 'string' ? { title: it.title } : {}),
      ...(str(it.content_html) ? { html: it.content_html as string } : {}),
      ...(str(it.content_text) ? { text: it.content_text as string } : {}),
      ...(str(it.summary) ? { summary: it.summary as string } : {}),
      ...(str(it.date_published) ? { published: it.date_published as string } : {}),
      ...(str(it.date_modified) ? { updated: it.date_modified as string } : {}),
      tags,
      media,
      authors: authorsOf(it),
      ...(itemBase ? { base: itemBase } : {}),
      where,
    };
    out.entries.push(entry);
  });
  return out;
}
