import { XMLValidator } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { photoLike } from '../helpers/images.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
  t.notes.createNote({ content: 'The first note', tags: ['one'] });
  t.clock.advance(60_000);
  t.notes.createNote({
    content: 'The second note',
    name: 'Second',
    photos: [{ url: '/media/2026/11/p.jpg', alt: 'pic' }],
  });
  t.clock.advance(60_000);
  t.notes.createNote({ content: 'The third <note> & "quotes"' });
});
afterEach(() => t.close());

/** Item identifiers in document order, whatever the format. */
async function order(path: string): Promise<string[]> {
  const body = await (await t.get(path)).text();
  if (path.endsWith('.json')) return (JSON.parse(body) as { items: { id: string }[] }).items.map((i) => i.id);
  const tag = path.endsWith('.atom')
    ? /<entry>[\s\S]*?<id>([^<]+)<\/id>/g
    : /<item>[\s\S]*?<link>([^<]+)<\/link>/g;
  return [...body.matchAll(tag)].map((m) => m[1]!);
}

const FORMATS = [
  ['/feed.rss', 'application/rss+xml; charset=utf-8'],
  ['/feed.atom', 'application/atom+xml; charset=utf-8'],
  ['/feed.json', 'application/feed+json; charset=utf-8'],
] as const;

describe.each(FORMATS)('%s', (path, type) => {
  it('has the right content type, is well-formed, and lists notes newest first', async () => {
    const res = await t.get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    const body = await res.text();
    if (path.endsWith('.json')) expect(() => JSON.parse(body)).not.toThrow();
    else expect(XMLValidator.validate(body)).toBe(true);
    const ids = await order(path);
    expect(ids).toHaveLength(3);
    expect(ids[0]).toMatch(/the-third/);
    expect(ids[2]).toMatch(/the-first-note/);
    // Links are absolute; the relative photo URL became absolute too.
    expect(body).toContain('http://example.test/media/2026/11/p.jpg');
    expect(body).not.toContain('"/media/');
  });

  it('answers 304 to If-None-Match and to If-Modified-Since, and changes ETag when a note changes', async () => {
    const first = await t.get(path);
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    expect(etag).toMatch(/^W\/"/);
    expect((await t.get(path, { 'If-None-Match': etag })).status).toBe(304);
    expect((await t.get(path, { 'If-Modified-Since': lastModified })).status).toBe(304);
    t.clock.advance(60_000);
    t.notes.createNote({ content: 'A fourth one' });
    const changed = await t.get(path, { 'If-None-Match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });
});

describe('GET /feed', () => {
  it('chooses the format by Accept, RSS by default, 406 for what it cannot serve', async () => {
    expect((await t.get('/feed')).headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    expect((await t.get('/feed', { Accept: 'application/atom+xml' })).headers.get('content-type')).toContain(
      'atom',
    );
    expect(
      (await t.get('/feed', { Accept: 'application/feed+json, */*;q=0.1' })).headers.get('content-type'),
    ).toContain('feed+json');
    const refused = await t.get('/feed', { Accept: 'image/png' });
    expect(refused.status).toBe(406);
    expect((await t.get('/feed')).headers.get('vary')).toBe('Accept');
  });

  it('keeps the legacy /feed.xml (RSS) and serves /opml.xml', async () => {
    const legacy = await t.get('/feed.xml');
    expect(legacy.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    const opml = await t.get('/opml.xml');
    expect(opml.status).toBe(200);
    const body = await opml.text();
    expect(XMLValidator.validate(body)).toBe(true);
    expect(body).toContain('xmlUrl="http://example.test/feed.rss"');
  });
});

describe('RSS and Atom by the W3C validator’s rules', () => {
  it('uses RFC 822 dates in RSS and RFC 3339 in Atom, with self links and ids', async () => {
    const rss = await (await t.get('/feed.rss')).text();
    for (const m of rss.matchAll(/<pubDate>([^<]+)<\/pubDate>/g)) {
      expect(m[1]).toMatch(
        /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/,
      );
    }
    expect(rss).toContain(
      '<atom:link href="http://example.test/feed.rss" rel="self" type="application/rss+xml"',
    );
    expect(rss).toMatch(/<guid isPermaLink="true">http:\/\/example\.test\/notes\//);
    const atom = await (await t.get('/feed.atom')).text();
    for (const m of atom.matchAll(/<(published|updated)>([^<]+)<\/\1>/g)) {
      expect(m[2]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    }
    expect(atom).toMatch(
      /<link[^>]+rel="self"[^>]+href="http:\/\/example\.test\/feed\.atom"|<link[^>]+href="http:\/\/example\.test\/feed\.atom"[^>]+rel="self"/,
    );
    // Escaped, never raw markup inside XML text.
    expect(atom).not.toContain('<note>');
    expect(rss).not.toContain('<note>');
  });
});

describe('photos and links in the feeds (issue #16, item 12)', () => {
  it('give the real byte size, show the photos in the content, and make every content URL absolute', async () => {
    const item = await t.app.services.media.saveUpload({
      bytes: await photoLike(1600, 1200).jpeg().toBuffer(),
      alt: 'A loom',
    });
    t.clock.advance(60_000);
    // A Micropub client sends the absolute URL the media endpoint gave it.
    t.notes.createNote({
      slug: 'with-photo',
      content: 'A claim[^1] and [another note](/notes/other).\n\n[^1]: The source.',
      photos: [{ url: `http://example.test${item.url}`, alt: 'A loom' }],
    });
    const note = 'http://example.test/notes/with-photo';
    const medium = `http://example.test${item.variants.medium}`;

    const rss = await (await t.get('/feed.rss')).text();
    expect(XMLValidator.validate(rss)).toBe(true);
    const rssItem = /<item>[\s\S]*?<\/item>/.exec(rss)![0];
    expect(rssItem).toContain(
      `<enclosure url="http://example.test${item.url}" length="${item.size}" type="image/jpeg"/>`,
    );
    expect(item.size).toBeGreaterThan(0);

    const atom = await (await t.get('/feed.atom')).text();
    expect(atom).toContain(`href="http://example.test${item.url}" length="${item.size}" title="A loom"`);

    const json = JSON.parse(await (await t.get('/feed.json')).text()) as {
      items: { content_html: string; attachments: { size_in_bytes: number; mime_type: string }[] }[];
    };
    const first = json.items[0]!;
    expect(first.attachments).toEqual([
      {
        url: `http://example.test${item.url}`,
        mime_type: 'image/jpeg',
        title: 'A loom',
        size_in_bytes: item.size,
      },
    ]);
    const html = first.content_html;
    // The photo in the content, as the medium copy with its size.
    expect(html).toContain(`<p><img src="${medium}" alt="A loom" width="1280" height="960" /></p>`);
    // Footnote links and site-relative links are absolute, against the note's own address.
    expect(html).toContain(`href="${note}#fn1"`);
    expect(html).toContain(`href="${note}#fnref1"`);
    expect(html).toContain('href="http://example.test/notes/other"');
    const tags = [...html.matchAll(/<[a-z][^<>]*>/g)].map((m) => m[0]).join('');
    for (const [, url] of tags.matchAll(/\s(?:href|src|cite)="([^"]*)"/g))
      expect(url).toMatch(/^https?:\/\//);
    // The same content in the XML feeds (escaped once).
    expect(rssItem).toContain(`href=&quot;${note}#fn1&quot;`);
    expect(atom).toContain(`src=&quot;${medium}&quot;`);
  });
});
