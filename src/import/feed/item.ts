/**
 * A feed entry (types.ts) made into an import item (contract.ts), whichever syntax it came in:
 *
 * - the key: guid / id / uid, else the permalink (the same post read from a site's RSS and then its
 *   JSON Feed is one item: micro.blog, Ghost and WordPress use the permalink as both);
 * - the title, unless it is only the start of the text (micro.blog and other microblog feeds give
 *   untitled posts their first words as a title, or the whole text), which makes an untitled note;
 * - the body: content:encoded, else the RSS description; Atom content, else its summary; JSON Feed
 *   content_html, else content_text; h-entry e-content. Relative links are made absolute against
 *   xml:base or the page's address;
 * - the date published (else the date updated); tags; pictures (enclosures, media:content, JSON
 *   Feed attachments and image, h-entry photos) attached to the note, pictures in the text stored
 *   here; other files (podcast audio) linked at the end of the text;
 * - a link post's target (JSON Feed external_url, an RSS link that leaves the site) as bookmark-of;
 * - its old addresses (link, id, url) when they are on the feed's own site.
 */
import { createHash } from 'node:crypto';
import type { ImportEvent, ImportItem, ImportMedia } from '../contract.js';
import { imagesIn, plainTextOf } from '../wordpress/content.js';
import type { FeedEntry } from './types.js';
import { absolute } from './xml.js';

