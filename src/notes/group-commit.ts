/**
 * Group commit (ADR 0016): writes that arrive while a flush is under way wait for it and then go
 * together in the next one, so their fixed costs (disk flushes, a transaction) are paid once per
 * group instead of once per write. A write that arrives while nothing is being flushed starts a
 * flush at once, alone: a single writer waits no longer than before.
 */

/** What a flush says about one item: its result, or the error that stopped it alone. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** Options of a group commit. */
export interface GroupCommitOptions {
  /** The most items one flush takes; the rest wait for the next (default 100). */
  maxBatch?: number;
}

interface Waiting<I, R> {
  item: I;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Queues items for `flush`, one flush at a time. `flush` gets the items in arrival order and
 * returns one outcome per item; if it throws, every item of that flush fails with its error.
 */
export function createGroupCommit<I, R>(
  flush: (items: I[]) => Promise<Outcome<R>[]>,
  options: GroupCommitOptions = {},
) {
  const maxBatch = options.maxBatch ?? 100;
  let queue: Waiting<I, R>[] = [];
  let flushing = false;
  let idleWaiters: (() => void)[] = [];

  async function drain(): Promise<void> {
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
        queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
        let outcomes: Outcome<R>[];
        try {
          outcomes = await flush(batch.map((w) => w.item));
        } catch (err) {
          for (const w of batch) w.reject(err);
          continue;
        }
        for (const [i, w] of batch.entries()) {
          const outcome = outcomes[i];
          if (!outcome) w.reject(new Error('the group commit gave no outcome for this write'));
          else if (outcome.ok) w.resolve(outcome.value);
          else w.reject(outcome.error);
        }
      }
    } finally {
      flushing = false;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  return {
    /** Queues one item; resolves with its result once its group has been flushed. */
    submit(item: I): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        // Nothing under way: flush now (this item alone, plus whatever joins before it yields).
        if (!flushing) void drain();
      });
    },
    /** Resolves once nothing is queued or being flushed (for shutdown). */
    idle(): Promise<void> {
      if (!flushing && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    /** Items waiting and whether a flush runs (for tests and metrics). */
    get load() {
      return { queued: queue.length, flushing };
    },
  };
}

/** The type of a group commit. */
export type GroupCommit<I, R> = ReturnType<typeof createGroupCommit<I, R>>;
