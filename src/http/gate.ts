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
