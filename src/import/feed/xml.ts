/**
 * RSS 2.0 (and 0.9x) and Atom (RFC 4287) documents read as a stream of feed entries with saxes:
 * the document is never held whole, only the item being read. Elements are known by namespace,
 * not by the prefix a feed happens to use (a prefix a sloppy feed forgot to declare is read as the
 * namespace it usually names). `xml:base` is honoured for every link and for the content's own
 * relative links (RFC 4287 §2; RSS feeds use it too); text and CDATA read alike; Atom `xhtml`
 * content is serialised back to HTML.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { ImportSourceError } from '../contract.js';
import type { FeedEntry, FeedFacts } from './types.js';

const ATOM = 'http://www.w3.org/2005/Atom';
const CONTENT = 'http://purl.org/rss/1.0/modules/content/';
const DC = 'http://purl.org/dc/elements/1.1/';
const MEDIA = 'http://search.yahoo.com/mrss/';
const XHTML = 'http://www.w3.org/1999/xhtml';
const XML = 'http://www.w3.org/XML/1998/namespace';

/** Prefixes feeds use without declaring them, and what they mean. */
const USUAL: Record<string, string> = {
  atom: ATOM,
  content: CONTENT,
  dc: DC,
  media: MEDIA,
};

/** The most text one item may hold (all its fields together). */
export const MAX_ITEM_CHARS = 16 * 1024 * 1024;

/** Which syntax the document turned out to be. */
export type XmlSyntax = 'rss' | 'atom';

