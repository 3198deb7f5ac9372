/**
 * Watching this process's event loop while a test does something: a timer that should fire every
 * few milliseconds, and the longest it was late. (perf_hooks' monitorEventLoopDelay misses a
 * stall that begins before its first sample, so the gap between ticks is measured directly.)
 */

const TICK_MS = 5;

/** Runs `work` while watching the event loop; resolves with its result and the longest stall (ms). */
export async function watchEventLoop<T>(work: () => Promise<T>): Promise<{ result: T; maxStallMs: number }> {
  let last = performance.now();
  let maxStallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxStallMs = Math.max(maxStallMs, now - last - TICK_MS);
    last = now;
  }, TICK_MS);
  try {
    // The first tick, so that a stall at the very start is measured from it.
    await new Promise((resolve) => setTimeout(resolve, TICK_MS * 2));
    const result = await work();
    // A stall shows when the next tick finally runs: let one run.
    await new Promise((resolve) => setTimeout(resolve, TICK_MS * 4));
    return { result, maxStallMs };
  } finally {
    clearInterval(timer);
  }
}
