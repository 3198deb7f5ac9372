/**
 * Reading a Webmention's source: does it link to the target (W3C Webmention §3.2.2), and what is
 * it (microformats2: h-entry, author h-card, in-reply-to / like-of / repost-of / bookmark-of /
 * mention-of, rsvp, published, content)? Everything kept is cleaned here: text is bounded, URLs are
 * http(s) only, HTML is cut down to a small safe set whose links carry rel="nofollow ugc".
 */
import sanitizeHtml from 'sanitize-html';
import type { MentionContent, MentionKind } from '../db/store/webmentions.js';
import { type HtmlBudget, measureHtml } from '../lib/html-budget.js';
import { type HtmlTag, htmlTags } from '../lib/html-tokenizer.js';
import { type ParsedMicroformats, parseMicroformats } from '../lib/microformats.js';

/** The longest URL accepted or kept. */
export const MAX_URL_LENGTH = 2048;
/** The most sanitised HTML kept of a mention's content; longer content is kept as text. */
export const MAX_CONTENT_HTML = 16 * 1024;
/** The most text kept of a mention's content. */
export const MAX_CONTENT_TEXT = 2000;
/** The longest author name kept. */
export const MAX_NAME = 100;

/**
 * An http(s) URL as a comparable string: parsed (so host case, default ports and dot segments
 * no longer differ), resolved against `base`, without its fragment (a fragment names a part of
 * the same document). Undefined for anything else.
 */
export function normaliseUrl(raw: string, base?: string): string | undefined {
  if (raw.length > MAX_URL_LENGTH) return undefined;
  let url: URL;
  try {
    url = base === undefined ? new URL(raw.trim()) : new URL(raw.trim(), base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (!url.hostname) return undefined;
  url.hash = '';
  return url.href;
}

// Elements whose URL attributes are links in the sense of §3.2.2 ("<a href>, <img href>, <video
// src> and other similar links"): what a reader follows or sees, never <link> in the head.
const URL_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  a: ['href'],
  area: ['href'],
  img: ['src'],
  video: ['src', 'poster'],
  audio: ['src'],
  source: ['src'],
  track: ['src'],
  iframe: ['src'],
  blockquote: ['cite'],
  q: ['cite'],
};

/** What one tokenizer pass over a document found: its links, and its first `<base href>`. */
interface LinkScan {
  links: string[];
  base: { href: string; start: number; end: number } | undefined;
}

/** Collects the links and the base of a document from the tags the tokenizer sees. */
function linkCollector(): { onTag: (tag: HtmlTag) => void; scan: LinkScan } {
  const scan: LinkScan = { links: [], base: undefined };
  // Template contents are not part of the document: a reader never sees a link there.
  let template = 0;
  const onTag = (tag: HtmlTag) => {
    if (tag.name === 'template') {
      if (tag.type === 'start') template++;
      else if (template > 0) template--;
      return;
    }
    if (tag.type !== 'start' || template > 0) return;
    if (tag.name === 'base') {
      const href = tag.attrs.get('href');
      if (scan.base === undefined && href !== undefined) scan.base = { href, start: tag.start, end: tag.end };
      return;
    }
    for (const attr of URL_ATTRIBUTES[tag.name] ?? []) {
      const v = tag.attrs.get(attr);
      if (v !== undefined && v.trim() !== '') scan.links.push(v);
    }
  };
  return { onTag, scan };
}

/** The links of a scan, resolved against its `<base href>` or `docUrl`, fragments removed. */
function resolveLinks(scan: LinkScan, docUrl: string): Set<string> {
  const baseUrl = (scan.base !== undefined && normaliseUrl(scan.base.href, docUrl)) || docUrl;
  const out = new Set<string>();
  for (const r of scan.links) {
    const u = normaliseUrl(r, baseUrl);
    if (u) out.add(u);
  }
  return out;
}

/**
 * Every URL an HTML document links to (elements of URL_ATTRIBUTES), resolved against its
 * `<base href>` or `docUrl`, fragments removed. Markup inside comments, <script>, <style> and
 * <textarea> is text to the HTML parser, so a URL there is not a link. Linear in the document
 * (src/lib/html-tokenizer.ts).
 */
export function linksIn(html: string, docUrl: string): Set<string> {
  const { onTag, scan } = linkCollector();
  for (const tag of htmlTags(html)) onTag(tag);
  return resolveLinks(scan, docUrl);
}

/** The media types a source may have, and how each is searched for a link. */
export type SourceFormat = 'html' | 'text' | 'json';

/** Which format a Content-Type names, or undefined when it is none of them. */
export function sourceFormat(contentType: string | null): SourceFormat | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/html' || type === 'application/xhtml+xml') return 'html';
  if (type === 'text/plain') return 'text';
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  return undefined;
}

