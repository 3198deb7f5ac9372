/**
 * At most `size` tasks at once; the others wait their turn in arrival order. A slot is handed
 * straight to the next waiter, so a steady stream of new tasks cannot starve the queue.
 */
export function createGate(size: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (active < size) active++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else active--;
      }
    },
    /** Tasks running and waiting (for tests). */
    get load() {
      return { active, waiting: waiting.length };
    },
  };
}

/** Options of a weighted gate. */
export interface WeightedGateOptions {
  /** The most tasks at once, whatever their weights (default: no limit but the capacity). */
  maxTasks?: number;
}

/**
 * At most `capacity` units of weight (bytes, pixels) at once, and at most `maxTasks` tasks; the
 * others wait their turn in arrival order. Light tasks share the capacity, a heavy one takes most
 * of it, and one heavier than the whole capacity runs alone rather than never. As with createGate,
 * waiters are let in strictly in order, so a stream of light tasks cannot starve a heavy one.
 */
export function createWeightedGate(capacity: number, options: WeightedGateOptions = {}) {
  const maxTasks = options.maxTasks ?? Number.POSITIVE_INFINITY;
  let used = 0;
  let active = 0;
  const waiting: { weight: number; admit: () => void }[] = [];
  const fits = (weight: number) => active === 0 || (active < maxTasks && used + weight <= capacity);
  function admitWaiters(): void {
    while (waiting.length > 0 && fits(waiting[0]!.weight)) {
      const next = waiting.shift()!;
      used += next.weight;
      active++;
      next.admit();
    }
  }
  return {
    async run<T>(weight: number, task: () => Promise<T>): Promise<T> {
      const w = Number.isFinite(weight) && weight > 0 ? weight : 0;
      if (waiting.length === 0 && fits(w)) {
        used += w;
        active++;
      } else {
        await new Promise<void>((admit) => waiting.push({ weight: w, admit }));
      }
      try {
        return await task();
      } finally {
        used -= w;
        active--;
        admitWaiters();
      }
    },
    /** Tasks running, their weight, and tasks waiting (for tests). */
    get load() {
      return { active, used, waiting: waiting.length };
    },
  };
}
