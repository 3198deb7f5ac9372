/**
 * Memory under a burst of oversized unauthenticated requests (#13 HIGH 2). The audit saw one
 * 400 MB POST /auth/revoke take the process from 878 MB to 2.4 GB, and twenty 29 MB multipart posts
 * to /micropub/media (all answered 401) take it from 111 to 723 MB.
 *
 * Here a real `starpunk serve` gets FAULT_BODY_REQUESTS (default 20) concurrent requests per
 * endpoint — /micropub/media, /micropub, /auth/revoke, /auth/token — each pushing a 30 MB body as
 * fast as the server takes it, half with a declared Content-Length and half chunked. Its resident
 * memory (VmRSS sampled from /proc while the burst runs, and VmHWM) may grow by at most 96 MB over
 * what it was before (see BOUND_BYTES). Not a timing test: nothing here is measured in seconds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, startStarpunk } from './harness.js';

const REQUESTS = Number(process.env.FAULT_BODY_REQUESTS ?? 20);
const BODY_BYTES = 30 * 1024 * 1024;
// After a refusal the server still discards what the client keeps sending, for up to 500 ms
// (@hono/node-server's lingering close, so that the client reads the answer rather than a reset).
// Those discarded buffers are garbage V8 collects once some 64 MB of them piled up: growth below
// that is garbage awaiting collection, not bodies held. Before the fix this burst cost +1.7 GB.
const BOUND_BYTES = 96 * 1024 * 1024;
const MB = 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'starpunk-bodies-'));
afterAll(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM). */
function procBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** Resets the kernel's peak-RSS counter (VmHWM) of a process we own; false when not allowed. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends the head, then pushes a body of `size` bytes (chunked or with Content-Length) as fast as
 * the socket drains, until the server answers or hangs up. Resolves with the status code, or 0.
 */
function push(port: number, path: string, type: string, chunked: boolean, size: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let status = 0;
    let got = '';
    let sent = 0;
    let finished = false;
    const block = Buffer.alloc(256 * 1024, 'a');
    const finish = () => {
      if (finished) return;
      finished = true;
      socket.destroy();
      resolve(status);
    };
    const pump = () => {
      while (!finished && sent < size) {
        const n = Math.min(block.length, size - sent);
        const piece = block.subarray(0, n);
        sent += n;
        const data = chunked
          ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
          : piece;
        if (!socket.write(data)) return socket.once('drain', pump);
      }
      if (chunked && sent >= size && !finished) socket.write('0\r\n\r\n');
    };
    socket.on('connect', () => {
      const length = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${size}`;
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: starpunk.test\r\nContent-Type: ${type}\r\n${length}\r\n\r\n`,
      );
      pump();
    });
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (m) {
        status = Number(m[1]);
        finish();
      }
    });
    // A reset while pushing is the server refusing the rest: only the status matters.
    socket.on('error', finish);
    socket.on('close', finish);
  });
}

describe('oversized unauthenticated bodies', () => {
  it(`${REQUESTS} concurrent 30 MB requests per endpoint leave resident memory within +${BOUND_BYTES / MB} MB`, async () => {
    const server = await startStarpunk({ DATA_PATH: dir });
    const pid = server.child.pid!;
    const port = Number(new URL(server.url).port);
    // Warm up every path once, so code loaded on first use is not counted as growth.
    for (const path of ['/micropub/media', '/micropub', '/auth/revoke', '/auth/token']) {
      await push(port, path, 'application/x-www-form-urlencoded', false, 100);
    }
    const before = procBytes(pid, 'VmRSS');
    const hwmReset = resetPeak(pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, procBytes(pid, 'VmRSS'));
    }, 10);
    const multipart = 'multipart/form-data; boundary=xyz';
    const form = 'application/x-www-form-urlencoded';
    const targets: [string, string][] = [
      ['/micropub/media', multipart],
      ['/micropub', multipart],
      ['/auth/revoke', form],
      ['/auth/token', form],
    ];
    const statuses = await Promise.all(
      targets.flatMap(([path, type]) =>
        Array.from({ length: REQUESTS }, (_, i) =>
          push(port, path, type, i % 2 === 1, BODY_BYTES).then((s) => [path, s] as const),
        ),
      ),
    );
    clearInterval(sampler);
    peak = Math.max(peak, procBytes(pid, 'VmRSS'));
    if (hwmReset) peak = Math.max(peak, procBytes(pid, 'VmHWM'));
    const growth = peak - before;
    console.log(
      `resident memory: ${(before / MB).toFixed(1)} MB before, peak ${(peak / MB).toFixed(1)} MB ` +
        `(+${(growth / MB).toFixed(1)} MB) over ${statuses.length} requests; VmHWM reset: ${hwmReset}`,
    );
    for (const [path, s] of statuses) expect([401, 413], path).toContain(s);
    expect(growth).toBeLessThan(BOUND_BYTES);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    await server.stop();
  }, 180_000);
});
