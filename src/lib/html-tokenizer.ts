/**
 * A linear HTML tokenizer for documents from elsewhere: start and end tags with their attributes,
 * in document order, the way an HTML parser's tokenizer sees them (HTML §13.2.5). Nothing inside
 * comments, doctypes, processing instructions or CDATA counts; the content of `<script>`,
 * `<style>`, `<textarea>`, `<title>` and the other raw-text elements is text up to their own end
 * tag; after `<plaintext>` everything is text. Attribute names are lower-cased, the first of two
 * equal attributes wins, and character references in values are decoded.
 *
 * It builds no tree, so it stays linear in the input whatever the input is: every loop moves
 * forward, and every search (`indexOf`, a sticky end-tag expression) starts where the last ended.
 * That makes it the place to measure a document before any super-linear work (see budget.ts), to
 * find links (Webmention verification and discovery), the `<base>` and the `<title>`.
 */

/** A start tag. `rawText` is the text content of a raw-text element (`<title>`, `<script>`…). */
export interface StartTag {
  type: 'start';
  name: string;
  attrs: Map<string, string>;
  /** Attributes as written, duplicates included (the parser checks each against the others). */
  attrCount: number;
  /** Written `<x/>`: meaningful only for void elements and inside SVG and MathML. */
  selfClosing: boolean;
  /** Where the tag starts (its `<`) and ends (after its `>`) in the document. */
  start: number;
  end: number;
  rawText?: string;
}

/** An end tag (raw-text elements' end tags are consumed with their text and not reported). */
export interface EndTag {
  type: 'end';
  name: string;
}

/** A tag of the document. */
export type HtmlTag = StartTag | EndTag;

/**
 * Elements whose content is text up to their own end tag (RAWTEXT and RCDATA states), with
 * scripting enabled as in a browser (so <noscript> is one too).
 */
export const RAW_TEXT = new Set([
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
const isAlpha = (c: string | undefined) =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));

interface ReadTag {
  name: string;
  attrs: Map<string, string>;
  attrCount: number;
  selfClosing: boolean;
  /** After the closing `>`, or -1 when the document ends first. */
  end: number;
}

/** Parses a tag from `i` (just after `<` or `</`): its name, attributes, and where it ends. */
function readTag(html: string, i: number): ReadTag {
  let j = i;
  while (j < html.length && !isSpace(html[j]) && html[j] !== '/' && html[j] !== '>') j++;
  const name = html.slice(i, j).toLowerCase();
  const attrs = new Map<string, string>();
  let attrCount = 0;
  for (;;) {
    let slash = false;
    while (j < html.length && (isSpace(html[j]) || html[j] === '/')) {
      slash = html[j] === '/';
      j++;
    }
    if (j >= html.length) return { name, attrs, attrCount, selfClosing: false, end: -1 };
    if (html[j] === '>') return { name, attrs, attrCount, selfClosing: slash, end: j + 1 };
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
        if (close < 0) return { name, attrs, attrCount, selfClosing: false, end: -1 };
        value = html.slice(j + 1, close);
        j = close + 1;
      } else {
        const v = j;
        while (j < html.length && !isSpace(html[j]) && html[j] !== '>') j++;
        value = html.slice(v, j);
      }
    }
    attrCount++;
    if (!attrs.has(attr)) attrs.set(attr, decodeAttribute(value));
  }
}

// The end tag of each raw-text element, found case-insensitively: "</script", then a space, "/" or ">".
const RAW_TEXT_END = new Map(
  [...RAW_TEXT].map((name) => [name, new RegExp(`</${name}(?=[\\t\\n\\f\\r />]|$)`, 'gi')]),
);

/** Where the text of raw-text element `name` that starts at `i` stops, and where its end tag ends. */
function rawTextEnd(html: string, i: number, name: string): { textEnd: number; next: number } {
  const re = RAW_TEXT_END.get(name)!;
  re.lastIndex = i;
  const m = re.exec(html);
  if (!m) return { textEnd: html.length, next: html.length };
  const close = html.indexOf('>', m.index);
  return { textEnd: m.index, next: close < 0 ? html.length : close + 1 };
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

/** Every start and end tag of the document, in document order. */
export function* htmlTags(html: string): Generator<HtmlTag> {
  let i = 0;
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
        i = tag.end;
        yield { type: 'end', name: tag.name };
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
    const start: StartTag = {
      type: 'start',
      name: tag.name,
      attrs: tag.attrs,
      attrCount: tag.attrCount,
      selfClosing: tag.selfClosing,
      start: lt,
      end: tag.end,
    };
    if (tag.name === 'plaintext') {
      yield start;
      return;
    }
    if (RAW_TEXT.has(tag.name)) {
      const { textEnd, next: after } = rawTextEnd(html, i, tag.name);
      start.rawText = html.slice(i, textEnd);
      i = after;
    }
    yield start;
  }
}
