import { decodeAttr, escapeAttr } from '../lib/html-attr.js';

/** One stored size of an image, as srcset lists it. */
export interface ImageSize {
  url: string;
  width: number;
  height: number;
}

/** What is known of a stored image shown in a note. */
export interface ImageFacts {
  width: number | null;
  height: number | null;
  /** Every stored size, narrowest first. */
  sources: ImageSize[];
}

/**
 * How wide a note's image is drawn: the width of the text column (style.css: `main` is at most
 * 40rem wide with 1rem of padding on each side), or the viewport less that padding on narrower
 * screens. The browser picks the smallest stored size that fills it at the screen's pixel density.
 */
export const IMAGE_SIZES = '(min-width: 40rem) 38rem, calc(100vw - 2rem)';

/** How wide a photo is drawn in a grid of several (style.css `.photo-grid`): half the column less the gap. */
export const GRID_IMAGE_SIZES = '(min-width: 40rem) 19rem, calc(50vw - 1.25rem)';

/** The srcset of stored sizes (`url 400w, url 1280w, …`), or undefined when there is nothing to choose from. */
export function srcsetOf(sources: readonly ImageSize[]): string | undefined {
  if (sources.length < 2) return undefined;
  return sources.map((s) => `${s.url} ${s.width}w`).join(', ');
}

// Sanitised HTML (sanitize-html's output, hono/jsx's) writes every attribute as name="value" with
// `"`, `<` and `>` escaped inside values and `<` escaped in text: a tag is exactly this.
const IMG_TAG = /<img\b[^<>]*>/g;
const ATTRIBUTE = /\s([a-zA-Z][\w:-]*)="([^"]*)"/g;

/** The `src` values of the <img> elements of sanitised HTML, decoded. */
export function imageSources(html: string): string[] {
  if (!html.includes('<img')) return [];
  const out: string[] = [];
  for (const [tag] of html.matchAll(IMG_TAG)) {
    const src = /\ssrc="([^"]*)"/.exec(tag)?.[1];
    if (src !== undefined) out.push(decodeAttr(src));
  }
  return out;
}

/**
 * Gives each <img> of sanitised note HTML that shows a stored image its intrinsic width and height
 * (no layout shift) and, when smaller sizes exist, srcset and sizes. Images the author sized
 * themselves, and images from elsewhere, are left as they are.
 */
export function responsiveContentImages(
  html: string,
  facts: (src: string) => ImageFacts | undefined,
): string {
  if (!html.includes('<img')) return html;
  return html.replace(IMG_TAG, (tag) => {
    const attrs = new Map([...tag.matchAll(ATTRIBUTE)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
    const src = attrs.get('src');
    if (src === undefined || attrs.has('width') || attrs.has('height') || attrs.has('srcset')) return tag;
    const found = facts(decodeAttr(src));
    if (!found?.width || !found.height) return tag;
    let extra = ` width="${found.width}" height="${found.height}"`;
    const srcset = srcsetOf(found.sources);
    if (srcset) extra += ` srcset="${escapeAttr(srcset)}" sizes="${IMAGE_SIZES}"`;
    return tag.replace(/\s*(\/?)>$/, (_end, slash: string) => `${extra}${slash ? ' /' : ''}>`);
  });
}

/**
 * Lets the first <img> of some HTML load at once (no loading="lazy"): the first image of a page
 * is usually in view as it opens, and lazy loading would only delay it.
 */
export function eagerFirstImage(html: string): string {
  const first = /<img\b[^<>]*>/.exec(html);
  if (!first) return html;
  const tag = first[0].replace(/\sloading="lazy"/, '');
  return html.slice(0, first.index) + tag + html.slice(first.index + first[0].length);
}
