import { decodeAttr, escapeAttr } from '../lib/html-attr.js';
import type { FeedItem, FeedPhoto, FeedResponse, FeedSite } from './types.js';

/** Longest generated title, ellipsis included, in code points. */
export const TITLE_MAX_LENGTH = 80;

/** The name every feed gives as its generator. */
export const GENERATOR = 'StarPunk';

// XML 1.0 §2.2 Char: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF. With the `u` flag a
// surrogate range only matches lone surrogates, since paired ones are read as one code point.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/gu;

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

const IMAGE_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
};

/** Removes the characters XML 1.0 forbids (and that JSON readers choke on) from a string. */
export function cleanText(value: string): string {
  return value.replace(XML_ILLEGAL, '');
}

/** Cleans a string and escapes it for use in XML text or a double- or single-quoted attribute. */
export function escapeXml(value: string): string {
  return cleanText(value).replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function assertValid(date: Date): void {
  if (Number.isNaN(date.getTime())) throw new RangeError('Invalid date in feed');
}

/** Formats a date as RFC 822 (as updated by RFC 1123) in UTC, e.g. `Fri, 27 Nov 2026 19:03:39 +0000`. */
export function formatRfc822(date: Date): string {
  assertValid(date);
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${DAYS[date.getUTCDay()]}, ${pad(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${pad(date.getUTCFullYear(), 4)} ${time} +0000`;
}

/** Formats a date as RFC 3339 in UTC without fractional seconds, e.g. `2026-11-27T19:03:39Z`. */
export function formatRfc3339(date: Date): string {
  assertValid(date);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Resolves a URL against the site's base so feeds only ever carry absolute links. */
export function absoluteUrl(url: string, base: string): string {
  const clean = cleanText(url).trim();
  try {
    return new URL(clean, base).href;
  } catch {
    return clean;
  }
}

/** Returns the item's own title, or null when it has none worth showing. */
export function itemName(item: FeedItem): string | null {
  if (item.name === null) return null;
  const name = cleanText(item.name).trim();
  return name === '' ? null : name;
}

/** Shortens plain text to at most `max` code points, cutting at a word boundary and adding '…'. */
export function excerpt(text: string, max = TITLE_MAX_LENGTH): string {
  const flat = cleanText(text).replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  if (chars.length <= max) return flat;
  // Keep one code point for the ellipsis.
  let head = chars.slice(0, max - 1).join('');
  const nextIsSpace = chars[max - 1] === ' ';
  const lastSpace = head.lastIndexOf(' ');
  if (!nextIsSpace && lastSpace > 0) head = head.slice(0, lastSpace);
  return `${head.replace(/[\s,;:]+$/u, '')}…`;
}

/** The namespace of Atom's thr:in-reply-to (RFC 4685), which RSS items carry too. */
export const THREAD_NS = 'http://purl.org/syndication/thread/1.0';

/** An absolute http(s) URL, or undefined for anything else (a feed links nowhere else). */
function httpUrl(url: string | null, base: string): string | undefined {
  if (url === null) return undefined;
  const abs = absoluteUrl(url, base);
  return /^https?:\/\//i.test(abs) ? abs : undefined;
}

/**
 * What the item responds to, with absolute http(s) URLs and clean words; a response whose URL is
 * not http(s) is left out, an author URL that is not is dropped.
 */
export function itemResponses(item: FeedItem): FeedResponse[] {
  const out: FeedResponse[] = [];
  for (const r of item.responses ?? []) {
    const url = httpUrl(r.url, item.url);
    if (url === undefined) continue;
    const text = (v: string | null) => {
      const t = v === null ? '' : cleanText(v).replace(/\s+/g, ' ').trim();
      return t === '' ? null : t;
    };
    out.push({
      ...r,
      url,
      label: cleanText(r.label).trim(),
      title: cleanText(r.title).trim(),
      name: text(r.name),
      authorName: text(r.authorName),
      authorUrl: httpUrl(r.authorUrl, url) ?? null,
    });
  }
  return out;
}

/** A page's URL as a person reads it in a title: without the scheme, e.g. `example.com/post?id=7`. */
function readableUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname === '/' ? '' : u.pathname;
    return `${u.host}${path}${u.search}`;
  } catch {
    return url;
  }
}

/** The title of a like, bookmark, repost or reply, as its page is titled: `Liked <page title or URL>`. */
function responseTitle(item: FeedItem): string | null {
  const first = itemResponses(item)[0];
  if (first === undefined) return null;
  return excerpt(`${first.title} ${first.name ?? readableUrl(first.url)}`);
}

/**
 * Returns an item's title as its page is titled: its name, else what it responds to, else an excerpt
 * of its text, else its date. Never empty.
 */
export function itemTitle(item: FeedItem): string {
  const name = itemName(item) ?? responseTitle(item);
  if (name !== null) return name;
  const text = excerpt(item.textForTitle);
  if (text !== '') return text;
  return `Note of ${formatRfc3339(item.published).slice(0, 10)}`;
}

/**
 * The title JSON Feed gives an item: its own name or what it responds to; null for a plain
 * untitled note (microblog posts carry no title there).
 */
export function itemJsonTitle(item: FeedItem): string | null {
  return itemName(item) ?? responseTitle(item);
}

/** The pages a reply replies to (Atom and RSS thr:in-reply-to). */
export function itemInReplyTo(item: FeedItem): string[] {
  return itemResponses(item)
    .filter((r) => r.kind === 'in-reply-to')
    .map((r) => r.url);
}

/** The pages a like, bookmark or repost is about (Atom rel="related"; the first is JSON Feed's external_url). */
export function itemSubjects(item: FeedItem): string[] {
  return itemResponses(item)
    .filter((r) => r.kind !== 'in-reply-to')
    .map((r) => r.url);
}

/**
 * What the item responds to as HTML, one paragraph each, as the note's page shows it
 * (views/entry.tsx): `Liked <a>page title</a> by <a>author</a>`, or the bare URL when the page's
 * title is unknown.
 */
function responsesHtml(item: FeedItem): string {
  return itemResponses(item)
    .map((r) => {
      const link = `<a href="${escapeAttr(r.url)}">${escapeAttr(r.name ?? r.url)}</a>`;
      let by = '';
      if (r.name !== null && r.authorName !== null) {
        by = r.authorUrl
          ? ` by <a href="${escapeAttr(r.authorUrl)}">${escapeAttr(r.authorName)}</a>`
          : ` by ${escapeAttr(r.authorName)}`;
      }
      return `<p>${escapeAttr(r.label)} ${link}${by}</p>`;
    })
    .join('');
}

/** Returns the photo's MIME type: as given, else guessed from the URL's extension, else image/jpeg. */
export function photoType(photo: FeedPhoto): string {
  const given = photo.type === undefined ? '' : cleanText(photo.type).trim();
  if (given !== '') return given;
  let path = photo.url;
  try {
    path = new URL(photo.url).pathname;
  } catch {
    path = photo.url.replace(/[?#].*$/s, '');
  }
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return (ext !== undefined ? IMAGE_TYPES[ext] : undefined) ?? 'image/jpeg';
}

/** Returns the photo's size in bytes when it is known and sensible, else undefined. */
export function photoLength(photo: FeedPhoto): number | undefined {
  const n = photo.length;
  return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Returns the item's tags, cleaned, without empty ones. */
export function itemTags(item: FeedItem): string[] {
  return item.tags.map((t) => cleanText(t).trim()).filter((t) => t !== '');
}

/** Returns the site's name, falling back to its URL so a feed title is never empty. */
export function siteTitle(site: FeedSite): string {
  return cleanText(site.name).trim() || absoluteUrl(site.url, site.url);
}

/** Returns the site's description, or `Notes from <name>` when it has none. */
export function siteDescription(site: FeedSite): string {
  return cleanText(site.description).trim() || `Notes from ${siteTitle(site)}`;
}

/** Returns the site's language tag, 'en' when unset. */
export function siteLanguage(site: FeedSite): string {
  return cleanText(site.language ?? '').trim() || 'en';
}

// In sanitised HTML every tag is `<name attr="value" …>`, with `<`, `>` and `"` escaped inside
// values and `<` escaped in text, so these find exactly the tags and their URL attributes.
const TAG = /<[a-zA-Z][^<>]*>/g;
const URL_ATTRIBUTE = /(\s(?:href|src|cite)=")([^"]*)(")/gi;
const SRCSET_ATTRIBUTE = /(\ssrcset=")([^"]*)(")/gi;

/** Resolves a URL against `base`; what is not a URL (or is empty) stays as it is. */
function resolveUrl(url: string, base: string): string {
  const trimmed = url.trim();
  if (trimmed === '') return url;
  try {
    return new URL(trimmed, base).href;
  } catch {
    return url;
  }
}

/** A srcset with each candidate's URL resolved against `base`, descriptors kept. */
function resolveSrcset(srcset: string, base: string): string {
  return srcset
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '')
    .map((c) => {
      const [url = '', ...descriptor] = c.split(/\s+/);
      return [resolveUrl(url, base), ...descriptor].join(' ');
    })
    .join(', ');
}

/**
 * Makes every URL in sanitised HTML absolute, resolved against `base` (the item's own page), as a
 * browser on that page would: `#fn1` becomes `<page>#fn1`, `/media/a.jpg` the file on the site.
 * Feed readers show content away from the site, where a relative URL leads nowhere.
 */
export function absoluteUrls(html: string, base: string): string {
  if (!html.includes('<')) return html;
  const rewrite =
    (resolve: (value: string) => string) => (_m: string, head: string, value: string, tail: string) =>
      head + escapeAttr(resolve(decodeAttr(value))) + tail;
  return html.replace(TAG, (tag) =>
    tag
      .replace(
        URL_ATTRIBUTE,
        rewrite((v) => resolveUrl(v, base)),
      )
      .replace(
        SRCSET_ATTRIBUTE,
        rewrite((v) => resolveSrcset(v, base)),
      ),
  );
}

/** The photos as HTML, one paragraph each, for readers that ignore enclosures and attachments. */
function photosHtml(item: FeedItem, base: string, shown: ReadonlySet<string>): string {
  const out: string[] = [];
  for (const photo of item.photos) {
    const url = absoluteUrl(photo.url, base);
    const display = photo.display
      ? { ...photo.display, url: absoluteUrl(photo.display.url, base) }
      : undefined;
    // A picture the text already shows is not repeated.
    if (shown.has(url) || (display && shown.has(display.url))) continue;
    const src = display ?? { url, width: photo.width, height: photo.height };
    const size = src.width && src.height ? ` width="${src.width}" height="${src.height}"` : '';
    out.push(
      `<p><img src="${escapeAttr(src.url)}" alt="${escapeAttr(cleanText(photo.alt).trim())}"${size} /></p>`,
    );
  }
  return out.join('');
}

/**
 * The item's content as every feed format carries it: what it responds to (a like's page, a
 * reply's post), then the sanitised HTML with every URL made absolute against the item's URL,
 * then its photos (those the text does not show already).
 */
export function itemContentHtml(item: FeedItem, siteUrl: string): string {
  const base = absoluteUrl(item.url, siteUrl);
  const html = responsesHtml(item) + absoluteUrls(item.contentHtml, base);
  if (item.photos.length === 0) return html;
  const shown = new Set<string>();
  for (const [tag] of html.matchAll(/<img\b[^<>]*>/g)) {
    const src = /\ssrc="([^"]*)"/.exec(tag)?.[1];
    if (src !== undefined) shown.add(decodeAttr(src));
  }
  return html + photosHtml(item, base, shown);
}

/**
 * Points browsers at the stylesheet that shows a feed as a readable page (/static/feed.xsl);
 * feed readers skip processing instructions, so they read the same feed as before.
 */
export const FEED_STYLESHEET_PI = '<?xml-stylesheet type="text/xsl" href="/static/feed.xsl"?>';
