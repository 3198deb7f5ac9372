/**
 * The persistent job queue: idempotent enqueue, due order, leases that expire when a process dies
 * (SIGKILL), backoff with jitter and Retry-After, permanent failures kept for the admin to retry,
 * and a runner that bounds concurrency and time.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fixedClock, systemClock } from '../../src/clock.js';
import { runMigrations } from '../../src/db/migrate.js';
import { type Db, openDatabase } from '../../src/db/open.js';
import {
  backoffMs,
  createJobQueue,
  createJobRunner,
  type Job,
  JobError,
  jobKind,
} from '../../src/jobs/queue.js';

const ANY = z.unknown();

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function database(): { db: Db; dbPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'starpunk-jobs-'));
  const dbPath = join(dir, 'starpunk.db');
  runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
  const db = openDatabase(dbPath);
  cleanups.push(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, dbPath };
}

describe('the job queue', () => {
  it('adds a job once per idempotency key and leases due jobs oldest first', () => {
    const { db } = database();
    const clock = fixedClock('2026-12-01T10:00:00.000Z');
    const q = createJobQueue({ db, clock });
    const a = q.enqueue('send', { to: 'a' }, { key: 'send:a' });
    const again = q.enqueue('send', { to: 'other payload' }, { key: 'send:a' });
    expect(again.id).toBe(a.id);
    expect(again.payload).toEqual({ to: 'a' });
    q.enqueue('send', { to: 'later' }, { runAt: new Date('2026-12-01T11:00:00.000Z') });
    const b = q.enqueue('send', { to: 'b' });
    expect(q.lease(['other'], 'w')).toBeUndefined();
    const la = q.lease(['send'], 'w')!;
    const lb = q.lease(['send'], 'w')!;
    expect([la.id, lb.id]).toEqual([a.id, b.id]);
    q.complete(la, 'w', null);
    q.complete(lb, 'w', null);
    // Not due yet.
    expect(q.lease(['send'], 'w')).toBeUndefined();
    clock.set('2026-12-01T11:00:00.000Z');
    expect(q.lease(null, 'w')?.payload).toEqual({ to: 'later' });
  });

  it('a job whose process died is leased again once its lease expires, and only its owner can finish it', () => {
    const { db } = database();
    const clock = fixedClock('2026-12-01T10:00:00.000Z');
    const q = createJobQueue({ db, clock, leaseMs: 60_000 });
    q.enqueue('send', {});
    const first = q.lease(null, 'dead')!;
    expect(q.lease(null, 'alive')).toBeUndefined();
    clock.advance(60_001);
    const second = q.lease(null, 'alive')!;
    expect(second.id).toBe(first.id);
    expect(second.attempts).toBe(2);
    // The dead owner's late completion is ignored; the live one's counts.
    q.complete(first, 'dead', 'late');
    expect(q.get(first.id)!.state).toBe('running');
    q.complete(second, 'alive', { ok: true });
    expect(q.get(first.id)).toMatchObject({ state: 'done', result: { ok: true } });
  });

  it('backs off exponentially with jitter, honours Retry-After, fails for good after the last attempt or a permanent error', () => {
    expect(backoffMs(1, () => 0.5)).toBe(30_000);
    expect(backoffMs(2, () => 0.5)).toBe(60_000);
    expect(backoffMs(4, () => 0)).toBe(180_000);
    expect(backoffMs(4, () => 1)).toBe(300_000);
    expect(backoffMs(40, () => 0.5)).toBe(6 * 3600_000);

    const { db } = database();
    const clock = fixedClock('2026-12-01T10:00:00.000Z');
    const q = createJobQueue({ db, clock, random: () => 0.5 });
    const job = q.enqueue('send', {}, { maxAttempts: 3 });
    let leased = q.lease(null, 'w')!;
    expect(q.fail(leased, 'w', new Error('connection reset'))).toBe('queued');
    expect(q.get(job.id)).toMatchObject({ state: 'queued', lastError: 'connection reset' });
    expect(q.get(job.id)!.runAt.toISOString()).toBe('2026-12-01T10:00:30.000Z');
    clock.set('2026-12-01T10:00:30.000Z');
    leased = q.lease(null, 'w')!;
    expect(q.fail(leased, 'w', new JobError('429', { retryAfterMs: 3600_000 }))).toBe('queued');
    expect(q.get(job.id)!.runAt.toISOString()).toBe('2026-12-01T11:00:30.000Z');
    clock.set('2026-12-01T11:00:30.000Z');
    leased = q.lease(null, 'w')!;
    expect(q.fail(leased, 'w', new Error('still down'))).toBe('failed');
    expect(q.lease(null, 'w')).toBeUndefined();
    // The admin's retry starts it again from the first attempt.
    expect(q.retry(job.id)).toBe(true);
    expect(q.lease(null, 'w')).toMatchObject({ id: job.id, attempts: 1 });

    const bad = q.enqueue('send', {});
    const b = q.lease(null, 'w2')!;
    expect(b.id).toBe(bad.id);
    expect(q.fail(b, 'w2', new JobError('410 Gone', { retryable: false }))).toBe('failed');
  });

  it('survives a SIGKILL: the job a killed process had leased runs again in another, exactly once', async () => {
    const { db, dbPath } = database();
    const q = createJobQueue({ db, clock: systemClock, leaseMs: 300 });
    const job = q.enqueue('slow', { n: 1 }, { key: 'slow:1' });
    // node itself with tsx's loader: a SIGKILL must reach the process that holds the lease (the
    // tsx command would leave its child running).
    const loader = pathToFileURL(
      join(import.meta.dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'loader.mjs'),
    ).href;
    const child = spawn(
      process.execPath,
      ['--import', loader, join(import.meta.dirname, 'worker-lease.ts'), dbPath, '300'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const leased = await new Promise<{ leased: number | null }>((resolve) => {
      child.stdout!.once('data', (d: Buffer) => resolve(JSON.parse(d.toString())));
    });
    expect(leased.leased).toBe(job.id);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(q.get(job.id)!.state).toBe('running');
    const ran: number[] = [];
    const runner = createJobRunner({
      queue: q,
      kinds: {
        slow: jobKind({
          payload: ANY,
          handle: async (j: Job) => {
            ran.push(j.id);
            return 'done';
          },
        }),
      },
    });
    expect(await runner.drain()).toBe(0); // the dead process's lease has not expired yet
    await new Promise((r) => setTimeout(r, 350));
    expect(await runner.drain()).toBe(1);
    expect(await runner.drain()).toBe(0);
    expect(ran).toEqual([job.id]);
    expect(q.get(job.id)).toMatchObject({ state: 'done', attempts: 2, result: 'done' });
  });

  it('the runner runs at most `concurrency` jobs at once and times out a hung handler', async () => {
    const { db } = database();
    const q = createJobQueue({ db, clock: systemClock });
    for (let i = 0; i < 5; i++) q.enqueue('work', { i });
    q.enqueue('hang', {});
    let active = 0;
    let peak = 0;
    const runner = createJobRunner({
      queue: q,
      concurrency: 2,
      pollMs: 10,
      timeoutMs: 200,
      kinds: {
        work: jobKind({
          payload: ANY,
          handle: async () => {
            active++;
            peak = Math.max(peak, active);
            await new Promise((r) => setTimeout(r, 30));
            active--;
          },
        }),
        hang: jobKind({ payload: ANY, handle: () => new Promise(() => {}) }),
      },
    });
    runner.start();
    await new Promise((r) => setTimeout(r, 600));
    await runner.stop();
    expect(peak).toBe(2);
    expect(q.counts()).toMatchObject({ done: 5, queued: 1 });
    expect(q.list({ kind: 'hang' })[0]).toMatchObject({
      state: 'queued',
      lastError: 'timed out after 200 ms',
    });
  });
});

describe('the runner', () => {
  it('checks every payload against its kind’s schema: one that does not fit fails for good, saying why, and its handler never runs', async () => {
    const { db } = database();
    const q = createJobQueue({ db, clock: fixedClock('2026-12-01T10:00:00.000Z') });
    const seen: number[] = [];
    const runner = createJobRunner({
      queue: q,
      kinds: {
        send: jobKind({
          payload: z.object({ noteId: z.number().int(), target: z.string() }),
          handle: async (job) => {
            seen.push(job.payload.noteId);
          },
        }),
      },
    });
    const good = q.enqueue('send', { noteId: 7, target: 'https://a.example/' });
    const bad = q.enqueue('send', { noteId: 'seven' });
    expect(await runner.drain()).toBe(2);
    expect(seen).toEqual([7]);
    expect(q.get(good.id)!.state).toBe('done');
    expect(q.get(bad.id)).toMatchObject({
      state: 'failed',
      attempts: 1,
      lastError:
        'malformed send payload (noteId: Invalid input: expected number, received string; target: Invalid input: expected string, received undefined)',
    });
  });

  it('runs a job queued after it started without being told: the queue wakes it', async () => {
    const { db } = database();
    const q = createJobQueue({ db, clock: systemClock });
    const ran: number[] = [];
    // Polling once an hour: only the wake can make it run the job within the test.
    const runner = createJobRunner({
      queue: q,
      pollMs: 3600_000,
      kinds: {
        ping: jobKind({
          payload: z.object({ n: z.number() }),
          handle: async (job) => {
            ran.push(job.payload.n);
          },
        }),
      },
    });
    runner.start();
    await new Promise((r) => setImmediate(r));
    q.enqueue('ping', { n: 1 });
    await expect.poll(() => ran).toEqual([1]);
    await runner.stop();
  });

  it('refuses a job kind declared twice', () => {
    const { db } = database();
    const runner = createJobRunner({ queue: createJobQueue({ db, clock: systemClock }) });
    const kind = jobKind({ payload: ANY, handle: async () => {} });
    runner.register({ once: kind });
    expect(() => runner.register({ once: kind })).toThrow('The job kind once is declared twice.');
  });
});

describe('lanes', () => {
  it('each lane has its own slots and time limit; a timed-out handler’s signal is aborted', async () => {
    const { db } = database();
    const q = createJobQueue({ db, clock: systemClock });
    for (let i = 0; i < 4; i++) q.enqueue('stranger', { i });
    for (let i = 0; i < 3; i++) q.enqueue('own', { i });
    const aborted: number[] = [];
    let ownDone = 0;
    let strangersAtOnce = 0;
    let peak = 0;
    const runner = createJobRunner({
      queue: q,
      pollMs: 10,
      lanes: { inbound: { concurrency: 2, timeoutMs: 150 } },
      kinds: {
        // Hangs until its time is up, like a source that never answers.
        stranger: jobKind({
          lane: 'inbound',
          payload: z.object({ i: z.number() }),
          handle: (job, signal) => {
            strangersAtOnce++;
            peak = Math.max(peak, strangersAtOnce);
            return new Promise((_, reject) =>
              signal.addEventListener('abort', () => {
                strangersAtOnce--;
                aborted.push(job.payload.i);
                reject(new Error('aborted'));
              }),
            );
          },
        }),
        own: jobKind({
          payload: ANY,
          handle: async () => {
            ownDone++;
          },
        }),
      },
    });
    runner.start();
    // The owner's jobs were queued after the strangers' and still run while those hang.
    await expect.poll(() => ownDone, { timeout: 5000 }).toBe(3);
    expect(aborted).toEqual([]);
    await expect.poll(() => aborted.length, { timeout: 5000 }).toBe(4);
    await runner.stop();
    expect(peak).toBe(2);
    expect(q.list({ kind: 'stranger' })[0]).toMatchObject({
      state: 'queued',
      lastError: 'timed out after 150 ms',
    });
  });
});

describe('pruning', () => {
  it('forgets finished and cancelled jobs after 30 days, keeps failed and waiting ones', () => {
    const { db } = database();
    const clock = fixedClock('2026-12-01T10:00:00.000Z');
    const q = createJobQueue({ db, clock });
    const done = q.enqueue('a', {}, { key: 'done' });
    q.complete(q.lease(null, 'w')!, 'w', null);
    const failed = q.enqueue('a', {}, { maxAttempts: 1 });
    q.fail(q.lease(null, 'w')!, 'w', new Error('no'));
    const cancelled = q.enqueue('a', {}, { runAt: new Date('2027-01-01T00:00:00.000Z') });
    q.cancel(cancelled.id);
    const waiting = q.enqueue('a', {}, { runAt: new Date('2027-06-01T00:00:00.000Z') });
    clock.advance(29 * 24 * 3600_000);
    expect(q.prune()).toBe(0);
    clock.advance(2 * 24 * 3600_000);
    expect(q.prune()).toBe(2);
    expect(q.get(done.id)).toBeUndefined();
    expect(q.get(cancelled.id)).toBeUndefined();
    expect(q.get(failed.id)?.state).toBe('failed');
    expect(q.get(waiting.id)?.state).toBe('queued');
    // The key is free again.
    expect(q.enqueue('a', {}, { key: 'done' }).id).not.toBe(done.id);
  });
});
