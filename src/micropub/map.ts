import { AppError } from '../lib/errors.js';
import { sanitizeHtml } from '../notes/markdown.js';
import type { NoteInput } from '../notes/service.js';
import type { Mf2Properties, Photo, Visibility } from '../notes/types.js';

function firstString(v: unknown[] | undefined): string | undefined {
  const x = v?.[0];
  if (typeof x === 'string') return x;
  if (x && typeof x === 'object' && typeof (x as { value?: unknown }).value === 'string')
    return (x as { value: string }).value;
  return undefined;
}

/** The body a note file gets from mf2 `content`: text as Markdown, `{html}` sanitised, `{value}` as text. */
export function contentFrom(props: Mf2Properties): string {
  const c = props.content?.[0];
  if (c === undefined) return '';
  if (typeof c === 'string') return c;
  if (c && typeof c === 'object') {
    const o = c as { html?: unknown; value?: unknown; markdown?: unknown };
    // HTML is kept as HTML in the Markdown file (Markdown allows it) after sanitising, so it is
    // rendered, never shown as visible tags.
    if (typeof o.html === 'string') return sanitizeHtml(o.html);
    if (typeof o.markdown === 'string') return o.markdown;
    if (typeof o.value === 'string') return o.value;
  }
  throw new AppError('invalid_request', 'content must be text or an object with html or value.');
}

/** Photos from mf2 `photo`: URLs, or {value, alt}. */
export function photosFrom(props: Mf2Properties): Photo[] {
  const out: Photo[] = [];
  for (const p of props.photo ?? []) {
    if (typeof p === 'string') out.push({ url: p, alt: '' });
    else if (p && typeof p === 'object' && typeof (p as { value?: unknown }).value === 'string') {
      const o = p as { value: string; alt?: unknown };
      out.push({ url: o.value, alt: typeof o.alt === 'string' ? o.alt : '' });
    } else throw new AppError('invalid_request', 'photo values must be URLs or {"value", "alt"} objects.');
  }
  for (const ph of out) {
    try {
      const u = new URL(ph.url);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
    } catch {
      throw new AppError('invalid_request', `"${ph.url.slice(0, 80)}" is not an http(s) URL.`);
    }
  }
  return out;
}

/** Tags from mf2 `category` (strings; nested h-cards, i.e. person tags, are kept but not tags). */
export function tagsFrom(props: Mf2Properties): string[] {
  return (props.category ?? []).filter((c): c is string => typeof c === 'string');
}

/** The note a set of Micropub properties describes (Micropub §3.3, post-status, visibility). */
export function noteInputFrom(props: Mf2Properties, opts: { draftOnly: boolean }): Omit<NoteInput, 'slug'> {
  const content = contentFrom(props);
  const name = firstString(props.name)?.trim() || null;
  let publishedAt: Date | null = null;
  const published = firstString(props.published);
  if (published !== undefined) {
    const d = new Date(published);
    if (Number.isNaN(d.getTime()))
      throw new AppError('invalid_request', `published "${published.slice(0, 40)}" is not a date.`);
    publishedAt = d;
  }
  const status = firstString(props['post-status']);
  if (status !== undefined && status !== 'published' && status !== 'draft') {
    throw new AppError('invalid_request', 'post-status must be "published" or "draft".');
  }
  const vis = firstString(props.visibility);
  if (vis !== undefined && vis !== 'public' && vis !== 'unlisted' && vis !== 'private') {
    throw new AppError('invalid_request', 'visibility must be public, unlisted or private.');
  }
  return {
    content,
    name,
    published: opts.draftOnly ? false : status !== 'draft',
    publishedAt,
    visibility: (vis as Visibility | undefined) ?? 'public',
    tags: tagsFrom(props),
    photos: photosFrom(props),
    properties: props,
  };
}
