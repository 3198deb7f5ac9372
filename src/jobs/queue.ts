/**
 * The persistent job queue (SQLite, `013_jobs.sql`): work that talks to other sites and must
 * survive restarts — sending Webmentions, verifying received ones, syndication copies, WebSub
 * pings, reply contexts. Background features declare their job kinds (src/features/feature.ts).
 *
 * Delivery is at least once: a job is leased for `leaseMs`; if the process dies the lease expires
 * and the job runs again. Handlers therefore make their remote effect idempotent where the remote
 * allows it (an Idempotency-Key header, a lookup before posting), and `enqueue` with the same
 * idempotency key adds nothing. A failing job is retried with exponential backoff and jitter
 * (honouring a Retry-After the handler reports, read by src/outbound/policy.ts) until `maxAttempts`, then marked failed and kept
 * for the admin to see and retry.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import { type JobRow, type JobsStore, jobsStore } from '../db/store/jobs.js';
import { toDbTime } from '../lib/db-time.js';
import type { Logger } from '../logger.js';
import { JOB_LANES, type JobLane, type LaneLimits } from './lanes.js';

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
  /** The remote asked to wait this long (its Retry-After, read by src/outbound/policy.ts). */
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
 * One kind of job, as a feature declares it: whose work it is, the shape of its payload, and what
 * runs it. The runner checks the payload against `payload` before every run (a job stored by an
 * older version, or a hand-edited row, fails for good with the reason rather than half-running),
 * so `handle` gets a payload of the declared type. Its resolved value is stored as the job's
 * result (JSON); `signal` is aborted when the job's time is up, so it can stop what it started (a
 * fetch, a parse on a worker).
 */
export interface JobKind<P = unknown> {
  /** Whose work it is (lanes.ts); the owner's when absent. */
  lane?: JobLane;
  /** Its own time limit, instead of its lane's (an import of a whole site takes minutes). */
  timeoutMs?: number;
  /**
   * Runs alone: the runner starts it only when no other job of this process runs, and starts
   * none while it runs. For work that holds the database's write lock on a connection of its own
   * (an import): anything the runner wrote meanwhile would wait on that lock, blocking the thread
   * the import runs on.
   */
  exclusive?: boolean;
  /** What the payload must be. */
  payload: z.ZodType<P>;
  handle(job: Job<P>, signal: AbortSignal): Promise<unknown>;
}

/** Job kinds by name (`webmention.send`). */
export type JobKinds = Record<string, JobKind>;

/** Declares a job kind, its payload type taken from the schema. */
export function jobKind<P>(kind: JobKind<P>): JobKind<P> {
  return kind;
}

