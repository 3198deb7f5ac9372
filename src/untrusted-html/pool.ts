/**
 * Where documents fetched from elsewhere are read: off the main thread, in a worker thread
 * (piscina) with a hard time limit, a memory limit and a bounded wait, so no document — however
 * it nests, whatever it costs the parser — can stall the event loop (issue 22; docs/decisions/
 * 0015-bounded-untrusted-work.md). A task that runs past its time is cancelled by ending its
 * thread: synchronous parsing cannot be interrupted any other way.
 *
 * Two pools, one thread each, started on first use and ended after a while idle: `inbound` reads
 * what strangers send (Webmention sources), `owner` what the owner's own work fetches (reply
 * contexts, IndieAuth client pages), so a flood of hostile sources never delays the owner's
 * pages. At most one core goes to strangers' documents, at a lower CPU priority than the server.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';

/**
 * The tasks a worker runs, by kind, with what each gives. The worker's side (html-worker/tasks.ts)
 * adds its kinds to this interface (`declare module`), so the pool stays below the features whose
 * parsers the worker runs, and a caller still gets the result type of the kind it asks for.
 */
export interface HtmlTasks {
  ping: { task: { kind: 'ping' }; result: 'pong' };
}

/** A task for the worker. */
export type HtmlTask = HtmlTasks[keyof HtmlTasks]['task'];

/** The limits of one pool. */
export interface HtmlPoolLimits {
  /** Worker threads. */
  threads: number;
  /** How long one task may run on its thread before the thread is ended. */
  timeoutMs: number;
  /** Tasks that may wait for a thread; more are refused as busy (retry later). */
  maxWaiting: number;
  /** The old-generation heap of a worker thread, in MB; past it the thread is ended. */
  memoryMb: number;
  /** A thread with nothing to do ends after this long. */
  idleMs: number;
}

/** The default limits (figures in docs/security.md). */
export const HTML_POOL_LIMITS: HtmlPoolLimits = {
  threads: 1,
  timeoutMs: 5000,
  maxWaiting: 16,
  memoryMb: 96,
  idleMs: 30_000,
};

/** What reading a document gave: the task's result, or why there is none. */
export type HtmlOutcome<T> =
  | { ok: true; value: T }
  /** `retryable`: the same document may be read later (the pool was busy, the caller gave up). */
  | { ok: false; reason: string; retryable: boolean };

// From the sources (tsx, vitest) this module is a .ts file and the worker needs a loader; built,
// the worker is dist/src/html-worker/worker.js.
const FROM_SOURCES = import.meta.url.endsWith('.ts');
const WORKER_FILE = fileURLToPath(
  new URL(FROM_SOURCES ? '../html-worker/worker-source.mjs' : '../html-worker/worker.js', import.meta.url),
);

/** A pool of untrusted-HTML workers. */
export interface HtmlPool {
  /** Runs a task on a worker thread within the pool's limits; never throws. */
  run<K extends HtmlTask['kind']>(
    task: Extract<HtmlTask, { kind: K }>,
    signal?: AbortSignal,
  ): Promise<HtmlOutcome<HtmlTasks[K]['result']>>;
  /** Ends the threads (tasks still running fail). */
  close(): Promise<void>;
}

/** Creates a pool; no thread starts before the first task. */
export function createHtmlPool(options: Partial<HtmlPoolLimits> = {}): HtmlPool {
  const limits: HtmlPoolLimits = { ...HTML_POOL_LIMITS, ...options };
  let piscina: Piscina | undefined;
  let running = 0;
  const waiting: (() => void)[] = [];

  function pool(): Piscina {
    piscina ??= new Piscina({
      filename: WORKER_FILE,
      minThreads: 0,
      maxThreads: limits.threads,
      idleTimeout: limits.idleMs,
      // Tasks wait in `waiting` below, so that a task's time starts when it gets a thread.
      maxQueue: limits.threads,
      // The server's own V8 flags (heap caps) are not for workers; their limits are set here.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb, maxYoungGenerationSizeMb: 16 },
      // The server's thread comes first when the CPU is busy.
      niceIncrement: 10,
    });
    // A thread that fails outside a task (it ran out of memory while ending) is replaced at the
    // next task; an unhandled 'error' event would end the process.
    piscina.on('error', () => undefined);
    return piscina;
  }

  /** Waits for a thread of the pool; false when the caller gave up first. */
  function slot(signal: AbortSignal | undefined): Promise<boolean> {
    if (running < limits.threads) {
      running++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const take = () => {
        signal?.removeEventListener('abort', leave);
        running++;
        resolve(true);
      };
      const leave = () => {
        const i = waiting.indexOf(take);
        if (i >= 0) waiting.splice(i, 1);
        resolve(false);
      };
      waiting.push(take);
      signal?.addEventListener('abort', leave, { once: true });
    });
  }

  function release(): void {
    running--;
    waiting.shift()?.();
  }

  return {
    async run(task, signal) {
      if (signal?.aborted) return { ok: false, reason: 'the read was cancelled', retryable: true };
      if (running >= limits.threads && waiting.length >= limits.maxWaiting)
        return { ok: false, reason: 'too many documents are waiting to be read', retryable: true };
      if (!(await slot(signal))) return { ok: false, reason: 'the read was cancelled', retryable: true };
      const p = pool();
      try {
        // A thread that is starting loads its modules first: that time is not the document's.
        if (p.threads.length === 0) await p.run({ kind: 'ping' }, { signal: AbortSignal.timeout(60_000) });
        const timeout = AbortSignal.timeout(limits.timeoutMs);
        try {
          const value = await p.run(task, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
          return { ok: true, value };
        } catch (err) {
          if (timeout.aborted)
            return { ok: false, reason: `took longer than ${limits.timeoutMs} ms to read`, retryable: false };
          throw err;
        }
      } catch (err) {
        if (signal?.aborted) return { ok: false, reason: 'the read was cancelled', retryable: true };
        if ((err as { code?: unknown })?.code === 'ERR_WORKER_OUT_OF_MEMORY')
          return { ok: false, reason: `needed more than ${limits.memoryMb} MB to read`, retryable: false };
        return {
          ok: false,
          reason: `could not be read (${(err as Error)?.message ?? String(err)})`.slice(0, 300),
          retryable: true,
        };
      } finally {
        release();
      }
    },
    async close() {
      const p = piscina;
      piscina = undefined;
      await p?.destroy();
    },
  };
}

/** Whose work a document is read for. */
export type HtmlLane = 'inbound' | 'owner';

const pools = new Map<HtmlLane, HtmlPool>();

/**
 * The process's pool for a lane, made on first use. One per process rather than one per app: the
 * threads are a share of the machine's CPU, like the event loop itself.
 */
export function htmlPool(lane: HtmlLane): HtmlPool {
  let pool = pools.get(lane);
  if (!pool) {
    pool = createHtmlPool();
    pools.set(lane, pool);
  }
  return pool;
}
