/**
 * Finds `<a>` and `<link>` start tags in an HTML document, in document order, the way an HTML
 * parser would see them: nothing inside comments, `<script>`, `<style>`, `<textarea>` and the
 * other raw-text elements, or `<template>` contents (which are not part of the document) counts,
 * and escaped markup is text. Attribute names are lower-cased, the first of two equal attributes
 * wins, and character references in values are decoded (HTML §13.2.5, the tokenizer).
 *
 * Not a full parser: it needs only start tags and their attributes, and stays linear in the input.
 */

/** One `<a>` or `<link>` start tag. */
export interface LinkElement {
  tag: 'a' | 'link';
  attrs: Map<string, string>;
}

// Elements whose content is text up to their own end tag (RAWTEXT and RCDATA states), with
// scripting enabled as in a browser (so <noscript> is one too).
const RAW_TEXT = new Set([
  'script',
  'style',
  'textarea',
  'title',
  'xmp',
  'iframe',
  'noembed',
  'noframes',
  'noscript',
]);

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decodes the character references an attribute value may hold (named: the common ones). */
export function decodeAttribute(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(
    /&(?:#(\d{1,8});?|#[xX]([0-9a-fA-F]{1,8});?|([a-zA-Z]{2,8});)/g,
    (m, dec, hex, name) => {
      if (name !== undefined) return NAMED[name] ?? m;
      const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex, 16);
      // NUL, surrogates and out-of-range code points become U+FFFD, as the tokenizer does.
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(code);
    },
  );
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r';
const isAlpha = (c: string | undefined) => c !== undefined && /^[a-zA-Z]$/.test(c);

/** Parses a tag from `i` (just after `<` or `</`): its name, attributes, and where it ends (after `>`), or -1 at EOF. */
function readTag(html: string, i: number): { name: string; attrs: Map<string, string>; end: number } {
  let j = i;
  while (j < html.length && !isSpace(html[j]) && html[j] !== '/' && html[j] !== '>') j++;
  const name = html.slice(i, j).toLowerCase();
  const attrs = new Map<string, string>();
  for (;;) {
    while (j < html.length && (isSpace(html[j]) || html[j] === '/')) j++;
    if (j >= html.length) return { name, attrs, end: -1 };
    if (html[j] === '>') return { name, attrs, end: j + 1 };
    // Attribute name: a leading "=" belongs to it.
    const start = j;
    j++;
    while (j < html.length && !isSpace(html[j]) && html[j] !== '/' && html[j] !== '>' && html[j] !== '=') j++;
    const attr = html.slice(start, j).toLowerCase();
    while (j < html.length && isSpace(html[j])) j++;
    let value = '';
    if (html[j] === '=') {
      j++;
      while (j < html.length && isSpace(html[j])) j++;
      const quote = html[j];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, j + 1);
        if (close < 0) return { name, attrs, end: -1 };
        value = html.slice(j + 1, close);
        j = close + 1;
      } else {
        const v = j;
        while (j < html.length && !isSpace(html[j]) && html[j] !== '>') j++;
        value = html.slice(v, j);
      }
    }
    if (!attrs.has(attr)) attrs.set(attr, decodeAttribute(value));
  }
}

// The end tag of each raw-text element, found case-insensitively: "</script", then a space, "/" or ">".
const RAW_TEXT_END = new Map(
  [...RAW_TEXT].map((name) => [name, new RegExp(`</${name}(?=[\\t\\n\\f\\r />]|$)`, 'gi')]),
);

/** Where the raw text of element `name` that starts at `i` ends: just after its end tag, or the end of input. */
function skipRawText(html: string, i: number, name: string): number {
  const re = RAW_TEXT_END.get(name)!;
  re.lastIndex = i;
  const m = re.exec(html);
  if (!m) return html.length;
  const close = html.indexOf('>', m.index);
  return close < 0 ? html.length : close + 1;
}

/** Where a comment whose text starts at `i` ends: just after "-->" or "--!>", or -1 at EOF. */
function commentEnd(html: string, i: number): number {
  let k = i;
  for (;;) {
    const at = html.indexOf('--', k);
    if (at < 0) return -1;
    if (html[at + 2] === '>') return at + 3;
    if (html[at + 2] === '!' && html[at + 3] === '>') return at + 4;
    k = at + 1;
  }
}

/** Every `<a>` and `<link>` start tag of the document, in document order. */
export function* linkElements(html: string): Generator<LinkElement> {
  let i = 0;
  let templateDepth = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) return;
    const next = html[lt + 1];
    if (html.startsWith('<!--', lt)) {
      // "<!-->" and "<!--->" close at once; otherwise the comment ends at "-->" or "--!>".
      if (html.startsWith('<!-->', lt)) i = lt + 5;
      else if (html.startsWith('<!--->', lt)) i = lt + 6;
      else {
        const end = commentEnd(html, lt + 4);
        if (end < 0) return;
        i = end;
      }
      continue;
    }
    if (next === '!' || next === '?') {
      // A doctype, a CDATA section (a bogus comment in HTML content) or a processing instruction.
      const end = html.indexOf('>', lt);
      if (end < 0) return;
      i = end + 1;
      continue;
    }
    if (next === '/') {
      if (isAlpha(html[lt + 2])) {
        const tag = readTag(html, lt + 2);
        if (tag.end < 0) return;
        if (tag.name === 'template' && templateDepth > 0) templateDepth--;
        i = tag.end;
      } else {
        const end = html.indexOf('>', lt);
        if (end < 0) return;
        i = end + 1;
      }
      continue;
    }
    if (!isAlpha(next)) {
      i = lt + 1;
      continue;
    }
    const tag = readTag(html, lt + 1);
    if (tag.end < 0) return;
    i = tag.end;
    if (tag.name === 'plaintext') return;
    if (RAW_TEXT.has(tag.name)) {
      i = skipRawText(html, i, tag.name);
      continue;
    }
    if (tag.name === 'template') templateDepth++;
    else if (templateDepth === 0 && (tag.name === 'a' || tag.name === 'link'))
      yield { tag: tag.name, attrs: tag.attrs };
  }
}

/** The rel tokens of an element, lower-cased (rel values are case-insensitive, split on ASCII whitespace). */
export function relTokens(attrs: Map<string, string>): string[] {
  return (attrs.get('rel') ?? '')
    .toLowerCase()
    .split(/[\t\n\f\r ]+/)
    .filter(Boolean);
}
