import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
const URL_PATH = '/media/2026/11/pic.png';
beforeEach(() => {
  t = createTestApp();
  mkdirSync(join(t.config.mediaPath, '2026', '11'), { recursive: true });
  writeFileSync(join(t.config.mediaPath, '2026', '11', 'pic.png'), Buffer.from('not really a png'));
});
afterEach(() => t.close());

describe('conditional GET /media/*', () => {
  it('answers 304 without a body to a matching If-None-Match, keeping the caching headers', async () => {
    const etag = (await t.get(URL_PATH)).headers.get('etag')!;
    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await t.get(URL_PATH, { 'If-None-Match': inm });
      expect(res.status).toBe(304);
      expect(await res.text()).toBe('');
      expect(res.headers.get('etag')).toBe(etag);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
  });

  it('answers 304 to If-Modified-Since at or after the file time, 200 before it', async () => {
    const lastModified = (await t.get(URL_PATH)).headers.get('last-modified')!;
    expect((await t.get(URL_PATH, { 'If-Modified-Since': lastModified })).status).toBe(304);
    const earlier = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    expect((await t.get(URL_PATH, { 'If-Modified-Since': earlier })).status).toBe(200);
  });

  it('answers 200 with the new ETag once the file changed', async () => {
    const etag = (await t.get(URL_PATH)).headers.get('etag')!;
    const path = join(t.config.mediaPath, '2026', '11', 'pic.png');
    writeFileSync(path, Buffer.from('a different body'));
    utimesSync(path, new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));
    const res = await t.get(URL_PATH, { 'If-None-Match': etag });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).not.toBe(etag);
    expect(await res.text()).toBe('a different body');
  });
});
