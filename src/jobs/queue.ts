/**
 * The persistent job queue (SQLite, migration 013): work that talks to other sites and must survive
 * restarts — sending Webmentions, verifying received ones, syndication copies.
 *
 * Delivery is at least once: a job is leased for `leaseMs`; if the process dies the lease expires
 * and the job runs again. Handlers therefore make their remote effect idempotent where the remote
 * allows it (an Idempotency-Key header, a lookup before posting), and `enqueue` with the same
 * idempotency key adds nothing. A failing job is retried with exponential backoff and jitter
 * (honouring a Retry-After the handler reports) until `maxAttempts`, then marked failed and kept
 * for the admin to see and retry.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import { type JobRow, type JobsStore, jobsStore } from '../db/store/jobs.js';
import type { Logger } from '../logger.js';
import { toDbTime } from '../notes/time.js';
import { JOB_LANES, type JobLane, type LaneLimits, laneOf } from './lanes.js';

/** A job as handlers and the admin see it. */
export interface Job<P = unknown> {
  id: number;
  kind: string;
  payload: P;
  key: string | null;
  state: JobRow['state'];
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  lastError: string | null;
  result: unknown;
  createdAt: Date;
  updatedAt: Date;
}

/** What a handler throws to say how a failure should be retried. */
export class JobError extends Error {
  /** false: retrying cannot help (a 4xx from the remote, bad input); the job fails at once. */
  readonly retryable: boolean;
  /** The remote asked to wait this long (429/503 Retry-After). */
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    options: { retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'JobError';
    this.retryable = options.retryable ?? true;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * Runs one job; its resolved value is stored as the job's result (JSON). `signal` is aborted when
 * the job's time is up, so the handler can stop what it started (a fetch, a parse on a worker).
 * `lane`: whose work it is (lanes.ts, `inLane`); the owner's when absent.
 */
export type JobHandler = ((job: Job, signal: AbortSignal) => Promise<unknown>) & { lane?: JobLane };

/** Options of `enqueue`. */
export interface EnqueueOptions {
  /** Same key, same work: a second enqueue is a no-op (returns the existing job). */
  key?: string;
  /** Not before this time (default: now). */
  runAt?: Date;
  maxAttempts?: number;
}

const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 6 * 3600_000;

/** The delay before attempt `attempts + 1`: exponential from 30 s, capped at 6 h, with ±25 % jitter. */
export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.75 + random() * 0.5));
}

