import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
  mkdirSync(join(t.config.mediaPath, '2026', '11'), { recursive: true });
  writeFileSync(join(t.config.mediaPath, '2026', '11', 'ok.png'), 'fine');
  writeFileSync(join(t.dir, 'secret.txt'), 'TOP SECRET');
});
afterEach(() => t.close());

/** Asserts a 404 page that leaks nothing. */
async function expectNotFound(path: string): Promise<void> {
  const res = await t.get(path);
  const body = await res.text();
  expect({ path, status: res.status }).toEqual({ path, status: 404 });
  expect(body).not.toContain('TOP SECRET');
  expect(body).not.toContain('SQLite format');
}

describe('GET /media/* refuses anything outside MEDIA_PATH or not a regular file', () => {
  it('serves the control file, so the refusals below are not an accident', async () => {
    expect((await t.get('/media/2026/11/ok.png')).status).toBe(200);
  });

  it.each([
    '/media/../secret.txt',
    '/media/%2e%2e/secret.txt',
    '/media/%2E%2E/starpunk.db',
    '/media/..%2fsecret.txt',
    '/media/%2e%2e%2fsecret.txt',
    '/media/2026/..%2f..%2fsecret.txt',
    '/media/..%5csecret.txt',
    '/media/2026%5c11%5cok.png',
    '/media/2026/11/ok.png%00',
    '/media/2026/11/ok.png%00.jpg',
    '/media/%00',
    '/media/%ZZ',
    '/media/2026/11/%2fetc%2fpasswd',
    '/media/%2Fetc%2Fpasswd',
    '/media/',
    '/media/2026',
    '/media/2026/11/',
    '/media/2026//11/ok.png',
    '/media/2026/11/missing.png',
    `/media/${'a'.repeat(5000)}.png`,
  ])('%s → 404', async (path) => {
    await expectNotFound(path);
  });

  it('never serves dot files (the temp files of writes in progress)', async () => {
    writeFileSync(join(t.config.mediaPath, '2026', '11', '.ok.png.123.tmp'), 'half written');
    await expectNotFound('/media/2026/11/.ok.png.123.tmp');
  });

  it('refuses a symbolic link that leads out of MEDIA_PATH, follows one that stays inside', async () => {
    symlinkSync(join(t.dir, 'secret.txt'), join(t.config.mediaPath, '2026', '11', 'leak.png'));
    symlinkSync(t.dir, join(t.config.mediaPath, 'up'));
    symlinkSync(
      join(t.config.mediaPath, '2026', '11', 'ok.png'),
      join(t.config.mediaPath, '2026', '11', 'alias.png'),
    );
    await expectNotFound('/media/2026/11/leak.png');
    await expectNotFound('/media/up/secret.txt');
    expect((await t.get('/media/2026/11/alias.png')).status).toBe(200);
  });

  it('answers 404 for a FIFO without hanging', async () => {
    execFileSync('mkfifo', [join(t.config.mediaPath, '2026', '11', 'pipe.png')]);
    await expectNotFound('/media/2026/11/pipe.png');
  });

  it('answers 404 when MEDIA_PATH does not exist yet', async () => {
    rmSync(t.config.mediaPath, { recursive: true });
    await expectNotFound('/media/2026/11/ok.png');
  });

  it('over a real socket, raw dot segments and backslashes never reach a file', async () => {
    const server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const raw = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => {
            body += chunk.toString('latin1');
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      for (const path of [
        '/media/../secret.txt',
        '/media/2026/../../secret.txt',
        '/media/%2e%2e/secret.txt',
        '/media/.%2e/starpunk.db',
        '/media/..%2fsecret.txt',
        '/media/..\\secret.txt',
        '/media/2026/11/ok.png%00',
      ]) {
        const { status, body } = await raw(path);
        // The server itself answers 400 to a raw backslash; everything else reaches the route.
        expect({ path, ok: status === 404 || (status === 400 && path.includes('\\')) }).toEqual({
          path,
          ok: true,
        });
        expect(body).not.toContain('TOP SECRET');
        expect(body).not.toContain('SQLite format');
      }
      expect((await raw('/media/2026/11/ok.png')).status).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
