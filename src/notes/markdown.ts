import MarkdownIt from 'markdown-it';
import markdownItFootnote from 'markdown-it-footnote';
import sanitize from 'sanitize-html';
import { AppError } from '../lib/errors.js';
import { HTML_BUDGET, measureHtml } from '../lib/html-budget.js';

// Ids markdown-it-footnote writes without a docId: fn1, fnref1, and fnref1:2 for a repeated reference.
const FOOTNOTE_ID = /^fn(ref)?[0-9]+(:[0-9]+)?$/;
const FOOTNOTE_CLASSES = [
  'footnotes',
  'footnote-item',
  'footnote-ref',
  'footnote-backref',
  'footnotes-sep',
  'footnotes-list',
];
const EXTERNAL_REL = ['nofollow', 'ugc', 'noopener'];
const ABSOLUTE_HTTP = /^(https?:)?\/\//i;
/**
 * The only rel values note content keeps. Notes appear on the home page, where rel=me is read as
 * the owner's identity (RelMeAuth, profile verification) and other rels are read to discover the
 * owner's endpoints (authorization_endpoint, indieauth-metadata, micropub, webmention, …) — from
 * <a> elements too. Those come from the settings and the layout, never from a note.
 */
const CONTENT_REL = new Set([
  'nofollow',
  'noopener',
  'noreferrer',
  'ugc',
  'sponsored',
  'external',
  'tag',
  'bookmark',
  'license',
  'help',
  'prev',
  'next',
  'in-reply-to',
  'syndication',
]);
const TEXT_ALIGN = /(?:^|;)\s*text-align\s*:\s*(left|right|center)\s*(?:;|$)/i;
const DIMENSION = /^[0-9]{1,5}$/;

type Attributes = Record<string, string>;

/** Keeps `id` only when it is one markdown-it-footnote could have written. */
function footnoteIdOnly(attribs: Attributes): Attributes {
  const out = { ...attribs };
  if (out.id !== undefined && !FOOTNOTE_ID.test(out.id)) delete out.id;
  return out;
}

/**
 * Whose words the HTML holds: the site owner's own notes (whatever client sent them), or content
 * from someone else (a received mention, a comment). Only the latter gets nofollow/ugc on its links.
 */
export type ContentAuthor = 'owner' | 'others';

/**
 * Keeps the author's harmless rel tokens; links in someone else's content that leave the site
 * also get nofollow/ugc/noopener (the owner vouches for their own links, not for others').
 */
function linkTransform(author: ContentAuthor) {
  return (tagName: string, attribs: Attributes): sanitize.Tag => {
    const out = footnoteIdOnly(attribs);
    const own = (out.rel ?? '')
      .toLowerCase()
      .split(/\s+/)
      .filter((t) => CONTENT_REL.has(t));
    const external = author === 'others' && ABSOLUTE_HTTP.test((out.href ?? '').trim());
    const rel = external ? [...new Set([...own, ...EXTERNAL_REL])] : [...new Set(own)];
    if (rel.length > 0) out.rel = rel.join(' ');
    else delete out.rel;
    return { tagName, attribs: out };
  };
}

/**
 * Images load lazily and keep only numeric dimensions. An image without alt text gets an empty
 * one (HTML requires the attribute; empty is what a decorative image says).
 */
function transformImage(tagName: string, attribs: Attributes): sanitize.Tag {
  const out: Attributes = { ...attribs, loading: 'lazy' };
  if (out.alt === undefined) out.alt = '';
  if (out.width !== undefined && !DIMENSION.test(out.width)) delete out.width;
  if (out.height !== undefined && !DIMENSION.test(out.height)) delete out.height;
  return { tagName, attribs: out };
}

/** markdown-it writes table alignment as `style="text-align:…"`; styles are dropped, so keep it as `align`. */
function transformCell(tagName: string, attribs: Attributes): sanitize.Tag {
  const out = { ...attribs };
  const align = out.style === undefined ? undefined : TEXT_ALIGN.exec(out.style)?.[1];
  delete out.style;
  if (align !== undefined) out.align = align.toLowerCase();
  return { tagName, attribs: out };
}