/** Why a payload does not fit its kind's schema, in one line. */
function payloadProblem(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : 'payload'}: ${i.message}`)
    .join('; ');
}

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
  // The runners of this queue: told when work is added, so nobody who queues a job has to know them.
  const workListeners = new Set<() => void>();
  const workAdded = () => {
    for (const listener of workListeners) listener();
  };
  return {
    /**
     * Adds a job (or finds the one with the same key), and tells the runners. Inside a transaction
     * the job commits with it; the runners look after the current tick, so after the COMMIT.
     */
    enqueue<P>(kind: string, payload: P, options: EnqueueOptions = {}): Job<P> {
      const row = store.insertJob({
        kind,
        payload: JSON.stringify(payload ?? {}),
        key: options.key ?? null,
        maxAttempts: options.maxAttempts ?? 8,
        runAt: toDbTime(options.runAt ?? deps.clock.now()),
        now: now(),
      });
      workAdded();
      return present(row) as Job<P>;
    },
    /** Calls `listener` whenever a job is queued or queued again (the runner's wake); returns how to stop. */
    onWork(listener: () => void): () => void {
      workListeners.add(listener);
      return () => workListeners.delete(listener);
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
      const retried = store.retryJob(id, now());
      if (retried) workAdded();
      return retried;
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
  /** The kinds it runs; more may be registered before it starts (`register`). */
  kinds?: JobKinds;
  logger?: Logger;
  /** Jobs of the owner's lane run at once (default 2). */
  concurrency?: number;
  /** How often to look for due jobs when idle (default 1 s; a queued job wakes it at once). */
  pollMs?: number;
  /** A handler of the owner's lane that takes longer fails with a retryable timeout (default 2 min). */
  timeoutMs?: number;
  /** Other lanes' limits (default JOB_LANES). */
  lanes?: Partial<Record<JobLane, Partial<LaneLimits>>>;
}

/**
 * Runs due jobs in this process until stopped, lane by lane (lanes.ts): each lane leases only its
 * own kinds, up to its `concurrency` at once, each job with the lane's timeout. It looks at once
 * when its queue says work was added; `stop()` resolves when running jobs settle. Every job passes
 * through `run`, the one place a payload is checked against its kind's schema.
 */
export function createJobRunner(options: JobRunnerOptions) {
  const { queue, logger } = options;
  const pollMs = options.pollMs ?? 1000;
  const owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const kinds: JobKinds = {};
  const laneOf = (kind: JobKind): JobLane => kind.lane ?? 'owner';
  const limitsOf = (lane: JobLane): LaneLimits => ({
    ...JOB_LANES[lane],
    ...(lane === 'owner' && options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(lane === 'owner' && options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...options.lanes?.[lane],
  });
  const lanes = (Object.keys(JOB_LANES) as JobLane[]).map((name) => ({
    name,
    ...limitsOf(name),
    kinds: [] as string[],
    running: new Set<Promise<void>>(),
  }));
  // Kinds that run alone (JobKind.exclusive), and the one running, if any.
  const exclusiveKinds: string[] = [];
  let exclusiveRun: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let woken = false;

  /** Adds job kinds; a kind another registration declared already is a mistake in the wiring. */
  function register(more: JobKinds): void {
    for (const [name, kind] of Object.entries(more)) {
      if (kinds[name]) throw new Error(`The job kind ${name} is declared twice.`);
      kinds[name] = kind;
      if (kind.exclusive) exclusiveKinds.push(name);
      else lanes.find((lane) => lane.name === laneOf(kind))!.kinds.push(name);
    }
  }
  register(options.kinds ?? {});

  async function run(job: Job): Promise<void> {
    const kind = kinds[job.kind]!;
    const timeoutMs = kind.timeoutMs ?? limitsOf(laneOf(kind)).timeoutMs;
    const controller = new AbortController();
    let timeout: NodeJS.Timeout | undefined;
    try {
      const payload = kind.payload.safeParse(job.payload);
      if (!payload.success)
        throw new JobError(`malformed ${job.kind} payload (${payloadProblem(payload.error)})`, {
          retryable: false,
        });
      const result = await Promise.race([
        kind.handle({ ...job, payload: payload.data }, controller.signal),
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
    woken = false;
    if (stopped) return;
    if (exclusiveRun) {
      schedule();
      return;
    }
    if (exclusiveKinds.length > 0 && lanes.every((lane) => lane.running.size === 0)) {
      let job: Job | undefined;
      try {
        job = queue.lease(exclusiveKinds, owner);
      } catch (err) {
        logger?.warn({ error: (err as Error).message }, 'job queue could not lease');
      }
      if (job) {
        const p: Promise<void> = run(job).finally(() => {
          exclusiveRun = undefined;
          pump();
        });
        exclusiveRun = p;
        schedule();
        return;
      }
    }
    for (const lane of lanes) {
      if (lane.kinds.length === 0) continue;
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

  /** Looks for due jobs after the current tick (after the COMMIT of the write that queued them). */
  function wake(): void {
    if (stopped || woken) return;
    woken = true;
    setImmediate(pump);
  }
  queue.onWork(wake);

  return {
    register,
    /** Starts looking for due jobs. */
    start(): void {
      if (!stopped) return;
      stopped = false;
      pump();
    },
    /** Looks for due jobs now (the queue calls it when work is added). */
    wake,
    /** Stops taking jobs; resolves when the running ones settle. */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled([...lanes.flatMap((lane) => [...lane.running]), exclusiveRun]);
    },
    /**
     * Runs due jobs (of these kinds, else of every kind), one at a time, until none is left (tests
     * and the CLI): resolves with how many ran.
     */
    async drain(only?: readonly string[]): Promise<number> {
      const names = (only ?? Object.keys(kinds)).filter((k) => kinds[k]);
      if (names.length === 0) return 0;
      let n = 0;
      for (;;) {
        const job = queue.lease(names, owner);
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
