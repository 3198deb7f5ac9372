import { describe, expect, it } from 'vitest';
import { htmlToMarkdown } from './markdown.js';

describe('htmlToMarkdown', () => {
  it('keeps headings, emphasis, links, lists and code', () => {
    const md = htmlToMarkdown(
      '<h2>Title</h2><p>Some <strong>bold</strong> and <em>italic</em> with <a href="https://example.com/">a link</a>.</p><ul><li>one</li><li>two</li></ul><pre><code>let x = 1;</code></pre>',
    );
    expect(md).toContain('## Title');
    expect(md).toContain('**bold**');
    expect(md).toContain('_italic_');
    expect(md).toContain('[a link](https://example.com/)');
    expect(md).toMatch(/^- +one$/m);
    expect(md).toContain('```\nlet x = 1;\n```');
  });
  it('turns tables and strikethrough into GFM', () => {
    const md = htmlToMarkdown(
      '<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table><p><del>gone</del></p>',
    );
    expect(md).toContain('| a | b |');
    expect(md).toContain('~~gone~~');
  });
  it('drops scripts and turns frames into links', () => {
    const md = htmlToMarkdown(
      '<p>x</p><script>alert(1)</script><iframe src="https://video.example/v/1"></iframe>',
    );
    expect(md).not.toContain('alert');
    expect(md).toContain('<https://video.example/v/1>');
  });
  it('keeps text that looks like a tag as text', () => {
    const md = htmlToMarkdown('<p>Write &lt;b&gt;bold&lt;/b&gt; and &lt;!-- this --&gt;, 5 &lt; 6.</p>');
    expect(md).toBe('Write \\<b>bold\\</b> and \\<!-- this -->, 5 < 6.');
  });
});
