import { describe, expect, it } from 'vitest';
import { endpointFromHtml, endpointFromLinkHeader } from './discovery.js';
import { decodeAttribute, linkElements, relTokens } from './html-links.js';

const hrefs = (html: string) => [...linkElements(html)].map((e) => `${e.tag}:${e.attrs.get('href') ?? '∅'}`);

describe('linkElements', () => {
  it('finds <a> and <link> start tags in document order, and no other element', () => {
    // "<link/href=…>": a solidus between attributes is skipped, as the tokenizer does.
    expect(hrefs('<abbr href="x"><area href="y"><LINK href=a><p><A HREF="b">b</A><link/href="c">')).toEqual([
      'link:a',
      'a:b',
      'link:c',
    ]);
  });

  it('reads attributes as the tokenizer does: unquoted, single-quoted, valueless, first one wins', () => {
    const [el] = [...linkElements(`<a rel = 'x y' href=/one?a=1 href="/two" download data-x>`)];
    expect(el!.attrs.get('rel')).toBe('x y');
    expect(el!.attrs.get('href')).toBe('/one?a=1');
    expect(el!.attrs.get('download')).toBe('');
    const [slashy] = [...linkElements('<a/href="/s"/rel=webmention/>')];
    expect(slashy!.attrs.get('href')).toBe('/s');
  });

  it('skips comments, doctype, processing instructions and CDATA', () => {
    expect(
      hrefs(
        '<!DOCTYPE html><?xml x="<a href=q>"?><![CDATA[ <a href=c> ]]><!-- <a href=d> --><!--><a href=e>',
      ),
    ).toEqual(['a:e']);
    // An unterminated comment runs to the end of the document.
    expect(hrefs('<a href=1><!-- <a href=2>')).toEqual(['a:1']);
  });

  it('treats raw-text elements as text up to their end tag, in any case, and template contents as outside', () => {
    expect(
      hrefs(
        '<script type="x"><a href=1></SCRIPT ><a href=2><title><a href=3></title>' +
          '<template><template><a href=4></template><a href=5></template><a href=6>' +
          '<scripts><a href=7>',
      ),
    ).toEqual(['a:2', 'a:6', 'a:7']);
    expect(hrefs('<style><a href=1>')).toEqual([]);
  });

  it('drops a tag cut off by the end of the document', () => {
    expect(hrefs('<a href=1><a href="2')).toEqual(['a:1']);
    expect(hrefs('<a href=1><link rel=webmention href=x')).toEqual(['a:1']);
  });

  it('stays linear on hostile input', () => {
    const started = Date.now();
    for (const piece of ['<!--', '<script>', '<a href="', '<a ', '<', '<!-- --', '<x y=', '</a ']) {
      expect([...linkElements(piece.repeat(200_000))].length).toBeLessThanOrEqual(200_000);
    }
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('decodeAttribute and relTokens', () => {
  it('decodes numeric and common named character references', () => {
    expect(decodeAttribute('/a?x=1&amp;y=&#50;&#x33;&lt;&copy;&unknown;&#0;')).toBe(
      '/a?x=1&y=23<&copy;&unknown;\ufffd',
    );
  });

  it('splits rel on any ASCII whitespace and lower-cases it', () => {
    expect(relTokens(new Map([['rel', ' WebMention\tme\nother ']]))).toEqual(['webmention', 'me', 'other']);
  });
});

describe('endpointFromHtml', () => {
  const base = 'https://target.example/posts/one?x=1#frag';
  it('resolves against the base and keeps the query; an empty href is the page itself', () => {
    expect(endpointFromHtml('<link rel="webmention" href="wm?a=b">', base)).toBe(
      'https://target.example/posts/wm?a=b',
    );
    expect(endpointFromHtml('<link rel="webmention" href="">', base)).toBe(
      'https://target.example/posts/one?x=1',
    );
  });

  it('passes over an element whose href is not an http(s) URL', () => {
    expect(
      endpointFromHtml(
        '<a rel=webmention href="javascript:alert(1)"><a rel=webmention href="mailto:x@y"><a rel=webmention href="/ok">',
        base,
      ),
    ).toBe('https://target.example/ok');
  });
});

describe('endpointFromLinkHeader', () => {
  const base = 'https://target.example/post';
  it('finds webmention among other rels, in any case, relative to the base', () => {
    expect(endpointFromLinkHeader('</a>; rel="other", </wm?x=1>; REL="me WebMention"', base)).toBe(
      'https://target.example/wm?x=1',
    );
    expect(endpointFromLinkHeader('<https://else.example/a,b>; rel=webmention', base)).toBe(
      'https://else.example/a,b',
    );
  });

  it('keeps a good value when another value of the header is malformed', () => {
    expect(endpointFromLinkHeader('garbage;;, </wm>; rel=webmention', base)).toBe(
      'https://target.example/wm',
    );
    expect(endpointFromLinkHeader('nonsense', base)).toBeUndefined();
    expect(endpointFromLinkHeader(null, base)).toBeUndefined();
  });
});
