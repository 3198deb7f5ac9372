import { describe, expect, it } from 'vitest';
import {
  excerpt,
  hasStaleRel,
  plainText,
  RENDER_VERSION,
  renderKey,
  renderMarkdown,
  sanitizeHtml,
} from './markdown.js';

// Hostile HTML goes through both entry points: Markdown (raw HTML is allowed there) and Micropub `{"html": …}`.
const HOSTILE_HTML: ReadonlyArray<readonly [string, string]> = [
  ['script tag', '<script>alert(1)</script>'],
  [
    'script tag with attributes and mixed case',
    '<ScRiPt type="text/javascript" src="https://evil.example/x.js"></sCrIpT>',
  ],
  ['script split across a fake tag', '<scr<script>ipt>alert(1)</script>'],
  ['script nested in script', '<script><script>alert(1)</script></script>'],
  ['unclosed script', '<script>alert(1)'],
  ['img onerror', '<img src=x onerror=alert(1)>'],
  ['img onerror with slashes as separators', '<img/src="x"/onerror="alert(1)">'],
  ['body onload', '<body onload=alert(1)>text</body>'],
  ['div onmouseover', '<div onmouseover="alert(1)">hover</div>'],
  ['a onclick', '<a href="https://example.com" onclick="alert(1)">x</a>'],
  ['raw a href javascript:', '<a href="javascript:alert(1)">x</a>'],
  ['raw a href in mixed case with spaces', '<a href="  JaVaScRiPt:alert(1)">x</a>'],
  ['javascript: with a tab entity', '<a href="jav&#x09;ascript:alert(1)">x</a>'],
  ['javascript: with a newline entity', '<a href="jav&#x0A;ascript:alert(1)">x</a>'],
  ['javascript: with a NUL entity', '<a href="java&#0;script:alert(1)">x</a>'],
  [
    'javascript: entirely entity-encoded (decimal)',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
  ],
  [
    'javascript: entity-encoded (hex, no semicolons)',
    '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)">x</a>',
  ],
  ['javascript: with a named entity for the colon', '<a href="javascript&colon;alert(1)">x</a>'],
  ['javascript: with a leading control character', '<a href="&#x01;javascript:alert(1)">x</a>'],
  ['javascript: with an HTML comment inside', '<a href="java<!-- -->script:alert(1)">x</a>'],
  ['javascript: image source', '<img src="javascript:alert(1)">'],
  ['vbscript:', '<a href="VBScript:msgbox(1)">x</a>'],
  ['data:text/html link', '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'],
  ['data: image', '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">'],
  ['javascript: in blockquote cite', '<blockquote cite="javascript:alert(1)">q</blockquote>'],
  ['svg onload', '<svg onload=alert(1)>'],
  ['svg with script inside', '<svg><script>alert(1)</script></svg>'],
  ['svg with a javascript: link', '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>'],
  ['iframe', '<iframe src="https://evil.example/"></iframe>'],
  ['iframe srcdoc', '<iframe srcdoc="<script>alert(1)</script>"></iframe>'],
  ['object', '<object data="javascript:alert(1)"></object>'],
  ['embed', '<embed src="javascript:alert(1)">'],
  [
    'form with input',
    '<form action="javascript:alert(1)"><input type="submit" formaction="javascript:alert(1)"></form>',
  ],
  ['button formaction', '<button formaction="javascript:alert(1)">go</button>'],
  ['style attribute', '<p style="background:url(javascript:alert(1))">x</p>'],
  ['style attribute on a link', '<a href="https://example.com" style="position:fixed;top:0">x</a>'],
  ['style block', '<style>body { background: url("javascript:alert(1)") }</style>'],
  ['style block with a closing-tag trick', '<style></style><script>alert(1)</script></style>'],
  ['math with an mXSS payload', '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>'],
  ['math with a link', '<math href="javascript:alert(1)">x</math>'],
  ['noscript mXSS', '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>'],
  ['textarea breakout', '<textarea><script>alert(1)</script></textarea>'],
  ['template', '<template><script>alert(1)</script></template>'],
  ['meta refresh', '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'],
  ['base href', '<base href="javascript:alert(1)//">'],
  ['link stylesheet', '<link rel="stylesheet" href="javascript:alert(1)">'],
  ['unclosed tags', '<p><strong><em>never closed <a href="https://example.com">link'],
  ['unquoted attributes swallowing an event', '<img src=x alt=a onerror=alert(1)>'],
  ['event handler after slash', '<a/onclick=alert(1)>x</a>'],
  ['event handler in uppercase', '<IMG SRC=x ONERROR=alert(1)>'],
  ['forged footnote id and class', '<a id="javascript:alert(1)" class="x footnote-ref" href="#fn1">x</a>'],
  ['code class that is not a language', '<code class="language-js evil onload">x</code>'],
];

