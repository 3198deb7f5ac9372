import { excerpt, plainText } from '../notes/markdown.js';
import type { Note, Photo } from '../notes/types.js';
import { imageSources } from '../views/images.js';
import type { PageMeta } from '../views/layout.js';

// Previews show a short summary; Open Graph consumers cut around 200 characters anyway.
const DESCRIPTION_CHARS = 200;
// Large preview cards (twitter:card summary_large_image, Facebook, LinkedIn, Mastodon) want an
// image at least 1200 px wide: the narrowest stored size that wide is sharp there and lighter than
// a larger original.
const PREVIEW_WIDTH = 1200;

/** The plain text of a note's first paragraph (else of its whole content), trimmed for previews. */
export function firstParagraphText(html: string): string {
  const m = /<p\b[^>]*>([\s\S]*?)<\/p>/i.exec(html);
  const text = m ? plainText(m[1]!) : '';
  return excerpt(text !== '' ? text : plainText(html), DESCRIPTION_CHARS);
}

function previewImage(photo: Photo, abs: (u: string) => string): PageMeta['image'] {
  const sources = photo.sources ?? [];
  // The narrowest stored size at least PREVIEW_WIDTH wide, else the widest there is (sources are
  // narrowest first).
  const fit = sources.find((s) => s.width >= PREVIEW_WIDTH) ?? sources.at(-1);
  if (fit) return { url: abs(fit.url), width: fit.width, height: fit.height, alt: photo.alt || undefined };
  return {
    url: abs(photo.url),
    ...(photo.width && photo.height ? { width: photo.width, height: photo.height } : {}),
    alt: photo.alt || undefined,
  };
}

/** Link-preview meta of a note's page: its title, first paragraph, first picture and publication time. */
export function noteMeta(note: Note, p: { url: string; title: string; siteUrl: string }): PageMeta {
  const abs = (u: string) => new URL(u, p.siteUrl).toString();
  const photo = note.photos[0];
  const inline = photo ? undefined : imageSources(note.contentHtml)[0];
  const image = photo ? previewImage(photo, abs) : inline ? { url: abs(inline) } : undefined;
  return {
    type: 'article',
    url: p.url,
    title: p.title,
    description: firstParagraphText(note.contentHtml),
    ...(image ? { image } : {}),
    publishedTime: note.publishedAt,
  };
}
