/**
 * Black box: a real `starpunk serve` sends the Webmention of a reply posted through Micropub on
 * its own (its job runner, woken by the write), and reaches a loopback receiver only because
 * ALLOWED_PRIVATE_ADDRESSES allows it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../helpers/spawn-server.js';
import { startReceiver } from './receiver.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
let rx: Receiver;
let dir: string;
const servers: RunningServer[] = [];

beforeAll(async () => {
  rx = await startReceiver();
  dir = mkdtempSync(join(tmpdir(), 'starpunk-wm-serve-'));
});
afterAll(async () => {
  for (const s of servers) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
  await rx.close();
  rmSync(dir, { recursive: true, force: true });
});

async function serve(env: Record<string, string>): Promise<{ url: string; token: string }> {
  const base = { DATA_PATH: dir, SITE_URL: 'http://blog.example/', LOG_LEVEL: 'error' };
  const { stdout } = await run(
    TSX,
    [
      join(ROOT, 'src', 'main.ts'),
      'token',
      'create',
      '--scope',
      'create',
      '--client-id',
      'https://app.example/',
    ],
    { env: { ...process.env, ...base } },
  );
  const server = await startServer({ ...base, LOG_LEVEL: 'info', ...env });
  servers.push(server);
  return { url: server.url, token: stdout.trim() };
}

async function reply(url: string, token: string, to: string): Promise<string> {
  const res = await fetch(`${url}/micropub`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: ['h-entry'], properties: { content: ['Indeed.'], 'in-reply-to': [to] } }),
  });
  expect(res.status).toBe(201);
  return res.headers.get('location')!;
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('starpunk serve sends Webmentions', () => {
  it('a Micropub reply is sent to its in-reply-to at once; without the allowance, loopback is refused', async () => {
    const refused = await serve({});
    await reply(refused.url, refused.token, rx.page('refused'));
    // Give the runner time to try; nothing may arrive.
    await new Promise((r) => setTimeout(r, 1500));
    expect(rx.received).toEqual([]);
    servers[0]!.child.kill('SIGTERM');
    await servers[0]!.exited;
    servers.length = 0;

    const allowed = await serve({ ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' });
    const location = await reply(allowed.url, allowed.token, rx.page('allowed'));
    expect(await waitFor(() => rx.received.length > 0, 10_000)).toBe(true);
    expect(rx.received).toEqual([
      {
        page: 'allowed',
        path: '/wm/allowed',
        source: location,
        target: rx.page('allowed'),
        contentType: 'application/x-www-form-urlencoded',
      },
    ]);
  }, 60_000);
});
