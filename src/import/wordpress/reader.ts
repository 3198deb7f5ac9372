/**
 * WordPress: a WXR export (Tools → Export; WXR 1.0–1.2) read as import items (contract.ts).
 *
 * The file is read twice, streaming both times: first for its attachments (id → address, file in
 * wp-content/uploads, alt text, post) — a post may name its featured image before the image's own
 * item comes — then for the posts and pages. Only that index is held, never the posts.
 *
 * What comes across: posts as notes and pages as standalone pages; publish/future/draft/pending/
 * private statuses; the date in UTC (post_date_gmt); categories and tags as tags; the excerpt as the
 * summary; the featured image, a gallery's images and images in the text (stored here, the text
 * pointing at the copies); approved comments and pingbacks as responses under the note (unapproved
 * ones kept for moderation, spam never); post formats as our kinds (aside and status untitled,
 * link a bookmark, image and gallery photo notes); every old address (permalink, ?p=N,
 * ?page_id=N) answering 301. Gutenberg's block comments are removed; shortcodes StarPunk cannot
 * render are reported and left as text.
 */
import type { Visibility } from '../../notes/types.js';
import type {
  ImportEvent,
  ImportFormat,
  ImportItem,
  ImportMedia,
  ImportResponse,
  ReaderOptions,
  SourceReader,
} from '../contract.js';
import { cleanPostHtml, firstLink, imagesIn, plainTextOf } from './content.js';
import { readWxr, type WxrChannel, type WxrRecord } from './wxr-stream.js';

/** An attachment as the first pass indexed it. */
interface Attachment {
  url: string;
  localPath?: string;
  alt: string;
  parent: string;
}

/** WordPress WXR as an import format. */
export const wordpressFormat: ImportFormat = {
  name: 'wordpress',
  title: 'WordPress WXR',
  detect(head) {
    return /<rss[\s>]/.test(head) && /wordpress\.org\/export\/\d+\.\d+\//.test(head);
  },
  open(path, options) {
    return openWxr(path, options);
  },
};

/** A WordPress date ("2010-10-05 15:07:54", UTC when it is the _gmt field), or undefined. */
function wpDate(raw: string | undefined): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec((raw ?? '').trim());
  if (!m || m[1] === '0000') return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The path of an upload under wp-content/uploads (or a WordPress.com files host), if the URL is one. */