// Markdown syntax that builds a dangerous element without writing raw HTML.
const HOSTILE_MARKDOWN: ReadonlyArray<readonly [string, string]> = [
  ['markdown link to javascript:', '[x](javascript:alert(1))'],
  ['markdown link to JavaScript: in mixed case', '[x](JaVaScRiPt:alert(1))'],
  ['markdown link with an entity inside the scheme', '[x](jav&#x09;ascript:alert(1))'],
  ['markdown link with an entity-encoded scheme', '[x](&#106;avascript:alert(1))'],
  ['markdown reference link to javascript:', '[x][1]\n\n[1]: javascript:alert(1)'],
  ['markdown image from javascript:', '![x](javascript:alert(1))'],
  ['markdown link to vbscript:', '[x](vbscript:msgbox(1))'],
  ['markdown link to data:text/html', '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
  ['markdown image from data:', '![x](data:image/png;base64,iVBORw0KGgo=)'],
  ['html block inside a list', '- item\n\n  <script>alert(1)</script>'],
  ['html inside a blockquote', '> <img src=x onerror=alert(1)>'],
  ['html inside a table cell', '| a |\n|---|\n| <svg onload=alert(1)> |'],
  ['footnote holding a script', 'x[^1]\n\n[^1]: <script>alert(1)</script>'],
  ['inline code holding a script', '`<script>alert(1)</script>`'],
];

// Markdown that shows hostile-looking characters as escaped text (code, or an incomplete tag that is not HTML):
// the words may appear, but only inside text, never inside a tag.
const SHOWN_AS_TEXT: ReadonlyArray<readonly [string, string]> = [
  ['fenced code', '```html\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```'],
  ['indented code', '    <a href="javascript:alert(1)" style="x">x</a>'],
  ['unclosed img tag', '<img src=x onerror=alert(1)//'],
  ['unclosed attribute quote', '<a href="https://example.com onclick=alert(1)>x'],
  ['autolink with a javascript: URL', '<javascript:alert(1)>'],
];

const FORBIDDEN_ANYWHERE: ReadonlyArray<readonly [string, RegExp]> = [
  ['<script', /<script/i],
  ['<iframe', /<iframe/i],
  ['<svg', /<svg/i],
  ['<math', /<math/i],
  ['<style', /<style/i],
  ['<object', /<object/i],
  ['<embed', /<embed/i],
  ['<form', /<form/i],
  ['<input', /<input/i],
  ['<meta', /<meta/i],
  ['<base', /<base/i],
  ['<link', /<link/i],
];

const FORBIDDEN_IN_TEXT_TOO: ReadonlyArray<readonly [string, RegExp]> = [
  ['an on* attribute', /\son\w+\s*=/i],
  ['javascript:', /javascript:/i],
  ['style=', /style\s*=/i],
  ['data:', /data:/i],
  ['vbscript:', /vbscript:/i],
];

const ATTRIBUTE = /\s([a-z-]+)="([^"]*)"/gi;

/** Every URL-carrying attribute value in the tags of `html`, decoded the way a browser would read it. */
function urlAttributes(html: string): string[] {
  const out: string[] = [];
  const tags = (html.match(/<[^>]*>/g) ?? []).join(' ');
  for (const m of tags.matchAll(ATTRIBUTE)) {
    const [, name, value] = m;
    if (name === undefined || value === undefined) continue;
    if (!['href', 'src', 'cite'].includes(name.toLowerCase())) continue;
    out.push(
      value
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
    );
  }
  return out;
}

