/**
 * Sending survives a SIGKILL: a process killed in the middle of a send leaves that send leased;
 * once the lease expires another process sends it again (its outcome was never known), sends the
 * ones not yet started once, and sends nothing that had already been answered again.
 */

import { spawn } from 'node:child_process';
import type http from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAN_JOB, SEND_JOB } from '../../src/webmention/sender.js';
import { createTestApp } from '../helpers/app.js';
import { startReceiver } from './receiver.js';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
let rx: Receiver;
let hang = true;
const held: http.ServerResponse[] = [];
let onHang: () => void = () => {};

beforeAll(async () => {
  rx = await startReceiver((name, _req, res) => {
    if (name !== 'b' || !hang) return false;
    held.push(res);
    onHang();
    return true;
  });
});
afterAll(async () => {
  for (const res of held) res.destroy();
  await rx.close();
});

describe('the send queue and SIGKILL', () => {
  it('a send cut off by SIGKILL is sent again after its lease expires; nothing else twice, nothing forgotten', async () => {
    const start = '2026-11-27T12:00:00.000Z';
    const t = createTestApp({ ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' }, start, { safeFetch: true });
    try {
      const note = t.notes.createNote({
        content: `[a](${rx.page('a')}) [b](${rx.page('b')}) [c](${rx.page('c')})`,
      });
      // node itself with tsx's loader: the SIGKILL must reach the process that sends (the tsx
      // command would leave its child running).
      const loader = pathToFileURL(
        join(import.meta.dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'loader.mjs'),
      ).href;
      const child = spawn(
        process.execPath,
        [
          '--import',
          loader,
          join(import.meta.dirname, 'send-worker.ts'),
          t.config.databasePath,
          t.config.notesPath,
          t.config.siteUrl,
          start,
          '1000',
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise((r) => child.once('exit', r));
      // The worker plans, sends to a, then hangs on b: killed while b's POST is in flight.
      await new Promise<void>((resolve, reject) => {
        onHang = resolve;
        child.once('exit', () => reject(new Error('the worker exited before reaching b')));
      });
      child.kill('SIGKILL');
      await exited;
      expect(rx.received.map((r) => r.page)).toEqual(['a', 'b']);

      const list = () => t.app.services.webmentionsSent.listForNote(note.id);
      expect(list().map((r) => [r.target.split('/').pop(), r.outcome, r.job?.state])).toEqual([
        ['a', 'sent', 'done'],
        ['b', null, 'running'],
        ['c', null, 'queued'],
      ]);

      // Another process: c is due at once; b only once the dead worker's lease has expired.
      hang = false;
      const runner = t.app.services.runner;
      // Only the Webmention kinds: where ActivityPub runs (Node.js 22+) the note also queued its
      // delivery, which is not what this test counts.
      const drain = () => runner.drain([PLAN_JOB, SEND_JOB]);
      expect(await drain()).toBe(1);
      expect(rx.received.map((r) => r.page)).toEqual(['a', 'b', 'c']);
      t.clock.advance(1001);
      expect(await drain()).toBe(1);
      expect(await drain()).toBe(0);
      expect(rx.received.map((r) => r.page)).toEqual(['a', 'b', 'c', 'b']);
      expect(
        list().map((r) => [r.target.split('/').pop(), r.outcome, r.job?.state, r.job?.attempts]),
      ).toEqual([
        ['a', 'sent', 'done', 1],
        ['b', 'sent', 'done', 2],
        ['c', 'sent', 'done', 1],
      ]);
    } finally {
      t.close();
    }
  }, 30_000);
});