export function uploadsPathOf(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  let path: string | undefined;
  const at = u.pathname.indexOf('/wp-content/uploads/');
  if (at >= 0) path = u.pathname.slice(at + '/wp-content/uploads/'.length);
  else if (u.hostname.endsWith('.files.wordpress.com')) path = u.pathname.slice(1);
  if (!path) return undefined;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function decodeSlug(raw: string | undefined): string | undefined {
  const s = (raw ?? '').trim();
  if (s === '') return undefined;
  try {
    // WordPress keeps a Unicode slug percent-encoded (post_name).
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function openWxr(path: string, options: ReaderOptions): SourceReader {
  const channel: WxrChannel = {};
  const reader: SourceReader = {
    format: 'wordpress',
    async *events(): AsyncGenerator<ImportEvent> {
      // Pass 1: the attachments, and the channel's facts.
      const attachments = new Map<string, Attachment>();
      const byUrl = new Map<string, Attachment>();
      const byParent = new Map<string, string[]>();
      for await (const r of readWxr(path, channel)) {
        if (r.fields['wp:post_type']?.trim() !== 'attachment') continue;
        const id = r.fields['wp:post_id']?.trim() ?? '';
        const url = (r.fields['wp:attachment_url'] ?? r.fields.guid ?? '').trim();
        if (!id || !url) continue;
        const attached = r.meta._wp_attached_file?.trim();
        const parent = r.fields['wp:post_parent']?.trim() ?? '0';
        const localPath = attached || uploadsPathOf(url);
        const a: Attachment = {
          url,
          ...(localPath ? { localPath } : {}),
          alt: (r.meta._wp_attachment_image_alt ?? '').trim(),
          parent,
        };
        attachments.set(id, a);
        byUrl.set(url, a);
        if (parent !== '0') byParent.set(parent, [...(byParent.get(parent) ?? []), id]);
      }
      const base = (channel.baseBlogUrl || channel.link || '').replace(/\/+$/, '');
      reader.siteUrl = base || undefined;
      if (!base)
        yield {
          type: 'warning',
          message: `${path}: the export does not say its site's address; old ?p= links cannot be mapped`,
        };
      let host: string | undefined;
      try {
        host = base ? new URL(base).host : undefined;
      } catch {
        host = undefined;
      }
      const ctx: Ctx = { path, base, host, attachments, byUrl, byParent, options };
      // Pass 2: the posts and pages.
      for await (const r of readWxr(path)) {
        const ev = toEvent(r, ctx);
        if (ev) yield ev;
      }
    },
  };
  return reader;
}

interface Ctx {
  path: string;
  base: string;
  host: string | undefined;
  attachments: Map<string, Attachment>;
  byUrl: Map<string, Attachment>;
  byParent: Map<string, string[]>;
  options: ReaderOptions;
}

const NOT_CONTENT: Record<string, string> = {
  nav_menu_item: 'a navigation menu entry',
  wp_block: 'a reusable block',
  wp_template: 'a theme template',
  wp_template_part: 'a theme template',
  wp_global_styles: 'theme styles',
  wp_navigation: 'a navigation menu',
  custom_css: 'custom CSS',
  customize_changeset: 'a customizer draft',
  oembed_cache: 'an embed cache entry',
  user_request: 'a privacy request',
};

function toEvent(r: WxrRecord, ctx: Ctx): ImportEvent | undefined {
  const f = (k: string) => (r.fields[k] ?? '').trim();
  const type = f('wp:post_type') || 'post';
  const id = f('wp:post_id');
  const title = plainTextOf(r.fields.title ?? '').trim() || null;
  const label = `${type} ${id || '?'}${title ? ` “${title}”` : ''} (${ctx.path}:${r.line})`;
  if (type === 'attachment') return undefined;
  if (type !== 'post' && type !== 'page') {
    return { type: 'skipped', label, reason: NOT_CONTENT[type] ?? `a "${type}" (not a post or a page)` };
  }
  const status = f('wp:status') || 'publish';
  if (status === 'trash') return { type: 'skipped', label, reason: 'in the WordPress trash' };
  if (status === 'auto-draft' || status === 'inherit')
    return { type: 'skipped', label, reason: `status ${status}` };
  const warnings: string[] = [];
  const publishedAt = wpDate(f('wp:post_date_gmt')) ?? wpDate(f('wp:post_date')) ?? dateOr(f('pubDate'));
  if (!publishedAt) return { type: 'skipped', label, reason: 'no date' };
  if (!wpDate(f('wp:post_date_gmt')) && wpDate(f('wp:post_date')))
    warnings.push('no UTC date in the export; its local date was read as UTC');
  let visibility: Visibility = status === 'private' ? 'private' : 'public';
  if (f('wp:post_password') !== '') {
    visibility = 'private';
    warnings.push('password-protected on WordPress: imported as private');
  }
  if (f('wp:is_sticky') === '1')
    warnings.push('sticky on WordPress: StarPunk has no pinned notes, imported in its date order');

  const format =
    r.terms.find((t) => t.domain === 'post_format')?.nicename.replace(/^post-format-/, '') ?? 'standard';
  const tags = r.terms
    .filter((t) => (t.domain === 'category' || t.domain === 'post_tag') && t.nicename !== 'uncategorized')
    .map((t) => plainTextOf(t.name).trim())
    .filter((t, i, all) => t !== '' && all.indexOf(t) === i);

  const media: ImportMedia[] = [];
  const addMedia = (m: ImportMedia) => {
    const same = media.find((x) => x.url === m.url);
    if (same) {
      if (m.role === 'photo') same.role = 'photo';
      if (!same.alt && m.alt) same.alt = m.alt;
    } else media.push(m);
  };
  const attachmentMedia = (aid: string): ImportMedia | undefined => {
    const a = ctx.attachments.get(aid);
    return a
      ? { url: a.url, ...(a.localPath ? { localPath: a.localPath } : {}), alt: a.alt, role: 'photo' }
      : undefined;
  };
  const thumb = r.meta._thumbnail_id?.trim();
  if (thumb) {
    const m = attachmentMedia(thumb);
    if (m) addMedia(m);
    else warnings.push(`its featured image (attachment ${thumb}) is not in the export`);
  }
  const cleaned = cleanPostHtml(r.fields['content:encoded'] ?? '', {
    galleryIds: (ids) => {
      const list = ids ?? ctx.byParent.get(id) ?? [];
      for (const aid of list) {
        const m = attachmentMedia(aid);
        if (m) addMedia(m);
      }
    },
  });
  warnings.push(...cleaned.warnings);
  if (format === 'gallery' && !cleaned.hadGallery) {
    for (const aid of ctx.byParent.get(id) ?? []) {
      const m = attachmentMedia(aid);
      if (m) addMedia(m);
    }
  }
  for (const img of imagesIn(cleaned.html)) {
    const local = uploadsPathOf(img.src);
    const known = ctx.byUrl.get(img.src);
    if (!local && !known) continue;
    addMedia({
      url: img.src,
      ...(known?.localPath ? { localPath: known.localPath } : local ? { localPath: local } : {}),
      alt: img.alt || known?.alt || '',
      role: format === 'image' && !media.some((m) => m.role === 'photo') ? 'photo' : 'inline',
    });
  }
  // An image post whose picture is its photo: the picture leaves the text, or it would show twice.
  let html = cleaned.html;
  for (const m of media) if (m.role === 'photo') html = removeImage(html, m.url);

  const properties: ImportItem['properties'] = {};
  let name = title;
  if (format === 'aside' || format === 'status') name = null;
  if (format === 'link') {
    const href = firstLink(html);
    if (href) properties['bookmark-of'] = [href];
  }

  const oldAddresses: string[] = [];
  const link = f('link');
  const onSite = (u: string) => {
    try {
      return ctx.host !== undefined && new URL(u).host === ctx.host;
    } catch {
      return false;
    }
  };
  if (link && onSite(link)) oldAddresses.push(link);
  const guid = f('guid');
  if (guid && guid !== link && onSite(guid)) oldAddresses.push(guid);
  if (ctx.base && id) oldAddresses.push(`${ctx.base}/?${type === 'page' ? 'page_id' : 'p'}=${id}`);

  const responses: ImportResponse[] = [];
  let notCarried = 0;
  const commentUrl = (cid: string) => {
    try {
      const u = new URL(link || `${ctx.base}/?p=${id}`);
      u.searchParams.set('replytocom', cid);
      return u.href;
    } catch {
      return undefined;
    }
  };
  for (const c of r.comments) {
    const approved = (c.comment_approved ?? '').trim();
    if (approved !== '1' && approved !== '0') {
      notCarried++;
      continue;
    }
    const cid = (c.comment_id ?? '').trim();
    const ctype = (c.comment_type ?? '').trim();
    const published = wpDate(c.comment_date_gmt) ?? wpDate(c.comment_date) ?? null;
    const authorUrl = (c.comment_author_url ?? '').trim() || null;
    const author = { name: plainTextOf(c.comment_author ?? '').trim() || null, url: authorUrl, photo: null };
    if (ctype === 'pingback' || ctype === 'trackback') {
      if (!authorUrl) continue;
      responses.push({
        sourceId: `comment:${cid}`,
        kind: 'mention',
        url: authorUrl,
        author,
        html: c.comment_content ?? '',
        published,
        approved: approved === '1',
      });
      continue;
    }
    const url = commentUrl(cid);
    if (!url) continue;
    const parent = (c.comment_parent ?? '0').trim();
    const inReplyTo = parent !== '0' ? commentUrl(parent) : undefined;
    responses.push({
      sourceId: `comment:${cid}`,
      kind: 'reply',
      url,
      author,
      html: autopComment(c.comment_content ?? ''),
      published,
      approved: approved === '1',
      ...(inReplyTo ? { inReplyTo } : {}),
    });
  }
  if (notCarried > 0) warnings.push(`${notCarried} comment(s) marked spam or trashed were not carried`);
  if (type === 'page' && responses.length > 0) {
    warnings.push(`${responses.length} comment(s) on a page were not carried: pages here take no responses`);
    responses.length = 0;
  }

  const excerpt = plainTextOf(r.fields['excerpt:encoded'] ?? '').trim();
  const parent = f('wp:post_parent');
  const item: ImportItem = {
    sourceId: `${ctx.base || ctx.path}?p=${id || `${r.line}:${r.column}`}`,
    kind: type === 'page' ? 'page' : 'note',
    label,
    title: name,
    content: { html },
    ...(excerpt ? { summary: excerpt } : {}),
    ...(decodeSlug(f('wp:post_name')) ? { slug: decodeSlug(f('wp:post_name'))! } : {}),
    publishedAt,
    published: status === 'publish' || status === 'future' || status === 'private',
    visibility,
    tags: type === 'page' ? [] : tags,
    media,
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
    responses,
    oldAddresses,
    ...(type === 'page' && (parent === '' || parent === '0') && status === 'publish'
      ? { menu: { order: Number(f('wp:menu_order')) || 0 } }
      : {}),
    warnings,
  };
  return { type: 'item', item };
}

function dateOr(raw: string): Date | undefined {
  if (!raw) return undefined;
  const d = new Date(raw);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The HTML without the `<img>` (and a link wrapped round it) that shows `url`. */
function removeImage(html: string, url: string): string {
  const esc = url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const img = `<img\\b[^>]*\\bsrc=["']${esc}["'][^>]*>`;
  return html.replace(new RegExp(`<a\\b[^>]*>\\s*${img}\\s*</a>|${img}`, 'g'), '');
}

/** A comment's text as WordPress shows it: blank lines make paragraphs. */
function autopComment(text: string): string {
  if (/<p[\s>]/i.test(text)) return text;
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${p.replace(/\n/g, '<br>')}</p>`)
    .join('');
}