/** Asserts that `html` holds no active content; `textToo` also forbids the words in text content. */
function expectInert(html: string, textToo: boolean): void {
  for (const [what, pattern] of FORBIDDEN_ANYWHERE) {
    expect(html, `output contains ${what}`).not.toMatch(pattern);
  }
  const tags = (html.match(/<[^>]*>/g) ?? []).join(' ');
  for (const [what, pattern] of FORBIDDEN_IN_TEXT_TOO) {
    expect(textToo ? html : tags, `output contains ${what}`).not.toMatch(pattern);
  }
  // Whatever URLs survive must resolve to an allowed scheme (or stay on the site).
  for (const url of urlAttributes(html)) {
    const protocol = new URL(url, 'https://site.example/notes/').protocol;
    expect(['http:', 'https:', 'mailto:']).toContain(protocol);
  }
}

describe.each([
  ['renderMarkdown', renderMarkdown],
  ['sanitizeHtml', sanitizeHtml],
] as const)('%s with hostile HTML', (_name, render) => {
  it.each(HOSTILE_HTML)('%s', (_label, input) => {
    expectInert(render(input), true);
  });
});

describe('renderMarkdown with hostile Markdown', () => {
  it.each(HOSTILE_MARKDOWN)('%s', (_label, input) => {
    expectInert(renderMarkdown(input), true);
  });

  it.each(SHOWN_AS_TEXT)('%s stays escaped text', (_label, input) => {
    const html = renderMarkdown(input);
    expectInert(html, false);
    expect(html).not.toMatch(/<(?!\/?(p|pre|code|a)[\s>])/i);
  });
});