/** Resolves `href` against `base`; undefined when it cannot be made absolute http(s). */
export function absolute(href: string | undefined, base: string | undefined): string | undefined {
  const h = (href ?? '').trim();
  if (h === '') return undefined;
  try {
    const u = base ? new URL(h, base) : new URL(h);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string) => escapeText(s).replace(/"/g, '&quot;');

/** An element being read inside an item: its name, attributes and the text gathered so far. */
interface Open {
  uri: string;
  local: string;
  attrs: Record<string, string>;
  base: string | undefined;
  text: string;
  /** Atom text construct of type xhtml: its children serialised as HTML. */
  xhtml?: { depth: number; html: string };
}

/**
 * Streams the entries of an RSS or Atom document from `chunks` (text). `facts` is filled as the
 * document says them (the channel's link, rel=next, generator…). Throws ImportSourceError naming
 * the line and column of malformed XML, and a document that is neither RSS nor Atom.
 */
export async function* readXmlFeed(
  chunks: AsyncIterable<string>,
  name: string,
  base: string | undefined,
  facts: FeedFacts,
  want?: XmlSyntax,
): AsyncGenerator<FeedEntry> {
  const parser = new SaxesParser({
    xmlns: true,
    position: true,
    resolvePrefix: (prefix: string) =>
      prefix === '' ? undefined : (USUAL[prefix] ?? `urn:x-undeclared:${prefix}`),
  });
  let syntax: XmlSyntax | undefined;
  const stack: Open[] = [];
  let entry: FeedEntry | undefined;
  let entryDepth = 0;
  let entryChars = 0;
  let rssGuidIsPermalink = false;
  /** The Atom text construct of type xhtml being read, if any: its children are serialised. */
  let xhtmlOwner: Open | undefined;
  const ready: FeedEntry[] = [];
  let failure: ImportSourceError | undefined;
  const fail = (message: string) => {
    failure ??= new ImportSourceError(name, { line: parser.line, column: parser.column }, message);
  };

  parser.on('error', (err) => {
    fail(err.message.replace(/^(?:[^:]*:)?\d+:\d+: /, ''));
  });

  parser.on('opentag', (tag: SaxesTagNS) => {
    const attrs: Record<string, string> = {};
    let xmlBase: string | undefined;
    for (const a of Object.values(tag.attributes)) {
      if (a.uri === XML && a.local === 'base') xmlBase = a.value;
      else if (a.uri === '' || a.uri === undefined) attrs[a.local] = a.value;
      else attrs[`{${a.uri}}${a.local}`] = a.value;
    }
    const parent = stack[stack.length - 1];
    // Inside Atom xhtml content: serialise the element, nothing more.
    if (xhtmlOwner?.xhtml) {
      const x = xhtmlOwner.xhtml;
      stack.push({ uri: tag.uri, local: tag.local, attrs, base: parent?.base, text: '' });
      x.depth++;
      if (x.depth === 1 && tag.local === 'div' && tag.uri === XHTML) return; // the wrapping div
      const at = Object.entries(attrs)
        .filter(([k]) => !k.startsWith('{'))
        .map(([k, v]) => ` ${k}="${escapeAttr(v)}"`)
        .join('');
      x.html += `<${tag.local}${at}>`;
      return;
    }
    const elBase =
      xmlBase !== undefined
        ? (absolute(xmlBase, parent?.base ?? base) ?? parent?.base ?? base)
        : (parent?.base ?? base);
    const open: Open = { uri: tag.uri, local: tag.local, attrs, base: elBase, text: '' };
    const depth = stack.length; // depth of this element (0 = root)
    stack.push(open);
    if (depth === 0) {
      if (tag.local === 'rss' && tag.uri === '') syntax = 'rss';
      else if (tag.local === 'feed' && tag.uri === ATOM) syntax = 'atom';
      else {
        fail(
          `not an RSS or Atom feed: the document is <${tag.name}>${tag.uri ? ` in ${tag.uri}` : ''}, not <rss> or <feed xmlns="${ATOM}">`,
        );
        return;
      }
      if (want && syntax !== want)
        fail(`an ${syntax === 'rss' ? 'RSS' : 'Atom'} feed, not ${want === 'rss' ? 'RSS' : 'Atom'}`);
      return;
    }
    const isEntry =
      (syntax === 'rss' && depth === 2 && tag.local === 'item' && tag.uri === '') ||
      (syntax === 'atom' && depth === 1 && tag.local === 'entry' && tag.uri === ATOM);
    if (isEntry) {
      entry = {
        links: [],
        tags: [],
        media: [],
        authors: [],
        ...(elBase ? { base: elBase } : {}),
        where: `${name}:${parser.line}:${parser.column}`,
      };
      entryDepth = depth;
      entryChars = 0;
      rssGuidIsPermalink = false;
      return;
    }
    if (
      tag.uri === ATOM &&
      ['content', 'summary', 'title', 'subtitle', 'rights'].includes(tag.local) &&
      attrs.type === 'xhtml'
    ) {
      open.xhtml = { depth: 0, html: '' };
      xhtmlOwner = open;
    }
    // Elements with everything in their attributes.
    const where = entry ? 'entry' : 'feed';
    if (tag.uri === ATOM && tag.local === 'link') link(open, where, depth);
    else if (entry && syntax === 'rss' && tag.uri === '' && tag.local === 'enclosure') {
      const url = absolute(attrs.url, elBase);
      if (url) entry.media.push({ url, alt: '', ...(attrs.type ? { type: attrs.type } : {}) });
    } else if (entry && tag.uri === MEDIA && tag.local === 'content') {
      const url = absolute(attrs.url, elBase);
      if (url)
        entry.media.push({
          url,
          alt: '',
          ...(attrs.type ? { type: attrs.type } : {}),
          ...(attrs.medium ? { medium: attrs.medium } : {}),
        });
    } else if (entry && syntax === 'atom' && tag.uri === ATOM && tag.local === 'category') {
      const t = (attrs.label ?? attrs.term ?? '').trim();
      if (t) entry.tags.push(t);
    }
  });

  /** An atom:link, in a feed or an entry (RFC 4287 §4.2.7; RFC 5005 rel=next). */
  function link(open: Open, where: 'entry' | 'feed', depth: number) {
    const rel = (open.attrs.rel ?? 'alternate').trim().toLowerCase();
    const href = absolute(open.attrs.href, open.base);
    if (!href) return;
    if (where === 'feed') {
      // Feed level: an Atom feed's links are children of <feed>, an RSS channel's of <channel>.
      if (depth !== (syntax === 'atom' ? 1 : 2)) return;
      if (rel === 'next') facts.next ??= href;
      else if (rel === 'self') facts.selfUrl ??= href;
      else if (rel === 'alternate' && syntax === 'atom' && !/xml|json|atom|rss/i.test(open.attrs.type ?? ''))
        facts.siteUrl ??= href;
      return;
    }
    if (!entry) return;
    if (rel === 'alternate') {
      if (!entry.url) entry.url = href;
      else entry.links.push(href);
    } else if (rel === 'enclosure') {
      entry.media.push({
        url: href,
        alt: '',
        ...(open.attrs.type ? { type: open.attrs.type } : {}),
        ...(open.attrs.title ? { title: open.attrs.title } : {}),
      });
    } else if (rel === 'related' || rel === 'via') {
      entry.externalUrl ??= href;
    }
  }

  const addText = (t: string) => {
    const top = stack[stack.length - 1];
    if (!top) return;
    if (entry) {
      entryChars += t.length;
      if (entryChars > MAX_ITEM_CHARS) {
        fail(`an item holds more than ${MAX_ITEM_CHARS / 1024 / 1024} MB of text`);
        return;
      }
    } else if (stack.length > 3 || top.text.length > 64 * 1024) {
      return; // the feed's own fields are short; anything else outside items is not read
    }
    if (xhtmlOwner?.xhtml) xhtmlOwner.xhtml.html += escapeText(t);
    else top.text += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);

  parser.on('closetag', () => {
    const open = stack.pop();
    if (!open) return;
    if (xhtmlOwner?.xhtml && open !== xhtmlOwner) {
      const x = xhtmlOwner.xhtml;
      x.depth--;
      if (x.depth === 0 && open.local === 'div' && open.uri === XHTML) return;
      if (!VOID.has(open.local)) x.html += `</${open.local}>`;
      return;
    }
    if (open === xhtmlOwner) xhtmlOwner = undefined;
    const depth = stack.length;
    if (entry && depth === entryDepth) {
      if (entry.id && rssGuidIsPermalink && !entry.url) entry.url = entry.id;
      ready.push(entry);
      entry = undefined;
      return;
    }
    const text = open.text;
    if (!entry) {
      feedField(open, depth, text);
      return;
    }
    if (syntax === 'rss') rssField(entry, open, depth, text);
    else atomField(entry, open, depth, text);
  });

  function feedField(open: Open, depth: number, text: string) {
    const t = text.trim();
    if (syntax === 'rss' && depth === 2 && open.uri === '') {
      if (open.local === 'link') facts.siteUrl ??= absolute(t, open.base);
      else if (open.local === 'generator') facts.generator ??= t;
      else if (open.local === 'title') facts.title ??= t;
      else if (open.local === 'managingEditor' && t) facts.authors.push(authorName(t));
    } else if (syntax === 'atom' && depth === 1 && open.uri === ATOM) {
      if (open.local === 'generator') facts.generator ??= `${t} ${open.attrs.uri ?? ''}`.trim();
      else if (open.local === 'title') facts.title ??= textOf(open);
    } else if (syntax === 'atom' && depth === 2 && open.uri === ATOM && open.local === 'name') {
      const owner = stack[1];
      if (owner?.local === 'author' && t) facts.authors.push(t);
    } else if (syntax === 'rss' && depth === 2 && open.uri === DC && open.local === 'creator' && t) {
      facts.authors.push(t);
    }
  }

  function rssField(e: FeedEntry, open: Open, depth: number, text: string) {
    const t = text.trim();
    if (depth === entryDepth + 1) {
      if (open.uri === '') {
        switch (open.local) {
          case 'title':
            e.title = t;
            return;
          case 'link':
            if (t) e.url = absolute(t, open.base) ?? e.url;
            return;
          case 'description':
            if (t) e.summaryHtml = text;
            return;
          case 'guid':
            if (t) {
              e.id = t;
              rssGuidIsPermalink = (open.attrs.isPermaLink ?? 'true').trim().toLowerCase() !== 'false';
            }
            return;
          case 'pubDate':
            if (t) e.published = t;
            return;
          case 'category':
            if (t) e.tags.push(t);
            return;
          case 'author':
            if (t) e.authors.push(authorName(t));
            return;
        }
        return;
      }
      if (open.uri === CONTENT && open.local === 'encoded' && t) {
        e.html = text;
        e.contentBase = open.base;
      } else if (open.uri === DC && open.local === 'creator' && t) e.authors.push(t);
      else if (open.uri === DC && open.local === 'date' && t) e.published ??= t;
      else if (open.uri === DC && open.local === 'subject' && t) e.tags.push(t);
      else if (open.uri === ATOM && open.local === 'updated' && t) e.updated = t;
      return;
    }
    mediaText(e, open, text);
  }

  function atomField(e: FeedEntry, open: Open, depth: number, text: string) {
    const t = text.trim();
    if (open.uri !== ATOM) {
      mediaText(e, open, text);
      return;
    }
    if (depth === entryDepth + 1) {
      switch (open.local) {
        case 'id':
          if (t) e.id = t;
          return;
        case 'title':
          e.title = textOf(open);
          return;
        case 'published':
          if (t) e.published = t;
          return;
        case 'updated':
          if (t) e.updated = t;
          return;
        case 'summary':
          if (open.xhtml || open.attrs.type === 'html') e.summaryHtml = open.xhtml ? open.xhtml.html : text;
          else if (t) e.summary = t;
          return;
        case 'content': {
          if (open.attrs.src) {
            e.contentSrc = absolute(open.attrs.src, open.base);
            return;
          }
          const type = (open.attrs.type ?? 'text').toLowerCase();
          if (open.xhtml) e.html = open.xhtml.html;
          else if (type === 'html' || type === 'text/html') e.html = text;
          else if (type === 'text' || type.startsWith('text/')) e.text = text;
          else return; // base64 or other media: not text
          e.contentBase = open.base;
          return;
        }
      }
    } else if (
      depth === entryDepth + 2 &&
      open.local === 'name' &&
      stack[entryDepth + 1]?.local === 'author' &&
      t
    ) {
      e.authors.push(t);
    }
  }

  /** media:description / media:title inside a media:content (alt text). */
  function mediaText(e: FeedEntry, open: Open, text: string) {
    if (open.uri !== MEDIA) return;
    const owner = stack[stack.length - 1];
    if (owner?.uri !== MEDIA || owner.local !== 'content') return;
    const m = e.media[e.media.length - 1];
    if (!m) return;
    if (open.local === 'description' || (open.local === 'title' && !m.alt)) m.alt = textOf(open, text);
  }

  for await (const chunk of chunks) {
    parser.write(chunk);
    if (failure) throw failure;
    while (ready.length > 0) yield ready.shift()!;
  }
  parser.close();
  if (failure) throw failure;
  if (!syntax) throw new ImportSourceError(name, undefined, 'the file is empty or holds no XML document');
  while (ready.length > 0) yield ready.shift()!;
}

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);

/** An Atom text construct as plain text (html and xhtml types have their tags removed). */
function textOf(open: Open, text = open.text): string {
  const type = (open.attrs.type ?? 'text').toLowerCase();
  if (open.xhtml) return stripTags(open.xhtml.html);
  if (type === 'html') return stripTags(text);
  return text.replace(/\s+/g, ' ').trim();
}

/** Text of a short fragment of HTML (a title), entities decoded. */
export function stripTags(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** The few entities a title carries (named basics and numeric). */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const n =
        e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
      return Number.isFinite(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : m;
    }
    return NAMED[e.toLowerCase()] ?? m;
  });
}

/** RSS `author` is an email address with the name in parentheses: `a@b.c (Ada)`. */
function authorName(raw: string): string {
  const m = /\(([^)]+)\)/.exec(raw);
  return (m?.[1] ?? raw).trim();
}
