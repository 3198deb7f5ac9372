import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMediaService, type MediaItem } from '../../src/media/service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let item: MediaItem;
beforeEach(async () => {
  t = createTestApp();
  const media = createMediaService({ db: t.db, mediaPath: t.config.mediaPath, clock: t.clock });
  const jpeg = await sharp({ create: { width: 1600, height: 900, channels: 3, background: 'teal' } })
    .jpeg()
    .toBuffer();
  item = await media.saveUpload({ bytes: jpeg, originalName: 'teal.jpg' });
});
afterEach(() => t.close());

/** Puts a file straight into MEDIA_PATH. */
function place(rel: string, bytes: Buffer): void {
  mkdirSync(join(t.config.mediaPath, rel, '..'), { recursive: true });
  writeFileSync(join(t.config.mediaPath, rel), bytes);
}

describe('GET /media/*', () => {
  it('serves an uploaded image with its exact type, long-lived caching, validators and length', async () => {
    const res = await t.get(item.url);
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(readFileSync(join(t.config.mediaPath, item.filePath)))).toBe(true);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-length')).toBe(String(item.size));
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(res.headers.get('last-modified')).toMatch(/GMT$/);
    expect(res.headers.get('content-disposition')).toBeNull();
  });

  it('serves the variants beside the main file', async () => {
    for (const url of [item.variants.thumb!, item.variants.medium!]) {
      const res = await t.get(url);
      expect(res.status).toBe(200);
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect(meta.format).toBe('jpeg');
    }
  });

  it('answers HEAD with the same headers and no body', async () => {
    const res = await t.app.request(`http://example.test${item.url}`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('content-length')).toBe(String(item.size));
    expect(res.headers.get('etag')).toBe((await t.get(item.url)).headers.get('etag'));
    expect(await res.text()).toBe('');
  });

  it.each([
    ['a.jpg', 'image/jpeg'],
    ['b.JPEG', 'image/jpeg'],
    ['c.png', 'image/png'],
    ['d.gif', 'image/gif'],
    ['e.webp', 'image/webp'],
    ['f.avif', 'image/avif'],
  ])('maps %s to %s', async (name, type) => {
    place(`2026/11/${name}`, Buffer.from('bytes'));
    const res = await t.get(`/media/2026/11/${name}`);
    expect([res.status, res.headers.get('content-type'), res.headers.get('content-disposition')]).toEqual([
      200,
      type,
      null,
    ]);
  });

  it('sends any other file as an attachment of type application/octet-stream', async () => {
    for (const name of ['page.html', 'image.svg', 'noextension']) {
      place(`2026/11/${name}`, Buffer.from('<script>alert(1)</script>'));
      const res = await t.get(`/media/2026/11/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('content-disposition')).toBe('attachment');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('streams a large file intact', async () => {
    const big = randomBytes(6 * 1024 * 1024 + 123);
    place('2026/11/big.png', big);
    const res = await t.get('/media/2026/11/big.png');
    expect(res.headers.get('content-length')).toBe(String(big.length));
    expect(res.body).toBeInstanceOf(ReadableStream);
    expect(Buffer.from(await res.arrayBuffer()).equals(big)).toBe(true);
  });

  it('serves names that need percent-encoding', async () => {
    place('2026/11/caf\u00e9 1.png', Buffer.from('x'));
    expect((await t.get('/media/2026/11/caf%C3%A9%201.png')).status).toBe(200);
  });
});
