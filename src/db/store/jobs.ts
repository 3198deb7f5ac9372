import type { Db } from '../open.js';

/** One row of the job queue. */
export interface JobRow {
  id: number;
  kind: string;
  payload: string;
  idempotency_key: string | null;
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  attempts: number;
  max_attempts: number;
  run_at: string;
  leased_until: string | null;
  lease_owner: string | null;
  last_error: string | null;
  result: string | null;
  created_at: string;
  updated_at: string;
}

/** Prepared statements for the jobs table. */
export function jobsStore(db: Db) {
  const insert = db.prepare(
    `INSERT INTO jobs (kind, payload, idempotency_key, max_attempts, run_at, created_at, updated_at)
     VALUES (@kind, @payload, @key, @maxAttempts, @runAt, @now, @now)
     ON CONFLICT(idempotency_key) DO NOTHING`,
  );
  const byKey = db.prepare('SELECT * FROM jobs WHERE idempotency_key = ?');
  const byId = db.prepare('SELECT * FROM jobs WHERE id = ?');
  // A due job: queued and its time has come, or running with a lease that expired (its process died).
  const lease = db.prepare(
    `UPDATE jobs SET state = 'running', attempts = attempts + 1, leased_until = @until, lease_owner = @owner,
       updated_at = @now
     WHERE id = (
       SELECT id FROM jobs
       WHERE ((state = 'queued' AND run_at <= @now) OR (state = 'running' AND leased_until <= @now))
         AND (@kinds IS NULL OR instr(@kinds, ',' || kind || ',') > 0)
       ORDER BY run_at, id LIMIT 1)
     RETURNING *`,
  );
  const finish = db.prepare(
    `UPDATE jobs SET state = 'done', result = @result, leased_until = NULL, lease_owner = NULL, last_error = NULL,
       updated_at = @now WHERE id = @id AND lease_owner = @owner`,
  );
  const reschedule = db.prepare(
    `UPDATE jobs SET state = @state, run_at = @runAt, last_error = @error, leased_until = NULL, lease_owner = NULL,
       updated_at = @now WHERE id = @id AND lease_owner = @owner`,
  );
  const retry = db.prepare(
    `UPDATE jobs SET state = 'queued', run_at = @now, attempts = 0, last_error = NULL, leased_until = NULL,
       lease_owner = NULL, updated_at = @now WHERE id = @id AND state IN ('failed', 'done', 'cancelled')`,
  );
  const cancel = db.prepare(
    `UPDATE jobs SET state = 'cancelled', leased_until = NULL, lease_owner = NULL, updated_at = @now
     WHERE id = @id AND state = 'queued'`,
  );
  const queuedOfKinds = db.prepare(
    "SELECT * FROM jobs WHERE state = 'queued' AND instr(@kinds, ',' || kind || ',') > 0 ORDER BY id",
  );
  const nextDue = db.prepare(
    `SELECT min(CASE WHEN state = 'queued' THEN run_at ELSE leased_until END) AS at FROM jobs
     WHERE state = 'queued' OR state = 'running'`,
  );
  const list = db.prepare(
    `SELECT * FROM jobs WHERE (@kind IS NULL OR kind = @kind) AND (@state IS NULL OR state = @state)
     ORDER BY id DESC LIMIT @limit`,
  );
  const counts = db.prepare('SELECT state, count(*) AS n FROM jobs GROUP BY state');
  const prune = db.prepare("DELETE FROM jobs WHERE state IN ('done', 'cancelled') AND updated_at < ?");
  const pruneKinds = db.prepare(
    `DELETE FROM jobs WHERE id IN (
       SELECT id FROM jobs WHERE instr(@kinds, ',' || kind || ',') > 0 AND state IN ('done', 'cancelled')
         AND updated_at < @before LIMIT @limit)`,
  );
  return {
    /** Adds a job; with an idempotency key already used, nothing is added. Returns the job (new or existing). */
    insertJob(j: {
      kind: string;
      payload: string;
      key: string | null;
      maxAttempts: number;
      runAt: string;
      now: string;
    }) {
      const r = insert.run(j);
      if (r.changes === 1) return byId.get(r.lastInsertRowid) as JobRow;
      return byKey.get(j.key) as JobRow;
    },
    /** The job with this id, or undefined. */
    findJob: (id: number) => byId.get(id) as JobRow | undefined,
    /** The job with this idempotency key, or undefined. */
    findJobByKey: (key: string) => byKey.get(key) as JobRow | undefined,
    /** Leases the next due job of the given kinds (all when null) to `owner` until `until`. */
    leaseJob: (kinds: string[] | null, owner: string, until: string, now: string) =>
      lease.get({ kinds: kinds ? `,${kinds.join(',')},` : null, owner, until, now }) as JobRow | undefined,
    /** Marks a leased job done (only by its lease owner); true when it was. */
    finishJob: (id: number, owner: string, result: string | null, now: string) =>
      finish.run({ id, owner, result, now }).changes === 1,
    /** Puts a leased job back in the queue for later, or marks it failed for good. */
    rescheduleJob: (
      id: number,
      owner: string,
      state: 'queued' | 'failed',
      runAt: string,
      error: string,
      now: string,
    ) => reschedule.run({ id, owner, state, runAt, error, now }).changes === 1,
    /** Queues a finished or failed job again, from its first attempt. */
    retryJob: (id: number, now: string) => retry.run({ id, now }).changes === 1,
    /** Cancels a job that has not started. */
    cancelJob: (id: number, now: string) => cancel.run({ id, now }).changes === 1,
    /** The queued (waiting or retrying, not running) jobs of these kinds. */
    listQueuedJobs: (kinds: string[]) => queuedOfKinds.all({ kinds: `,${kinds.join(',')},` }) as JobRow[],
    /** When the next job becomes due (or its lease expires), or null when none waits. */
    findNextDue: () => (nextDue.get() as { at: string | null }).at,
    /** The newest jobs, optionally of one kind or state. */
    listJobs: (f: { kind?: string; state?: string; limit?: number }) =>
      list.all({ kind: f.kind ?? null, state: f.state ?? null, limit: f.limit ?? 100 }) as JobRow[],
    /** Deletes finished and cancelled jobs last touched before `before`; returns how many. */
    deleteFinishedBefore: (before: string) => prune.run(before).changes,
    /** Deletes up to `limit` finished and cancelled jobs of these kinds last touched before `before`. */
    deleteFinishedOfKindsBefore: (kinds: string[], before: string, limit: number) =>
      pruneKinds.run({ kinds: `,${kinds.join(',')},`, before, limit }).changes,
    /** How many jobs are in each state. */
    countJobs: () =>
      Object.fromEntries(
        (counts.all() as { state: string; n: number }[]).map((r) => [r.state, r.n]),
      ) as Record<string, number>,
  };
}

/** The prepared jobs store type. */
export type JobsStore = ReturnType<typeof jobsStore>;
