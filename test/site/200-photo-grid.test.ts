/**
 * Issue 25 item 14: several photos on a note are a grid, each a link to the full-size file; one
 * photo stays the width of the text. (test/browser/public-daily.test.ts checks the layout drawn.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { photoLike } from '../helpers/images.js';
import { parseWithMf2py } from '../helpers/settings.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

async function upload(width: number, height: number, alt: string) {
  return t.app.services.media.saveUpload({ bytes: await photoLike(width, height).jpeg().toBuffer(), alt });
}

const photosBlock = (html: string) => /<div class="photos[^"]*">[\s\S]*?<\/div>/.exec(html)?.[0] ?? '';

describe('photos on a note', () => {
  it('three photos: a grid, the first across both columns, each a link to its full-size file, half-width sizes', async () => {
    const photos = [
      await upload(1600, 1200, 'One'),
      await upload(1200, 1600, 'Two'),
      await upload(1600, 900, 'Three'),
    ];
    t.notes.createNote({
      slug: 'three',
      content: 'Three photos.',
      photos: photos.map((p, i) => ({ url: p.url, alt: ['One', 'Two', 'Three'][i]! })),
    });
    for (const path of ['/notes/three', '/']) {
      const html = await (await t.get(path)).text();
      const block = photosBlock(html);
      expect(block.startsWith('<div class="photos photo-grid wide-first">'), path).toBe(true);
      const links = [...block.matchAll(/<a class="photo-link" href="([^"]+)"><img ([^>]+)\/><\/a>/g)];
      expect(links.map((m) => m[1])).toEqual(photos.map((p) => p.url));
      const sizes = links.map((m) => /sizes="([^"]+)"/.exec(m[2]!)?.[1]);
      expect(sizes).toEqual([
        '(min-width: 40rem) 38rem, calc(100vw - 2rem)',
        '(min-width: 40rem) 19rem, calc(50vw - 1.25rem)',
        '(min-width: 40rem) 19rem, calc(50vw - 1.25rem)',
      ]);
      for (const m of links) expect(m[2]).toMatch(/^class="u-photo" src="[^"]+" alt="(One|Two|Three)"/);
    }
    // Each link opens the full picture.
    expect((await t.get(photos[1]!.url)).headers.get('content-type')).toBe('image/jpeg');
    // Microformats still read every photo (this mf2py gives photos as plain URLs).
    const mf = parseWithMf2py(await (await t.get('/notes/three')).text(), 'http://example.test/notes/three');
    const entry = mf.items.find((i) => i.type.includes('h-entry'))!;
    expect(entry.properties.photo).toEqual(photos.map((p) => `http://example.test${p.url}`));
  });

  it('two and four photos: a plain grid of two columns', async () => {
    const a = await upload(800, 600, 'a');
    const b = await upload(800, 600, 'b');
    t.notes.createNote({
      slug: 'two',
      content: 'Two.',
      photos: [a, b].map((p) => ({ url: p.url, alt: '' })),
    });
    t.notes.createNote({
      slug: 'four',
      content: 'Four.',
      photos: [a, b, a, b].map((p) => ({ url: p.url, alt: '' })),
    });
    expect(photosBlock(await (await t.get('/notes/two')).text())).toMatch(
      /^<div class="photos photo-grid"><a class="photo-link"/,
    );
    expect(photosBlock(await (await t.get('/notes/four')).text()).match(/class="photo-link"/g)?.length).toBe(
      4,
    );
  });

  it('one photo stays the width of the text, no grid and no link around it', async () => {
    const p = await upload(1600, 1200, 'Alone');
    t.notes.createNote({ slug: 'one', content: 'One.', photos: [{ url: p.url, alt: 'Alone' }] });
    const block = photosBlock(await (await t.get('/notes/one')).text());
    expect(block).toMatch(/^<div class="photos"><img class="u-photo" src="[^"]+" alt="Alone"/);
    expect(block).not.toContain('photo-link');
    expect(block).toContain('sizes="(min-width: 40rem) 38rem, calc(100vw - 2rem)"');
  });

  it('the stylesheet lays the grid out in two columns, the odd first across both', async () => {
    const css = await (await t.get('/static/style.css')).text();
    expect(css).toMatch(/\.photo-grid \{\s*grid-template-columns: 1fr 1fr;/);
    expect(css).toMatch(/\.photo-grid\.wide-first \.photo-link:first-child \{\s*grid-column: 1 \/ -1;/);
  });
});

describe('a photo opened on its own', () => {
  it('is served with a policy that lets the browser style its image viewer and allows nothing else', async () => {
    const p = await t.app.services.media.saveUpload({
      bytes: await photoLike(800, 600).jpeg().toBuffer(),
      alt: '',
    });
    const res = await t.get(p.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // Pages keep their own policy.
    expect((await t.get('/')).headers.get('content-security-policy')).toContain("style-src 'self'");
  });
});
