/**
 * A WordPress post's stored HTML made into what its theme would have shown: Gutenberg's block
 * comments removed, the shortcodes StarPunk can express expanded ([caption], [gallery], [embed],
 * [audio], [video]), the others reported and left as text, and paragraphs made from blank lines
 * (WordPress stores classic-editor posts without <p> and adds them when it shows them: wpautop).
 */
import { plainText } from '../../notes/markdown.js';

/** A post's HTML after cleaning, and what could not be expressed. */
export interface CleanedHtml {
  html: string;
  warnings: string[];
  /** True when it held a [gallery] shortcode (its pictures were handed to `galleryIds`). */
  hadGallery: boolean;
}

// Shortcodes WordPress core and common plugins register; any other bracketed word with attributes
// or a closing tag is reported too.
const KNOWN = new Set([
  'caption',
  'wp_caption',
  'gallery',
  'playlist',
  'audio',
  'video',
  'embed',
  'youtube',
  'vimeo',
  'soundcloud',
  'wpvideo',
  'googlemaps',
  'contact-form',
  'contact-field',
  'code',
  'sourcecode',
  'recipe',
  'polldaddy',
  'twitter',
  'tweet',
  'instagram',
  'archives',
  'sitemap',
]);

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s\\]]+))`, 'i').exec(attrs);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

const link = (url: string) => `<p><a href="${esc(url)}">${esc(url)}</a></p>`;

/** The HTML of a post as its theme would show it; see the module comment. */
export function cleanPostHtml(
  raw: string,
  hooks: { galleryIds: (ids: string[] | undefined) => void },
): CleanedHtml {
  const warnings = new Set<string>();
  let hadGallery = false;
  let html = raw.replace(/\r\n?/g, '\n');
  // Gutenberg block delimiters (<!-- wp:paragraph -->, <!-- /wp:paragraph -->, <!-- wp:x {...} /-->),
  // and the more and next-page markers of the classic editor.
  html = html.replace(/<!--\s*\/?wp:[\s\S]*?-->/g, '');
  html = html.replace(/<!--more(?:\s[^>]*)?-->/g, '').replace(/<!--nextpage-->/g, '<hr>');

  html = html.replace(
    /\[(?:wp_)?caption\b([^\]]*)\]([\s\S]*?)\[\/(?:wp_)?caption\]/gi,
    (_m, attrs: string, inner: string) => {
      const img = /(?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*<\/a>)?/i.exec(inner)?.[0] ?? '';
      const caption = (attr(attrs, 'caption') ?? inner.replace(img, '')).trim();
      return `<figure>${img}${caption ? `<figcaption>${caption}</figcaption>` : ''}</figure>`;
    },
  );
  html = html.replace(/\[gallery\b([^\]]*)\]/gi, (_m, attrs: string) => {
    hadGallery = true;
    const ids = attr(attrs, 'ids') ?? attr(attrs, 'include');
    hooks.galleryIds(
      ids
        ? ids
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined,
    );
    return '';
  });
  html = html.replace(/\[embed\b[^\]]*\]([\s\S]*?)\[\/embed\]/gi, (_m, url: string) => link(url.trim()));
  html = html.replace(/\[(youtube|vimeo)[=\s]+([^\]\s]+)[^\]]*\]/gi, (_m, _n, url: string) => link(url));
  html = html.replace(
    /\[(audio|video)\b([^\]]*)\](?:[\s\S]*?\[\/\1\])?/gi,
    (m, name: string, attrs: string) => {
      const src =
        attr(attrs, 'src') ??
        attr(attrs, 'mp3') ??
        attr(attrs, 'mp4') ??
        attr(attrs, 'm4a') ??
        attr(attrs, 'ogg');
      if (src) return link(src);
      warnings.add(`shortcode [${name}] without a source cannot be rendered; left as text`);
      return m;
    },
  );
  // A URL alone on its line is an embed in WordPress (oEmbed): it stays a link here.
  html = html.replace(/^[ \t]*(https?:\/\/[^\s<>"]+)[ \t]*$/gm, (_m, url: string) => link(url));

  for (const m of html.matchAll(/\[(\/)?([a-zA-Z][\w-]*)((?:\s[^\]]*)?)\]/g)) {
    const name = m[2]!.toLowerCase();
    const closing = m[1] === '/';
    const hasAttrs = /\w\s*=/.test(m[3] ?? '');
    const closed = !closing && html.includes(`[/${m[2]}]`);
    if (KNOWN.has(name) || hasAttrs || closed || closing) {
      warnings.add(`shortcode [${name}] cannot be rendered here; left as text`);
    }
  }

  if (!/<p[\s>]/i.test(html)) html = autop(html);
  return { html, warnings: [...warnings], hadGallery };
}

const BLOCK =
  /^<(?:h[1-6]|ul|ol|li|dl|blockquote|pre|table|div|figure|hr|p|iframe|form|address|section|article|aside|details|audio|video)\b/i;

/** WordPress's paragraphs: blank lines end one, a single line end is a <br> (<pre> kept whole). */
export function autop(html: string): string {
  const kept: string[] = [];
  const guarded = html.replace(/<pre\b[\s\S]*?<\/pre>/gi, (m) => {
    kept.push(m);
    return `\uE000${kept.length - 1}\uE001`;
  });
  const out = guarded
    .split(/\n\s*\n/)
    .map((chunk) => chunk.trim())
    .filter((chunk) => chunk !== '')
    .map((chunk) => {
      if (BLOCK.test(chunk) || /^\uE000\d+\uE001$/.test(chunk)) return chunk;
      return `<p>${chunk.replace(/\n/g, '<br>\n')}</p>`;
    })
    .join('\n');
  // Placeholders in the private-use area: never text of a post.
  return out.replace(/\uE000(\d+)\uE001/g, (_m, i: string) => kept[Number(i)] ?? '');
}

/** The `<img>` elements of some HTML: their src and alt. */
export function imagesIn(html: string): { src: string; alt: string }[] {
  const out: { src: string; alt: string }[] = [];
  for (const m of html.matchAll(/<img\b[^>]*>/gi)) {
    const tag = m[0];
    const src = /\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(tag);
    const alt = /\balt\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(tag);
    const url = (src?.[1] ?? src?.[2] ?? '').trim();
    if (/^https?:\/\//i.test(url)) out.push({ src: url, alt: plainTextOf(alt?.[1] ?? alt?.[2] ?? '') });
  }
  return out;
}

/** The first link's address in some HTML (a link post's link), or undefined. */
export function firstLink(html: string): string | undefined {
  const m = /<a\b[^>]*\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(html);
  const url = (m?.[1] ?? m?.[2] ?? '').replace(/&amp;/g, '&').trim();
  return /^https?:\/\//i.test(url) ? url : undefined;
}

/** The text of a fragment of HTML (a title, a tag, an excerpt), entities decoded. */
export function plainTextOf(html: string): string {
  return plainText(html);
}
