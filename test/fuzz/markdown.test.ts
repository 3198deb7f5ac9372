/**
 * Fuzzing the Markdown pipeline: whatever a note holds (arbitrary text or hostile HTML and
 * Markdown), the HTML StarPunk serves has no script, no event handler, no style attribute and no
 * URL that runs code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainText, renderMarkdown, sanitizeHtml } from '../../src/notes/markdown.js';
import { anyText, hostileDocument, hostileFragment } from './arbitraries.js';
import { budget } from './budget.js';

/** Elements that must never reach a page, whatever their attributes. */
const FORBIDDEN_TAGS = new Set([
  'script',
  'style',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'svg',
  'math',
  'link',
  'meta',
  'base',
  'form',
  'input',
  'button',
  'textarea',
  'select',
  'option',
  'template',
  'noscript',
  'xmp',
  'plaintext',
  'body',
  'html',
  'head',
  'title',
  'video',
  'audio',
  'source',
]);

const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'cite',
  'action',
  'formaction',
  'srcset',
  'background',
  'poster',
  'data',
  'xlink:href',
  'lowsrc',
  'dynsrc',
]);

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  colon: ':',
  tab: '\t',
  newline: '\n',
  lpar: '(',
  rpar: ')',
  sol: '/',
  nbsp: '\u00a0',
};

/** Decodes character references once, the way a browser reads an attribute value (semicolon optional). */
function decodeAttribute(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);?/gi, (m, ref: string) => {
    if (ref[0] === '#') {
      const code =
        ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
    }
    return NAMED[ref.toLowerCase()] ?? m;
  });
}

/** The scheme a browser would see in a URL attribute, or undefined for a relative URL. */
function schemeOf(value: string): string | undefined {
  // URL parsing removes tabs and newlines anywhere and strips leading C0 controls and spaces.
  let url = decodeAttribute(value).replace(/[\t\n\r]/g, '');
  while (url.length > 0 && url.charCodeAt(0) <= 0x20) url = url.slice(1);
  return /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
}

const TAG = /<([a-zA-Z][a-zA-Z0-9:-]*)((?:"[^"]*"|'[^']*'|[^'">])*)>/g;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/** Every way `html` could run code or restyle the page; empty when it is safe. */
function activeContent(html: string): string[] {
  const found: string[] = [];
  if (/<script/i.test(html)) found.push('<script');
  for (const [, name, attrs] of html.matchAll(TAG)) {
    const tag = name!.toLowerCase();
    if (FORBIDDEN_TAGS.has(tag)) found.push(`<${tag}>`);
    for (const [, attrName, dq, sq, bare] of attrs!.matchAll(ATTRIBUTE)) {
      const attr = attrName!.toLowerCase();
      if (attr.startsWith('on')) found.push(`${tag} ${attr}=`);
      if (attr === 'style') found.push(`${tag} style=`);
      if (attr === 'srcdoc') found.push(`${tag} srcdoc=`);
      const value = dq ?? sq ?? bare ?? '';
      // A URL runs code only through its scheme (javascript:, vbscript:, data:text/html); "%01javascript:"
      // has none (% cannot start one) and stays a harmless relative path.
      if (URL_ATTRIBUTES.has(attr)) {
        const scheme = schemeOf(value);
        const allowed = tag === 'img' ? ['http', 'https'] : ['http', 'https', 'mailto'];
        if (scheme !== undefined && !allowed.includes(scheme)) found.push(`${tag} ${attr}=${scheme}:`);
      }
    }
  }
  return found;
}

const documents = fc.oneof(anyText, hostileFragment, hostileDocument);

describe('the checker itself', () => {
  it.each([
    ['<script>x</script>', '<script'],
    ['<img src="x" onerror="alert(1)">', 'img onerror='],
    ['<a href="jav&#x09;ascript:alert(1)">x</a>', 'a href=javascript:'],
    ['<a href=" &#x01;javascript:alert(1)">x</a>', 'a href=javascript:'],
    ['<p style="color:red">x</p>', 'p style='],
    ['<a href="data:text/html,x">x</a>', 'a href=data:'],
    ['<img src="mailto:x@example.com">', 'img src=mailto:'],
  ])('flags %s', (html, finding) => {
    expect(activeContent(html)).toContain(finding);
  });

  it('passes ordinary safe HTML', () => {
    expect(
      activeContent(
        '<p><a href="https://example.com/a?b=1&amp;c=2" rel="nofollow ugc noopener">x</a> ' +
          '<img src="/media/a.jpg" alt="on=1 javascript" loading="lazy" /> text: javascript:alert(1) onclick=x ' +
          '<a href="%01javascript:alert(1)">a relative path</a></p>',
      ),
    ).toEqual([]);
  });
});

describe('Markdown pipeline', () => {
  it('renderMarkdown output has no active content', () => {
    fc.assert(
      fc.property(documents, (md) => {
        expect(activeContent(renderMarkdown(md))).toEqual([]);
      }),
      budget(300),
    );
  });

  it('sanitizeHtml output (Micropub {"html": …} content) has no active content', () => {
    fc.assert(
      fc.property(documents, (html) => {
        expect(activeContent(sanitizeHtml(html))).toEqual([]);
      }),
      budget(300),
    );
  });

  it('sanitised HTML stays safe when it is rendered as Markdown again (how {"html"} content is stored)', () => {
    fc.assert(
      fc.property(documents, (html) => {
        expect(activeContent(renderMarkdown(sanitizeHtml(html)))).toEqual([]);
      }),
      budget(200),
    );
  });

  it('plainText (the search index text) never throws', () => {
    fc.assert(
      fc.property(documents, (md) => {
        const text = plainText(renderMarkdown(md));
        expect(typeof text).toBe('string');
      }),
      budget(200),
    );
  });
});