describe('sanitizeHtml', () => {
  it('drops script and style contents instead of keeping them as text', () => {
    const html = sanitizeHtml('<p>before</p><script>alert("secret")</script><style>.x{}</style><p>after</p>');
    expect(html).toBe('<p>before</p><p>after</p>');
  });

  it('drops the whole content of svg, math and iframe', () => {
    expect(
      sanitizeHtml('a<svg><text>drawn</text></svg>b<math><mi>x</mi></math>c<iframe>framed</iframe>d'),
    ).toBe('abcd');
  });

  it('keeps the text of a dropped harmless wrapper such as form or font', () => {
    expect(sanitizeHtml('<form><font color="red">kept</font></form>')).toBe('kept');
  });

  it('closes unclosed tags', () => {
    expect(sanitizeHtml('<p><strong>bold')).toBe('<p><strong>bold</strong></p>');
  });

  it('removes the URL but keeps the text of a javascript: link', () => {
    expect(sanitizeHtml('<a href="javascript:alert(1)" title="t">click</a>')).toBe('<a title="t">click</a>');
  });

  it('drops an image whose source was refused', () => {
    expect(sanitizeHtml('<p>a<img src="javascript:alert(1)" alt="x">b</p>')).toBe('<p>ab</p>');
  });

  it('allows only http and https images, and http, https and mailto links', () => {
    expect(sanitizeHtml('<img src="mailto:a@example.com" alt="m">')).toBe('');
    expect(sanitizeHtml('<a href="mailto:a@example.com">mail</a>')).toBe(
      '<a href="mailto:a@example.com">mail</a>',
    );
    expect(sanitizeHtml('<a href="ftp://example.com/f">f</a>')).toBe('<a>f</a>');
    expect(sanitizeHtml('<a href="tel:+123">t</a>')).toBe('<a>t</a>');
  });

  it('allows relative URLs without adding rel', () => {
    expect(sanitizeHtml('<a href="/notes/hello">a</a><a href="#fn1">b</a><a href="../x">c</a>')).toBe(
      '<a href="/notes/hello">a</a><a href="#fn1">b</a><a href="../x">c</a>',
    );
  });

  it("leaves the owner's own links to other sites as written, dropping rel=me and unknown rels", () => {
    expect(sanitizeHtml('<a href="https://example.com/">x</a>')).toBe('<a href="https://example.com/">x</a>');
    expect(renderMarkdown('[x](https://example.com/)')).toBe('<p><a href="https://example.com/">x</a></p>\n');
    expect(sanitizeHtml('<a href="//example.com/" rel="me NOFOLLOW bad\u0000token nofollow">x</a>')).toBe(
      '<a href="//example.com/" rel="nofollow">x</a>',
    );
  });

  it("adds nofollow ugc noopener to absolute and protocol-relative links in someone else's content", () => {
    expect(sanitizeHtml('<a href="https://example.com/">x</a>', 'others')).toBe(
      '<a href="https://example.com/" rel="nofollow ugc noopener">x</a>',
    );
    expect(sanitizeHtml('<a href="//example.com/" rel="me NOFOLLOW bad\u0000token">x</a>', 'others')).toBe(
      '<a href="//example.com/" rel="nofollow ugc noopener">x</a>',
    );
    expect(renderMarkdown('[x](https://example.com/) [y](/notes/y)', 'others')).toBe(
      '<p><a href="https://example.com/" rel="nofollow ugc noopener">x</a> <a href="/notes/y">y</a></p>\n',
    );
    // The owner's options are not changed by the other set.
    expect(sanitizeHtml('<a href="https://example.com/">x</a>')).toBe('<a href="https://example.com/">x</a>');
  });

  it('gives an image without alt an empty one, so the page stays valid HTML', () => {
    expect(sanitizeHtml('<p><img src="https://example.com/a.png"></p>')).toBe(
      '<p><img src="https://example.com/a.png" loading="lazy" alt="" /></p>',
    );
    expect(sanitizeHtml('<img src="/a.png" alt="A cat">')).toBe(
      '<img src="/a.png" alt="A cat" loading="lazy" />',
    );
  });

  it('names what cached HTML was rendered from, per render version', () => {
    expect(renderKey('abc')).toBe(`abc+r${RENDER_VERSION}`);
    expect(renderKey('abc')).not.toBe('abc');
    expect(renderKey(null)).toBeNull();
  });

  it('keeps only rel values that say nothing about identity or endpoints, and spots HTML cached with others', () => {
    expect(sanitizeHtml('<a href="/t" rel="tag license micropub webmention author">t</a>')).toBe(
      '<a href="/t" rel="tag license">t</a>',
    );
    expect(
      hasStaleRel('<a href="/t" rel="tag license">t</a> <a href="//x/" rel="nofollow ugc noopener">x</a>'),
    ).toBe(false);
    expect(hasStaleRel('<p><a href="//x/" rel="me nofollow ugc noopener">x</a></p>')).toBe(true);
    expect(hasStaleRel('<p>no links</p>')).toBe(false);
  });

  it('makes images lazy and keeps only numeric dimensions', () => {
    expect(
      sanitizeHtml(
        '<img src="https://example.com/a.png" alt="A cat" width="640" height="100%" loading="eager">',
      ),
    ).toBe('<img src="https://example.com/a.png" alt="A cat" width="640" loading="lazy" />');
  });

  it('keeps an empty alt (decorative image)', () => {
    expect(sanitizeHtml('<img src="/media/a.png" alt="">')).toBe(
      '<img src="/media/a.png" alt="" loading="lazy" />',
    );
  });

  it('keeps the allowed attributes of formatting elements and drops the rest', () => {
    expect(
      sanitizeHtml(
        '<abbr title="HyperText" id="x">HTML</abbr><ol start="3" reversed type="a"><li value="2">i</li></ol>' +
          '<blockquote cite="https://example.com/src" class="pull">q</blockquote>',
      ),
    ).toBe(
      '<abbr title="HyperText">HTML</abbr><ol start="3" reversed><li>i</li></ol>' +
        '<blockquote cite="https://example.com/src">q</blockquote>',
    );
  });

  it('keeps table cell attributes and turns a text-align style into align', () => {
    expect(
      sanitizeHtml(
        '<table><tr><th scope="col" style="text-align:center" class="c">h</th>' +
          '<td colspan="2" rowspan="1" style="color:red">d</td></tr></table>',
      ),
    ).toBe('<table><tr><th scope="col" align="center">h</th><td colspan="2" rowspan="1">d</td></tr></table>');
  });

  it('keeps only footnote classes and footnote-shaped ids', () => {
    expect(
      sanitizeHtml(
        '<section class="footnotes evil"><ol class="footnotes-list"><li id="fn2" class="footnote-item">x ' +
          '<a href="#fnref2:1" id="fnref2:1" class="footnote-backref">back</a></li>' +
          '<li id="main-content" class="hero">y</li></ol></section><div class="wrapper" id="fn1">z</div>',
      ),
    ).toBe(
      '<section class="footnotes"><ol class="footnotes-list"><li id="fn2" class="footnote-item">x ' +
        '<a href="#fnref2:1" id="fnref2:1" class="footnote-backref">back</a></li>' +
        '<li>y</li></ol></section><div>z</div>',
    );
  });

  it('keeps a language-* class on code and nothing else', () => {
    expect(
      sanitizeHtml('<pre><code class="language-ts highlight">x</code></pre><p class="language-ts">p</p>'),
    ).toBe('<pre><code class="language-ts">x</code></pre><p>p</p>');
  });

  it('keeps details, summary, figure, figcaption, definition lists and inline semantics', () => {
    const html =
      '<details><summary>More</summary><figure><figcaption>Cap</figcaption></figure></details>' +
      '<dl><dt>t</dt><dd>d</dd></dl><p><mark>m</mark><kbd>k</kbd><samp>s</samp><var>v</var><q>q</q>' +
      '<cite>c</cite><small>s</small><sub>1</sub><sup>2</sup><ins>i</ins><del>d</del><s>s</s><u>u</u>' +
      '<b>b</b><i>i</i><br /></p><hr />';
    expect(sanitizeHtml(html)).toBe(html);
  });
});