function jsonHasValue(value: unknown, wanted: string, depth = 0): boolean {
  if (depth > 32) return false;
  if (typeof value === 'string') return normaliseUrl(value) === wanted;
  if (Array.isArray(value)) return value.some((v) => jsonHasValue(v, wanted, depth + 1));
  if (value && typeof value === 'object')
    return Object.values(value).some((v) => jsonHasValue(v, wanted, depth + 1));
  return false;
}

/**
 * True when the source document links to `target` (already normalised): in HTML, a link element
 * after resolving (§3.2.2); in JSON, a string value equal to it; in plain text, the URL itself.
 */
export function linksTo(body: string, format: SourceFormat, docUrl: string, target: string): boolean {
  if (format === 'html') return linksIn(body, docUrl).has(target);
  if (format === 'json') {
    try {
      return jsonHasValue(JSON.parse(body) as unknown, target);
    } catch {
      return false;
    }
  }
  // Plain text: the URL as written, or with the fragment the sender may have added.
  return body.split(/\s+/).some((word) => normaliseUrl(word.replace(/[)>\].,;:!?'"]+$/, '')) === target);
}

// The HTML a mention may keep: text structure and links, nothing that loads or runs anything.
const CONTENT_TAGS = [
  'p',
  'br',
  'a',
  'em',
  'strong',
  'b',
  'i',
  'u',
  's',
  'del',
  'ins',
  'blockquote',
  'q',
  'cite',
  'code',
  'pre',
  'ul',
  'ol',
  'li',
  'abbr',
  'sub',
  'sup',
];

/**
 * A mention's HTML reduced to CONTENT_TAGS: no attributes but a link's http(s) href (resolved
 * against `base`) and a fixed rel="nofollow ugc"; the text of anything else is kept, escaped,
 * except inside script, style and the like, which is dropped whole.
 */
export function sanitizeContent(html: string, base: string): string {
  return sanitizeHtml(html, {
    allowedTags: CONTENT_TAGS,
    allowedAttributes: { a: ['href', 'rel'], abbr: ['title'] },
    allowedSchemes: ['http', 'https'],
    allowedSchemesAppliedToAttributes: ['href'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    nestingLimit: 24,
    transformTags: {
      a: (tagName, attribs) => {
        const href = attribs.href === undefined ? undefined : normaliseLink(attribs.href, base);
        const kept: Record<string, string> = href ? { href, rel: 'nofollow ugc' } : { rel: 'nofollow ugc' };
        return { tagName, attribs: kept };
      },
    },
  }).trim();
}

// A link inside content keeps its fragment (it may point at a part of the page).
function normaliseLink(raw: string, base: string): string | undefined {
  if (raw.length > MAX_URL_LENGTH) return undefined;
  try {
    const u = new URL(raw.trim(), base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** Plain text: control characters removed, runs of white space collapsed, cut at `max` characters. */
export function cleanText(text: string, max: number): string {
  const t = text.replace(CONTROLS, '').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1).trimEnd()}…` : t;
}

type Mf2Item = ParsedMicroformats['items'][number];
type Mf2Value = Mf2Item['properties'][string][number];

function isItem(v: unknown): v is Mf2Item {
  return typeof v === 'object' && v !== null && Array.isArray((v as Mf2Item).type);
}

function hasType(item: Mf2Item, type: string): boolean {
  return (item.type ?? []).includes(type);
}

/** A property value as a string: the string itself, an image's or an item's value, or an html's text. */
function textOf(v: Mf2Value | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as { value?: unknown };
    if (typeof o.value === 'string') return o.value;
  }
  return undefined;
}

/** The URLs a property holds: strings, or items' `url`/value (an h-cite of the post replied to). */
function urlsOf(values: Mf2Value[] | undefined, base: string): string[] {
  const out: string[] = [];
  for (const v of values ?? []) {
    const candidates: string[] = [];
    if (isItem(v)) {
      for (const u of v.properties.url ?? []) {
        const t = textOf(u);
        if (t) candidates.push(t);
      }
      const val = textOf(v.value);
      if (val) candidates.push(val);
    } else {
      const t = textOf(v);
      if (t) candidates.push(t);
    }
    for (const c of candidates) {
      const u = normaliseUrl(c, base);
      if (u && !out.includes(u)) out.push(u);
    }
  }
  return out;
}

/** Every h-entry in the document, depth first (top-level items, then children and property values). */
function entriesOf(items: Mf2Item[], depth = 0, out: Mf2Item[] = []): Mf2Item[] {
  if (depth > 8) return out;
  for (const item of items) {
    if (hasType(item, 'h-entry')) out.push(item);
    if (item.children) entriesOf(item.children, depth + 1, out);
  }
  return out;
}

/**
 * The entry the source is about: the h-entry whose url is the source (or where it ended after
 * redirects), else the first top-level h-entry, else the first h-entry anywhere (an h-feed's).
 */
function primaryEntry(doc: ParsedMicroformats, urls: string[]): Mf2Item | undefined {
  const all = entriesOf(doc.items);
  const byUrl = all.find((e) =>
    (e.properties.url ?? []).some((u) => {
      const t = textOf(u);
      const n = t ? normaliseUrl(t) : undefined;
      return n !== undefined && urls.includes(n);
    }),
  );
  return byUrl ?? doc.items.find((i) => hasType(i, 'h-entry')) ?? all[0];
}

interface Author {
  name: string | null;
  url: string | null;
  photo: string | null;
}

function cardToAuthor(card: Mf2Item, base: string): Author {
  const p = card.properties;
  const name = textOf(p.name?.[0]);
  const url = textOf(p.url?.[0]);
  const photo = textOf(p.photo?.[0]);
  return {
    name: name ? cleanText(name, MAX_NAME) || null : null,
    url: (url && normaliseLink(url, base)) || null,
    photo: (photo && normaliseLink(photo, base)) || null,
  };
}

/**
 * The entry's author (a simplified authorship algorithm): its `author` h-card; an author given as
 * a URL, matched to an h-card of the page with that URL; a name given as text; else the page's
 * first top-level h-card.
 */
function authorOf(entry: Mf2Item | undefined, doc: ParsedMicroformats, base: string): Author {
  const cards = doc.items.filter((i) => hasType(i, 'h-card'));
  const given = entry?.properties.author?.[0];
  if (isItem(given)) return cardToAuthor(given, base);
  const text = textOf(given);
  if (text) {
    const asUrl = normaliseUrl(text, base);
    if (asUrl) {
      const card = cards.find((c) => urlsOf(c.properties.url, base).includes(asUrl));
      return card ? cardToAuthor(card, base) : { name: null, url: asUrl, photo: null };
    }
    return { name: cleanText(text, MAX_NAME) || null, url: null, photo: null };
  }
  return cards[0] ? cardToAuthor(cards[0], base) : { name: null, url: null, photo: null };
}

function parseTime(value: string | undefined): string | null {
  if (!value) return null;
  // mf2 allows a space between date and time, and offsets without a colon.
  const s = value
    .trim()
    .replace(/^(\d{4}-\d{2}-\d{2})[ T]/, '$1T')
    .replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

const RSVP_VALUES = new Set(['yes', 'no', 'maybe', 'interested']);

/**
 * What a source that links to `target` says about it, from its microformats: the kind of
 * response (reply, like, repost, bookmark, rsvp, or a plain mention), its author, URL, date and
 * sanitised content. `docUrl` is where the document was found (after redirects).
 */
export function parseMention(html: string, docUrl: string, source: string, target: string): MentionContent {
  const { onTag, scan } = linkCollector();
  for (const tag of htmlTags(html)) onTag(tag);
  return mentionFrom(microformatsOf(html, docUrl, scan.base), docUrl, source, target);
}

function mentionFrom(
  doc: ParsedMicroformats,
  docUrl: string,
  source: string,
  target: string,
): MentionContent {
  const entry = primaryEntry(doc, [normaliseUrl(source) ?? source, normaliseUrl(docUrl) ?? docUrl]);
  const p = entry?.properties ?? {};
  const replyTo = urlsOf(p['in-reply-to'], docUrl);
  const rsvpRaw = textOf(p.rsvp?.[0])?.trim().toLowerCase();
  const rsvp = rsvpRaw && RSVP_VALUES.has(rsvpRaw) ? rsvpRaw : null;
  let kind: MentionKind = 'mention';
  if (replyTo.includes(target)) kind = rsvp ? 'rsvp' : 'reply';
  else if (urlsOf(p['like-of'], docUrl).includes(target)) kind = 'like';
  else if (urlsOf(p['repost-of'], docUrl).includes(target)) kind = 'repost';
  else if (urlsOf(p['bookmark-of'], docUrl).includes(target)) kind = 'bookmark';

  const author = authorOf(entry, doc, docUrl);
  // The entry's own URL, when it is on the source's site; a source cannot send readers elsewhere.
  const ownUrl = urlsOf(p.url, docUrl)[0];
  const url = ownUrl && new URL(ownUrl).origin === new URL(source).origin ? ownUrl : source;

  let contentHtml: string | null = null;
  let contentText: string | null = null;
  const content = p.content?.[0];
  if (content && typeof content === 'object' && 'html' in content && typeof content.html === 'string') {
    const cleaned = sanitizeContent(content.html, docUrl);
    contentText = cleanText(typeof content.value === 'string' ? content.value : '', MAX_CONTENT_TEXT) || null;
    if (cleaned !== '' && cleaned.length <= MAX_CONTENT_HTML) contentHtml = cleaned;
  } else {
    const t = textOf(content) ?? textOf(p.summary?.[0]) ?? textOf(p.name?.[0]);
    contentText = t ? cleanText(t, MAX_CONTENT_TEXT) || null : null;
  }
  if (!contentText && contentHtml)
    contentText = cleanText(sanitizeHtml(contentHtml, { allowedTags: [] }), MAX_CONTENT_TEXT);

  return {
    kind,
    rsvp: kind === 'rsvp' ? rsvp : null,
    url,
    author_name: author.name,
    author_url: author.url,
    author_photo: author.photo,
    published_at: parseTime(textOf(p.published?.[0])),
    content_html: contentHtml,
    content_text: contentText,
    in_reply_to: JSON.stringify(replyTo.slice(0, 20)),
  };
}

/**
 * The microformats of a document, parsed once. The parser fails on a `<base href>` that is not
 * an absolute URL, so such a base element (found by the tokenizer) is cut out and the base it
 * names resolved by hand first.
 */
function microformatsOf(html: string, docUrl: string, base: LinkScan['base']): ParsedMicroformats {
  if (base === undefined) return parseMicroformats(html, docUrl);
  let absolute = true;
  try {
    new URL(base.href.trim());
  } catch {
    absolute = false;
  }
  if (absolute) return parseMicroformats(html, docUrl);
  const resolved = normaliseLink(base.href, docUrl) ?? docUrl;
  return parseMicroformats(html.slice(0, base.start) + html.slice(base.end), resolved);
}

/** What reading a source gave: whether it links to the target, and what it says about it. */
export type MentionReading =
  | { kind: 'linked'; content: MentionContent }
  | { kind: 'not-linked' }
  /** The document is beyond the parse budget (src/lib/html-budget.ts): nothing was parsed. */
  | { kind: 'refused'; problem: string };

/**
 * Reads a fetched source once (§3.2.2): one linear tokenizer pass measures it against `budget` and
 * collects its links; only a document within the budget that links to `target` is then parsed for
 * its microformats, once. JSON and plain-text sources are searched for the URL and read as plain
 * mentions. Runs in the untrusted-HTML worker (src/untrusted-html/).
 */
export function readMention(input: {
  body: string;
  format: SourceFormat;
  docUrl: string;
  source: string;
  target: string;
  budget?: HtmlBudget;
}): MentionReading {
  const { body, format, docUrl, source, target } = input;
  if (format !== 'html') {
    if (!linksTo(body, format, docUrl, target)) return { kind: 'not-linked' };
    return { kind: 'linked', content: plainMention(source) };
  }
  const { onTag, scan } = linkCollector();
  const measured = measureHtml(body, input.budget, onTag);
  if (measured.problem) return { kind: 'refused', problem: measured.problem };
  if (!resolveLinks(scan, docUrl).has(target)) return { kind: 'not-linked' };
  return {
    kind: 'linked',
    content: mentionFrom(microformatsOf(body, docUrl, scan.base), docUrl, source, target),
  };
}

/** A mention of a source that is not HTML: nothing but its URL is known. */
export function plainMention(source: string): MentionContent {
  return {
    kind: 'mention',
    rsvp: null,
    url: source,
    author_name: null,
    author_url: null,
    author_photo: null,
    published_at: null,
    content_html: null,
    content_text: null,
    in_reply_to: '[]',
  };
}