const SANITIZE_OPTIONS: sanitize.IOptions = {
  allowedTags: [
    'p',
    'br',
    'hr',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'strong',
    'em',
    'b',
    'i',
    'u',
    's',
    'del',
    'ins',
    'mark',
    'sub',
    'sup',
    'small',
    'abbr',
    'blockquote',
    'q',
    'cite',
    'code',
    'pre',
    'kbd',
    'samp',
    'var',
    'ul',
    'ol',
    'li',
    'dl',
    'dt',
    'dd',
    'table',
    'thead',
    'tbody',
    'tfoot',
    'tr',
    'th',
    'td',
    'figure',
    'figcaption',
    'details',
    'summary',
    'a',
    'img',
    'section',
    'div',
    'span',
  ],
  allowedAttributes: {
    abbr: ['title'],
    blockquote: ['cite'],
    ol: ['start', 'reversed', 'class'],
    li: ['id', 'class'],
    th: ['align', 'colspan', 'rowspan', 'scope'],
    td: ['align', 'colspan', 'rowspan'],
    a: ['href', 'title', 'rel', 'id', 'class'],
    img: ['src', 'alt', 'title', 'width', 'height', 'loading'],
    code: ['class'],
    sup: ['class'],
    hr: ['class'],
    section: ['class'],
    div: ['class'],
    span: ['class'],
  },
  // Only attributes listed under allowedAttributes can carry a class; this narrows the values.
  allowedClasses: {
    code: [/^language-[a-z0-9_+#.-]+$/i],
    ol: FOOTNOTE_CLASSES,
    li: FOOTNOTE_CLASSES,
    a: FOOTNOTE_CLASSES,
    sup: FOOTNOTE_CLASSES,
    hr: FOOTNOTE_CLASSES,
    section: FOOTNOTE_CLASSES,
    div: FOOTNOTE_CLASSES,
    span: FOOTNOTE_CLASSES,
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: true,
  disallowedTagsMode: 'discard',
  // Dropped together with everything inside them: their content is code, markup or form state, not prose.
  nonTextTags: [
    'script',
    'style',
    'textarea',
    'option',
    'select',
    'xmp',
    'noscript',
    'noembed',
    'noframes',
    'plaintext',
    'template',
    'title',
    'iframe',
    'frame',
    'frameset',
    'object',
    'embed',
    'applet',
    'svg',
    'math',
    'head',
  ],
  transformTags: {
    a: linkTransform('owner'),
    img: transformImage,
    li: (tagName, attribs) => ({ tagName, attribs: footnoteIdOnly(attribs) }),
    th: transformCell,
    td: transformCell,
  },
  // An image whose only source was refused would render as a broken-image icon.
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  parseStyleAttributes: false,
};

const md = new MarkdownIt({ html: true, linkify: true, typographer: false }).use(markdownItFootnote);

// markdown-it leaves a link with a forbidden URL as literal `[text](javascript:…)` text. Letting every URL
// through here hands the decision to the sanitiser, the single URL policy, which keeps the text and drops the URL.
md.validateLink = () => true;

/** The same rules for someone else's content: only the link transform differs. */
const SANITIZE_OTHERS_OPTIONS: sanitize.IOptions = {
  ...SANITIZE_OPTIONS,
  transformTags: { ...SANITIZE_OPTIONS.transformTags, a: linkTransform('others') },
};

/**
 * Version of the rendered HTML: bump it whenever the same Markdown renders differently (sanitiser
 * rules, rel policy, attributes), so HTML cached by an earlier version is rendered again when next
 * shown. 2: the owner's links carry no nofollow/ugc; images always have alt.
 */
export const RENDER_VERSION = 2;

/**
 * What `html_hash` holds for HTML rendered by this version from content with `contentHash`: the
 * cache is current when the stored value equals it.
 */
export function renderKey(contentHash: string | null): string | null {
  return contentHash === null ? null : `${contentHash}+r${RENDER_VERSION}`;
}

/**
 * Sanitises HTML (rendered Markdown or Micropub `{"html": …}` content) to the tags, attributes and
 * URLs StarPunk allows. `author` is the owner for notes, whoever writes them; content from anyone
 * else must say 'others'.
 */
export function sanitizeHtml(html: string, author: ContentAuthor = 'owner'): string {
  // The sanitiser's cost grows with elements × nesting depth: 1 MB of nested <div>s would hold
  // the event loop for minutes (issue 22). The linear tokenizer measures the depth first.
  const { problem } = measureHtml(html, CONTENT_BUDGET);
  if (problem) throw new AppError('invalid_request', `The content ${problem}.`);
  return sanitize(html, author === 'owner' ? SANITIZE_OPTIONS : SANITIZE_OTHERS_OPTIONS);
}

// Content may be long and have many elements (the note size caps those); only depth is super-linear.
const CONTENT_BUDGET = {
  ...HTML_BUDGET,
  maxLength: Number.POSITIVE_INFINITY,
  maxElements: Number.POSITIVE_INFINITY,
  maxAttributes: Number.POSITIVE_INFINITY,
};

/**
 * True when sanitised HTML carries a rel value note content may no longer keep: HTML rendered by
 * an earlier version, to be rendered again. Cheap: sanitised HTML writes every rel as rel="…".
 */
export function hasStaleRel(html: string): boolean {
  if (!html.includes(' rel="')) return false;
  for (const m of html.matchAll(/ rel="([^"]*)"/g)) {
    if (m[1]!.split(' ').some((t) => t !== '' && !CONTENT_REL.has(t))) return true;
  }
  return false;
}

/**
 * Renders Markdown (with footnotes) to sanitised HTML; `author` as for sanitizeHtml. Throws an
 * AppError (400) for content whose HTML nests elements more than 256 deep.
 */
export function renderMarkdown(markdown: string, author: ContentAuthor = 'owner'): string {
  return sanitizeHtml(md.render(markdown), author);
}

/**
 * Renders stored Markdown for display, never throwing: content saved before the depth limit that
 * nests deeper is shown as escaped text.
 */
export function renderStoredMarkdown(markdown: string): string {
  try {
    return renderMarkdown(markdown);
  } catch {
    return `<pre>${markdown.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'))}</pre>`;
  }
}

// Boundaries between these elements separate words in the text content.
const BLOCK_BOUNDARY =
  /<\/?(?:p|br|hr|h[1-6]|blockquote|pre|ul|ol|li|dl|dt|dd|table|thead|tbody|tfoot|tr|th|td|figure|figcaption|details|summary|section|div)\b[^>]*>/gi;
const TEXT_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"' };

const TEXT_OPTIONS: sanitize.IOptions = {
  allowedTags: [],
  allowedAttributes: {},
  disallowedTagsMode: 'discard',
  nonTextTags: SANITIZE_OPTIONS.nonTextTags ?? [],
  transformTags: {
    // The ↩ back-link of a footnote is navigation, not text.
    a: (tagName, attribs) =>
      (attribs.class ?? '').split(/\s+/).includes('footnote-backref')
        ? { tagName, attribs, text: '' }
        : { tagName, attribs },
  },
};

/**
 * Returns the text content of HTML (sanitised first, unless `sanitized` says it came from
 * renderMarkdown or sanitizeHtml already), with entities decoded and whitespace collapsed.
 */
export function plainText(html: string, sanitized = false): string {
  let clean: string;
  try {
    clean = sanitized ? html : sanitizeHtml(html);
  } catch {
    // Nested beyond the sanitiser's budget (a page title full of tags): no text worth showing.
    return '';
  }
  const spaced = clean.replace(BLOCK_BOUNDARY, ' ');
  // With no tags allowed, sanitize-html escapes only &, <, > (and " in attributes, which are gone).
  return sanitize(spaced, TEXT_OPTIONS)
    .replace(/&(amp|lt|gt|quot);/g, (_m, name: string) => TEXT_ENTITIES[name] ?? '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Shortens text to at most `maxChars` characters, cutting at a word boundary and ending with "…" when it was longer. */
export function excerpt(text: string, maxChars: number): string {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  if (chars.length <= maxChars) return chars.join('');
  if (maxChars < 1) return '';
  // One character is kept for the ellipsis; code points, so an emoji is never split in half.
  const room = maxChars - 1;
  const head = chars.slice(0, room).join('');
  const atBoundary = chars[room] === ' ';
  const lastSpace = head.lastIndexOf(' ');
  const cut = atBoundary || lastSpace <= 0 ? head : head.slice(0, lastSpace);
  return `${cut.replace(/[\s,;:.\-–—]+$/u, '')}…`;
}