describe('renderMarkdown', () => {
  it('renders headings, emphasis and paragraphs', () => {
    expect(renderMarkdown('# Title\n\n## Sub\n\nSome *em*, **strong** and ~~gone~~ text.')).toBe(
      '<h1>Title</h1>\n<h2>Sub</h2>\n<p>Some <em>em</em>, <strong>strong</strong> and <s>gone</s> text.</p>\n',
    );
  });

  it('renders ordered and unordered lists, keeping the start number', () => {
    expect(renderMarkdown('- a\n- b\n\n3. c\n4. d')).toBe(
      '<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>\n',
    );
  });

  it('renders fenced code with its language class and escapes it', () => {
    expect(renderMarkdown('```js\nif (a < b && c > d) {}\n```')).toBe(
      '<pre><code class="language-js">if (a &lt; b &amp;&amp; c &gt; d) {}\n</code></pre>\n',
    );
  });

  it('escapes < in inline code', () => {
    expect(renderMarkdown('Use `a<b>` here')).toBe('<p>Use <code>a&lt;b&gt;</code> here</p>\n');
  });

  it('renders tables with alignment', () => {
    expect(renderMarkdown('| a | b |\n|:--|--:|\n| 1 | 2 |')).toBe(
      '<table>\n<thead>\n<tr>\n<th align="left">a</th>\n<th align="right">b</th>\n</tr>\n</thead>\n' +
        '<tbody>\n<tr>\n<td align="left">1</td>\n<td align="right">2</td>\n</tr>\n</tbody>\n</table>\n',
    );
  });

  it("renders links (the owner's: no nofollow), and linkifies bare URLs", () => {
    expect(renderMarkdown('[home](/) and [out](https://example.com "Ex") and https://example.org/x')).toBe(
      '<p><a href="/">home</a> and <a href="https://example.com" title="Ex">out</a>' +
        ' and <a href="https://example.org/x">https://example.org/x</a></p>\n',
    );
  });

  it('renders images with alt and lazy loading', () => {
    expect(renderMarkdown('![A red bicycle](https://example.com/bike.jpg "Mine")')).toBe(
      '<p><img src="https://example.com/bike.jpg" alt="A red bicycle" title="Mine" loading="lazy" /></p>\n',
    );
  });

  it('keeps the link text of a Markdown link whose URL is refused', () => {
    expect(renderMarkdown('[click me](javascript:alert(1))')).toBe('<p><a>click me</a></p>\n');
  });

  it('renders footnotes whose reference and definition link to each other', () => {
    const html = renderMarkdown('Claim[^1].\n\n[^1]: Source.');
    expect(html).toContain('<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>');
    expect(html).toContain('<hr class="footnotes-sep" />');
    expect(html).toContain('<section class="footnotes">');
    expect(html).toContain('<ol class="footnotes-list">');
    expect(html).toMatch(/<li (?=[^>]*id="fn1")(?=[^>]*class="footnote-item")[^>]*>/);
    expect(html).toContain('<a href="#fnref1" class="footnote-backref">');
    expect(html).toContain('Source.');
  });

  it('keeps the ids of repeated footnote references', () => {
    const html = renderMarkdown('A[^n] and B[^n].\n\n[^n]: Shared.');
    expect(html).toContain('id="fnref1"');
    expect(html).toContain('id="fnref1:1"');
    expect(html).toContain('href="#fnref1:1"');
  });

  it('renders blockquotes', () => {
    expect(renderMarkdown('> quoted\n> text')).toBe('<blockquote>\n<p>quoted\ntext</p>\n</blockquote>\n');
  });

  it('keeps non-ASCII text intact', () => {
    expect(renderMarkdown('Café déjà vu — 日本語 🎉')).toBe('<p>Café déjà vu — 日本語 🎉</p>\n');
  });

  it('does not apply typographic replacements', () => {
    expect(renderMarkdown('"quotes" -- (c)')).toBe('<p>"quotes" -- (c)</p>\n');
  });

  it('passes safe raw HTML through', () => {
    expect(renderMarkdown('<details><summary>More</summary>\n\nHidden *text*\n\n</details>')).toBe(
      '<details><summary>More</summary>\n<p>Hidden <em>text</em></p>\n</details>',
    );
  });
});