function parse(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function present(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    payload: parse(row.payload),
    key: row.idempotency_key,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: new Date(row.run_at),
    lastError: row.last_error,
    result: parse(row.result),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** Everything the queue needs. */
export interface JobQueueDeps {
  db: Db;
  clock: Clock;
  logger?: Logger;
  /** How long a leased job is reserved before another run may take it (default 5 min). */
  leaseMs?: number;
  /** For tests: the jitter source. */
  random?: () => number;
}

/** The queue: enqueue, lease, finish, and what the admin needs to show and retry jobs. */
export function createJobQueue(deps: JobQueueDeps) {
  const store: JobsStore = jobsStore(deps.db);
  const leaseMs = deps.leaseMs ?? 5 * 60_000;
  const now = () => toDbTime(deps.clock.now());
  return {
    /** Adds a job (or finds the one with the same key). */
    enqueue<P>(kind: string, payload: P, options: EnqueueOptions = {}): Job<P> {
      const row = store.insertJob({
        kind,
        payload: JSON.stringify(payload ?? {}),
        key: options.key ?? null,
        maxAttempts: options.maxAttempts ?? 8,
        runAt: toDbTime(options.runAt ?? deps.clock.now()),
        now: now(),
      });
      return present(row) as Job<P>;
    },
    /** Takes the next due job of these kinds for `owner`, or undefined. */
    lease(kinds: string[] | null, owner: string): Job | undefined {
      const t = deps.clock.now();
      const row = store.leaseJob(kinds, owner, toDbTime(new Date(t.getTime() + leaseMs)), toDbTime(t));
      return row ? present(row) : undefined;
    },
    /** Records success. */
    complete(job: Job, owner: string, result: unknown): void {
      store.finishJob(job.id, owner, result === undefined ? null : JSON.stringify(result), now());
    },
    /** Records a failure: back to the queue after a backoff, or failed for good. Returns the new state. */
    fail(job: Job, owner: string, err: unknown): 'queued' | 'failed' {
      const message = err instanceof Error ? err.message : String(err);
      const retryable = !(err instanceof JobError) || err.retryable;
      const permanent = !retryable || job.attempts >= job.maxAttempts;
      const wait = Math.max(
        backoffMs(job.attempts, deps.random),
        err instanceof JobError && err.retryAfterMs !== undefined ? err.retryAfterMs : 0,
      );
      const state = permanent ? 'failed' : 'queued';
      store.rescheduleJob(
        job.id,
        owner,
        state,
        toDbTime(new Date(deps.clock.now().getTime() + (permanent ? 0 : wait))),
        message.slice(0, 2000),
        now(),
      );
      if (permanent)
        deps.logger?.warn({ job: job.id, kind: job.kind, error: message }, 'job failed for good');
      return state;
    },
    /** Queues a failed (or done) job again from its first attempt: the admin's "retry". */
    retry(id: number): boolean {
      return store.retryJob(id, now());
    },
    /** Cancels a job that has not started. */
    cancel(id: number): boolean {
      return store.cancelJob(id, now());
    },
    /**
     * Cancels the queued jobs (waiting or between retries; a running one finishes its attempt) of
     * these kinds that `match` picks, e.g. every copy for an account being disconnected. Returns
     * the ids cancelled.
     */
    cancelWhere(kinds: string[], match: (job: Job) => boolean): number[] {
      const cancelled: number[] = [];
      deps.db.transaction(() => {
        for (const row of store.listQueuedJobs(kinds))
          if (match(present(row)) && store.cancelJob(row.id, now())) cancelled.push(row.id);
      })();
      return cancelled;
    },
    /** The job with this id. */
    get(id: number): Job | undefined {
      const row = store.findJob(id);
      return row ? present(row) : undefined;
    },
    /** The job with this idempotency key. */
    getByKey(key: string): Job | undefined {
      const row = store.findJobByKey(key);
      return row ? present(row) : undefined;
    },
    /** The newest jobs, optionally filtered. */
    list(f: { kind?: string; state?: string; limit?: number } = {}): Job[] {
      return store.listJobs(f).map(present);
    },
    /**
     * Forgets finished and cancelled jobs older than `keepMs` (default 30 days); failed ones stay
     * for the admin. Idempotency keys of forgotten jobs may be used again, which is what a key
     * that includes the note's revision wants anyway.
     */
    prune(keepMs = 30 * 24 * 3600_000): number {
      return store.deleteFinishedBefore(toDbTime(new Date(deps.clock.now().getTime() - keepMs)));
    },
    /**
     * Forgets up to `limit` finished and cancelled jobs of these kinds older than `keepMs`: for
     * work strangers start, kept briefly (issue 22).
     */
    pruneKinds(kinds: string[], keepMs: number, limit = 100): number {
      const before = toDbTime(new Date(deps.clock.now().getTime() - keepMs));
      return store.deleteFinishedOfKindsBefore(kinds, before, limit);
    },
    /** Jobs per state, for /health and the admin. */
    counts(): Record<string, number> {
      return store.countJobs();
    },
    /** When the next job is due, or undefined. */
    nextDue(): Date | undefined {
      const at = store.findNextDue();
      return at ? new Date(at) : undefined;
    },
  };
}

/** The job queue's type. */
export type JobQueue = ReturnType<typeof createJobQueue>;

/** Options of the runner. */
export interface JobRunnerOptions {
  queue: JobQueue;
  handlers: Record<string, JobHandler>;
  logger?: Logger;
  /** Jobs of the owner's lane run at once (default 2). */
  concurrency?: number;
  /** How often to look for due jobs when idle (default 1 s; `wake()` looks at once). */
  pollMs?: number;
  /** A handler of the owner's lane that takes longer fails with a retryable timeout (default 2 min). */
  timeoutMs?: number;
  /** Other lanes' limits (default JOB_LANES). */
  lanes?: Partial<Record<JobLane, Partial<LaneLimits>>>;
}

/**
 * Runs due jobs in this process until stopped, lane by lane (lanes.ts): each lane leases only its
 * own kinds, up to its `concurrency` at once, each job with the lane's timeout. `wake()` makes it
 * look at once (after an enqueue); `stop()` resolves when running jobs settle.
 */
export function createJobRunner(options: JobRunnerOptions) {
  const { queue, handlers, logger } = options;
  const pollMs = options.pollMs ?? 1000;
  const owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const limitsOf = (lane: JobLane): LaneLimits => ({
    ...JOB_LANES[lane],
    ...(lane === 'owner' && options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(lane === 'owner' && options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...options.lanes?.[lane],
  });
  const lanes = (Object.keys(JOB_LANES) as JobLane[])
    .map((name) => ({
      name,
      ...limitsOf(name),
      kinds: Object.keys(handlers).filter((k) => laneOf(handlers[k]!) === name),
      running: new Set<Promise<void>>(),
    }))
    .filter((lane) => lane.kinds.length > 0);
  const allKinds = Object.keys(handlers);
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;

  async function run(job: Job): Promise<void> {
    const handler = handlers[job.kind]!;
    const { timeoutMs } = limitsOf(laneOf(handler));
    const controller = new AbortController();
    let timeout: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        handler(job, controller.signal),
        new Promise((_, reject) => {
          timeout = setTimeout(() => reject(new JobError(`timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      queue.complete(job, owner, result);
    } catch (err) {
      const state = queue.fail(job, owner, err);
      logger?.info(
        { job: job.id, kind: job.kind, attempt: job.attempts, state, error: (err as Error)?.message },
        'job attempt failed',
      );
    } finally {
      clearTimeout(timeout);
      // Whatever the handler still has going (a fetch, a parse on a worker thread) is cancelled.
      controller.abort();
    }
  }

  function pump(): void {
    if (stopped) return;
    for (const lane of lanes) {
      while (lane.running.size < lane.concurrency) {
        let job: Job | undefined;
        try {
          job = queue.lease(lane.kinds, owner);
        } catch (err) {
          // A busy or full database: try again at the next tick.
          logger?.warn({ error: (err as Error).message }, 'job queue could not lease');
          break;
        }
        if (!job) break;
        const p: Promise<void> = run(job).finally(() => {
          lane.running.delete(p);
          pump();
        });
        lane.running.add(p);
      }
    }
    schedule();
  }

  function schedule(): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(pump, pollMs);
    timer.unref();
  }

  return {
    /** Starts looking for due jobs. */
    start(): void {
      if (!stopped) return;
      stopped = false;
      pump();
    },
    /** Looks for due jobs now (after an enqueue). */
    wake(): void {
      if (!stopped) setImmediate(pump);
    },
    /** Stops taking jobs; resolves when the running ones settle. */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled(lanes.flatMap((lane) => [...lane.running]));
    },
    /** Runs due jobs of every lane, one at a time, until none is left (tests and the CLI): resolves with how many ran. */
    async drain(): Promise<number> {
      let n = 0;
      for (;;) {
        const job = queue.lease(allKinds, owner);
        if (!job) return n;
        await run(job);
        n++;
      }
    },
    /** This runner's lease owner name. */
    owner,
  };
}

/** The job runner's type. */
export type JobRunner = ReturnType<typeof createJobRunner>;
