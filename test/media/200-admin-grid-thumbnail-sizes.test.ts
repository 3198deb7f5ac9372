/**
 * Issue #16, item 11: the media library's grid shows each thumbnail with the thumbnail's own size,
 * not the 2560 px original's.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { photoLike } from '../helpers/images.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

describe('GET /admin/media', () => {
  it('gives each thumbnail its true width and height', async () => {
    const media = t.app.services.media;
    const big = await media.saveUpload({ bytes: await photoLike(3000, 2000).jpeg().toBuffer(), alt: 'big' });
    const small = await media.saveUpload({
      bytes: await photoLike(300, 200).jpeg().toBuffer(),
      alt: 'small',
    });
    const admin = await signIn(t);
    const html = await (await t.get('/admin/media', { Cookie: admin.cookie })).text();
    const images = [...html.matchAll(/<img\b[^>]*>/g)].map((m) => m[0]);
    const bigTag = images.find((tag) => tag.includes('alt="big"'))!;
    expect(bigTag).toContain(`src="${big.variants.thumb}"`);
    expect(bigTag).toMatch(/ width="400" height="267"/);
    expect(big.width).toBe(2560);
    // Too small for a thumbnail: the file itself, at its own size.
    const smallTag = images.find((tag) => tag.includes('alt="small"'))!;
    expect(smallTag).toContain(`src="${small.url}"`);
    expect(smallTag).toMatch(/ width="300" height="200"/);
  });
});