describe('plainText', () => {
  it('strips tags, decodes entities and collapses whitespace', () => {
    expect(
      plainText('<p>Fish &amp; chips &lt;3 &quot;yum&quot; &eacute;&#233;</p>\n\n<p>  Next   line </p>'),
    ).toBe('Fish & chips <3 "yum" éé Next line');
  });

  it('separates block elements with a space and keeps inline elements joined', () => {
    expect(
      plainText('<h1>Title</h1><p>Un<em>believ</em>able</p><ul><li>a</li><li>b</li></ul>line<br>break'),
    ).toBe('Title Unbelievable a b line break');
  });

  it('leaves out script and style contents and footnote back-links', () => {
    expect(plainText('<p>a</p><script>alert(1)</script><style>p{}</style>')).toBe('a');
    expect(plainText(renderMarkdown('Claim[^1].\n\n[^1]: Source.'))).toBe('Claim[1]. Source.');
  });

  it('returns the text of rendered Markdown', () => {
    expect(plainText(renderMarkdown('# Hi\n\nSome *em* and `a<b`.\n\nCafé 🎉'))).toBe(
      'Hi Some em and a<b. Café 🎉',
    );
  });

  it('returns an empty string for markup without text', () => {
    expect(plainText('<p></p><img src="/a.png" alt="x"><hr>')).toBe('');
  });

  it('gives rendered Markdown the same text whether or not it is told the HTML is sanitised', () => {
    for (const markdown of [
      '# Hi\n\nSome *em* and `a<b`.\n\nCafé 🎉',
      'Claim[^1].\n\n[^1]: Source.',
      'A [link](https://example.com/ "t") and ![alt](https://example.com/a.png) and <https://x.test/>',
      '<div onclick="x()">raw <script>alert(1)</script><b>bold</b> <iframe src="https://e.test/"></iframe></div>',
      '| a | b |\n|---|---|\n| 1 | 2 |\n\n> quote\n\n- one\n- two\n\n```js\nconst a = 1 < 2;\n```',
      '<svg><text>hidden</text></svg> &amp; &lt; &#233; <a href="javascript:alert(1)">js</a>',
    ]) {
      const html = renderMarkdown(markdown);
      expect(plainText(html, true), markdown).toBe(plainText(html));
    }
  });
});

describe('excerpt', () => {
  it('returns short text unchanged', () => {
    expect(excerpt('Hello world', 11)).toBe('Hello world');
    expect(excerpt('Hello world', 50)).toBe('Hello world');
  });

  it('cuts at a word boundary and adds an ellipsis within the limit', () => {
    const out = excerpt('The quick brown fox jumps over the lazy dog', 20);
    expect(out).toBe('The quick brown fox…');
    expect(Array.from(out).length).toBeLessThanOrEqual(20);
  });

  it('does not leave a trailing comma or space before the ellipsis', () => {
    expect(excerpt('One, two, three, four', 10)).toBe('One, two…');
  });

  it('cuts a single overlong word hard', () => {
    expect(excerpt('Supercalifragilistic', 8)).toBe('Superca…');
  });

  it('counts emoji and other astral characters as one and never splits them', () => {
    expect(excerpt('🎉🎉🎉🎉🎉', 3)).toBe('🎉🎉…');
    expect(excerpt('Café déjà vu — 日本語 🎉 and more', 20)).toBe('Café déjà vu — 日本語…');
  });

  it('collapses whitespace first', () => {
    expect(excerpt('  a \n\n b  ', 10)).toBe('a b');
  });

  it('returns an empty string for a non-positive limit on long text', () => {
    expect(excerpt('abc', 0)).toBe('');
    expect(excerpt('abc', 1)).toBe('…');
  });
});
