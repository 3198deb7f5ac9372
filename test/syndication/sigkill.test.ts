/**
 * A copy is never posted twice after a crash: a worker killed (SIGKILL) after Mastodon created the
 * status but before the answer was recorded leaves the job leased; once the lease expires another
 * process runs it again with the same Idempotency-Key, and the server hands back the same status.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installationId } from '../../src/db/store/installation.js';
import { createMastodonAdapter } from '../../src/syndication/mastodon/adapter.js';
import { signIn } from '../helpers/admin.js';
import { createTestApp } from '../helpers/app.js';
import { connectMastodon, type FakeMastodon, startFakeMastodon } from '../helpers/mastodon.js';

let masto: FakeMastodon | undefined;
afterEach(async () => {
  await masto?.close();
});

describe('syndication and SIGKILL', () => {
  it('a post cut off by SIGKILL after the remote accepted it is not posted a second time', async () => {
    masto = await startFakeMastodon();
    const start = '2026-11-27T12:00:00.000Z';
    const t = createTestApp({}, start);
    try {
      const admin = await signIn(t);
      expect((await connectMastodon(t, admin, masto)).status).toBe(303);
      const syndication = t.app.services.syndication;
      syndication.register(createMastodonAdapter({ fetch: globalThis.fetch, pollMs: 5 }));
      const account = syndication.listAccounts()[0]!;
      const note = t.notes.createNote({ content: 'Posted exactly once' });
      syndication.request(note.id, [account.id]);

      const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
      const child = spawn(
        tsx,
        [
          join(import.meta.dirname, 'syndicate-worker.ts'),
          t.config.databasePath,
          t.config.notesPath,
          t.config.mediaPath,
          t.config.siteUrl,
          start,
          '1000',
          'test-secret-test-secret-test-secret',
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise((r) => child.once('exit', r));
      // The server creates the status and holds its answer: the worker dies waiting for it.
      await new Promise<void>((resolve, reject) => {
        masto!.control.onHoldCreate = resolve;
        child.once('exit', () => reject(new Error('the worker exited before posting')));
      });
      child.kill('SIGKILL');
      await exited;
      expect(masto.statuses.size).toBe(1);
      expect(syndication.copiesForNote(note.id)[0]!.job!.state).toBe('running');

      // Another process, once the dead worker's lease has expired.
      const runner = t.app.services.runner;
      await runner.drain();
      expect(syndication.copiesForNote(note.id)[0]!.state).toBe('queued');
      t.clock.advance(1001);
      await runner.drain();
      const posts = masto.requests('POST', '/api/v1/statuses');
      expect(posts).toHaveLength(2);
      const key = `syndicate:${installationId(t.db)}:${note.id}:${account.id}`;
      expect(posts.map((p) => p.headers['idempotency-key'])).toEqual([key, key]);
      expect(masto.statuses.size).toBe(1);
      const copy = syndication.copiesForNote(note.id)[0]!;
      expect(copy.state).toBe('posted');
      expect(copy.url).toBe(`${masto.url}@ada/${[...masto.statuses.keys()][0]}`);
      expect(copy.job!.attempts).toBe(2);
    } finally {
      t.close();
    }
  }, 30_000);
});
