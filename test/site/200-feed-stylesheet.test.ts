import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
  t.notes.createNote({ slug: 'one', name: 'First', content: 'Hello' });
});
afterEach(() => t.close());

const PI = '<?xml-stylesheet type="text/xsl" href="/static/feed.xsl"?>';

describe('feeds carry a stylesheet for browsers, and stay feeds for readers', () => {
  for (const [path, type, root] of [
    ['/feed.rss', 'application/rss+xml', 'rss'],
    ['/feed.atom', 'application/atom+xml', 'feed'],
  ] as const) {
    it(`${path}: the processing instruction follows the XML declaration; type and document unchanged`, async () => {
      const res = await t.get(path, { Accept: type });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(res.headers.get('vary')).toContain('Accept');
      const body = await res.text();
      const [decl, pi] = body.split('\n');
      expect(decl).toBe('<?xml version="1.0" encoding="UTF-8"?>');
      expect(pi).toBe(PI);
      expect(XMLValidator.validate(body)).toBe(true);
      expect(Object.keys(new XMLParser().parse(body))).toContain(root);
      // A feed reader that sends no Accept, or */*, gets the feed's own type too.
      for (const accept of [undefined, '*/*']) {
        const reader = await t.get(path, accept ? { Accept: accept } : {});
        expect(reader.headers.get('content-type')).toContain(type);
        expect(await reader.text()).toBe(body);
      }
      // A browser's navigation gets the same bytes as generic XML, so that it applies the stylesheet.
      const browser = await t.get(path, {
        Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
      });
      expect(browser.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      expect(await browser.text()).toBe(body);
      // A reader that names its feed type next to HTML is a reader.
      const mixed = await t.get(path, { Accept: `${type}, text/html;q=0.5` });
      expect(mixed.headers.get('content-type')).toContain(type);
    });
  }

  it('the JSON feed has no stylesheet', async () => {
    expect(await (await t.get('/feed.json')).text()).not.toContain('xml-stylesheet');
  });

  it('/static/feed.xsl is a well-formed XSLT stylesheet served as text/xsl', async () => {
    const res = await t.get('/static/feed.xsl');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/xsl');
    const xsl = await res.text();
    expect(XMLValidator.validate(xsl)).toBe(true);
    expect(xsl).toContain('xmlns:xsl="http://www.w3.org/1999/XSL/Transform"');
  });
});