/** What the mapping knows about the feed. */
export interface FeedContext {
  /** Hosts of the feed's own site: an item's addresses there become former addresses here. */
  siteHosts: Set<string>;
  /** The feed's own authors (an item by someone else is reported). */
  feedAuthors: string[];
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Plain text as HTML paragraphs (JSON Feed content_text, Atom text content). */
export function textToHtml(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

/** A date as feeds write them (RFC 3339, RFC 822 with or without a day name, ISO 8601), or undefined. */
export function feedDate(raw: string | undefined): Date | undefined {
  const s = (raw ?? '').trim();
  if (s === '') return undefined;
  let d = new Date(s);
  if (Number.isNaN(d.getTime())) {
    // "2019-05-01 10:00:00 -0500" (Hugo, micro.blog themes) and RFC 822 with a day name V8 dislikes.
    const iso = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
    if (iso)
      d = new Date(`${iso[1]}T${iso[2]}${iso[3] ? iso[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') : 'Z'}`);
    else d = new Date(s.replace(/^[A-Za-z]+,\s*/, ''));
  }
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Makes the href and src attributes of some HTML absolute against `base`. */
export function absolutizeHtml(html: string, base: string | undefined): string {
  if (!base) return html;
  return html.replace(
    /(<[a-z][^>]*?\s(?:href|src)\s*=\s*)(?:"([^"]*)"|'([^']*)')/gi,
    (m, head: string, dq: string | undefined, sq: string | undefined) => {
      const raw = (dq ?? sq ?? '').replace(/&amp;/g, '&');
      if (/^(?:[a-z][a-z0-9+.-]*:|#)/i.test(raw)) return m;
      const abs = absolute(raw, base);
      return abs ? `${head}"${abs.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"` : m;
    },
  );
}

/** Whitespace-folded text, for comparing a title with the text. */
const fold = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * True when `title` is only the beginning of `text` (an untitled post given its first words, maybe
 * cut with an ellipsis): such a title is not kept.
 */
export function titleIsTextStart(title: string, text: string): boolean {
  const t = fold(title)
    .replace(/(?:\.\.\.|…)$/, '')
    .trim();
  if (t === '') return true;
  return fold(text).startsWith(t);
}

/** The last segment of a permalink's path, without an extension: its slug on the old site. */
function slugOfUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const segs = new URL(url).pathname.split('/').filter((s) => s !== '');
    let last = segs[segs.length - 1];
    if (!last) return undefined;
    last = decodeURIComponent(last).replace(/\.(html?|php|aspx?)$/i, '');
    if (/^(index|\d+)$/i.test(last)) return undefined;
    return last;
  } catch {
    return undefined;
  }
}

const isImage = (m: { type?: string; medium?: string; url: string }) =>
  m.medium === 'image' ||
  (m.type ?? '').toLowerCase().startsWith('image/') ||
  (!m.type && !m.medium && /\.(jpe?g|png|gif|webp|avif)(?:$|\?)/i.test(m.url));

/** The HTML without the `<img>` (and a link wrapped round it) that shows `url`. */
function removeImage(html: string, url: string): string {
  const esc = url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/&/g, '&(?:amp;)?');
  const img = `<img\\b[^>]*\\bsrc=["']${esc}["'][^>]*>`;
  return html.replace(new RegExp(`<a\\b[^>]*>\\s*${img}\\s*</a>|${img}`, 'g'), '');
}

/** An image a tracker uses to count readers (1×1), not a picture of the post. */
function isPixel(html: string, src: string): boolean {
  const esc = src.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const tag = new RegExp(`<img\\b[^>]*\\bsrc=["']${esc}["'][^>]*>`, 'i').exec(html)?.[0] ?? '';
  return /\bwidth=["']?1["'\s>]/i.test(tag) && /\bheight=["']?1["'\s>]/i.test(tag);
}

/**
 * An id as the idempotency key: an address without its scheme (micro.blog's RSS guid and JSON Feed
 * id say http:// where its pages say https://, and the h-feed has only the page's https address),
 * so the same post read through any of a site's feeds is one item.
 */
function keyOf(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const m = /^https?:\/\/([^/?#]+)(.*)$/i.exec(id);
  return m ? `//${m[1]!.toLowerCase()}${m[2]}` : id;
}

/** The item an entry becomes, or why it is skipped. */
export function entryToEvent(e: FeedEntry, ctx: FeedContext): Exclude<ImportEvent, { type: 'warning' }> {
  const onSite = (u: string | undefined): u is string => {
    if (!u) return false;
    try {
      const url = new URL(u);
      return (url.protocol === 'http:' || url.protocol === 'https:') && ctx.siteHosts.has(url.host);
    } catch {
      return false;
    }
  };
  const contentBase = e.contentBase ?? e.base ?? e.url;
  let html =
    e.html ??
    (e.text ? textToHtml(e.text) : undefined) ??
    e.summaryHtml ??
    (e.summary ? textToHtml(e.summary) : '');
  html = absolutizeHtml(html, contentBase);
  const rawTitle = e.title !== undefined ? plainTextOf(e.title).trim() : '';
  const text = plainTextOf(html);
  const title = rawTitle !== '' && !titleIsTextStart(rawTitle, text) ? rawTitle : null;
  const shortText = text.length > 60 ? `${text.slice(0, 57)}…` : text;
  const label = `${title ? `“${title}”` : shortText ? `“${shortText}”` : 'an item'} (${e.where})`;

  const sourceId =
    keyOf(e.id?.trim()) ||
    keyOf(e.url) ||
    `sha256:${createHash('sha256')
      .update(
        `${e.title ?? ''}\n${e.published ?? e.updated ?? ''}\n${e.html ?? e.text ?? e.summaryHtml ?? ''}`,
      )
      .digest('hex')}`;
  const warnings: string[] = [];
  if (!e.id && !e.url) warnings.push('the feed gives it no id or link: it is known by its text and date');

  const publishedAt = feedDate(e.published) ?? feedDate(e.updated);
  if (!publishedAt)
    return {
      type: 'skipped',
      sourceId,
      label,
      reason: e.published || e.updated ? 'a date that cannot be read' : 'no date',
    };
  if (!e.published && e.updated)
    warnings.push('no publication date in the feed: its last update date was used');
  if (e.contentSrc)
    warnings.push(`its content lives at ${e.contentSrc} and was not read; its summary was imported`);

  const media: ImportMedia[] = [];
  const add = (m: ImportMedia) => {
    const same = media.find((x) => x.url === m.url);
    if (same) {
      if (m.role === 'photo') same.role = 'photo';
      if (!same.alt && m.alt) same.alt = m.alt;
    } else media.push(m);
  };
  const files: string[] = [];
  for (const m of e.media) {
    if (isImage(m)) add({ url: m.url, alt: m.alt.trim(), role: 'photo' });
    else files.push(`<p><a href="${escapeHtml(m.url)}">${escapeHtml(m.title || m.url)}</a></p>`);
  }
  if (files.length > 0) {
    warnings.push(
      `${files.length} file(s) that are not pictures (audio, video) are linked from the text, not stored`,
    );
    html = `${html}\n${files.join('\n')}`;
  }
  for (const img of imagesIn(html)) {
    if (isPixel(html, img.src)) {
      html = removeImage(html, img.src);
      continue;
    }
    add({ url: img.src, alt: img.alt, role: 'inline' });
  }
  // A picture attached to the note leaves the text, or it would show twice (Ghost puts its feature
  // image in both, with the post's title as alt).
  for (const m of media) {
    if (m.role !== 'photo') continue;
    const inText = imagesIn(html).find((i) => i.src === m.url);
    if (inText) {
      if (!m.alt && inText.alt && inText.alt !== rawTitle) m.alt = inText.alt;
      html = removeImage(html, m.url);
    }
  }
  if (plainTextOf(html) === '' && !media.some((m) => m.role === 'photo') && !/<img\b/i.test(html))
    return { type: 'skipped', sourceId, label, reason: 'no content' };

  const properties: NonNullable<ImportItem['properties']> = { ...(e.properties ?? {}) };
  let bookmark = e.externalUrl;
  // A link blog: the item's link leaves the site while its id is the permalink here.
  if (!bookmark && e.url && !onSite(e.url) && onSite(e.id) && ctx.siteHosts.size > 0) bookmark = e.url;
  if (bookmark && !properties['bookmark-of']) properties['bookmark-of'] = [bookmark];

  const oldAddresses = [...new Set([e.url, e.id, ...e.links].filter(onSite))];
  const permalink = onSite(e.url) ? e.url : onSite(e.id) ? e.id : undefined;
  const slug = slugOfUrl(permalink);

  const tags = [...new Set(e.tags.map((t) => plainTextOf(t).trim()).filter((t) => t !== ''))];
  const strangers = e.authors.filter((a) => ctx.feedAuthors.length > 0 && !ctx.feedAuthors.includes(a));
  if (strangers.length > 0) warnings.push(`written by ${strangers.join(', ')} on the old site`);

  const summary = e.html && e.summary ? e.summary.trim() : undefined;
  const item: ImportItem = {
    sourceId,
    kind: 'note',
    label,
    title,
    content: { html },
    ...(summary ? { summary } : {}),
    ...(slug ? { slug } : {}),
    publishedAt,
    published: true,
    visibility: 'public',
    tags,
    media,
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
    responses: [],
    oldAddresses,
    warnings,
  };
  return { type: 'item', item };
}
