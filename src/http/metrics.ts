import type { MiddlewareHandler } from 'hono';

/** In-memory request metrics for the admin health page. */
export function createMetrics(now: () => number = Date.now) {
  const started = now();
  const durations: number[] = [];
  const stamps: number[] = [];
  const errors: { at: Date; path: string; message: string }[] = [];
  let total = 0;
  let errors5xx = 0;
  return {
    /** Records one finished request. */
    record(durationMs: number, status: number): void {
      total++;
      if (status >= 500) errors5xx++;
      durations.push(durationMs);
      stamps.push(now());
      if (durations.length > 2000) durations.shift();
      if (stamps.length > 20000) stamps.shift();
    },
    /** Records an unexpected error (message only, never request data). */
    recordError(path: string, message: string): void {
      errors.unshift({ at: new Date(now()), path, message: message.slice(0, 300) });
      if (errors.length > 20) errors.pop();
    },
    /** A snapshot of the figures. */
    snapshot() {
      const sorted = [...durations].sort((a, b) => a - b);
      const pct = (q: number) =>
        sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;
      const cutoff = now() - 5 * 60_000;
      const recent = stamps.filter((s) => s >= cutoff).length;
      return {
        total,
        errors5xx,
        perMinute: recent / 5,
        p50: pct(0.5),
        p95: pct(0.95),
        recentErrors: [...errors],
        uptimeSeconds: (now() - started) / 1000,
      };
    },
  };
}

/** The metrics collector type. */
export type Metrics = ReturnType<typeof createMetrics>;

/** Records every request's duration and status. */
export function recordMetrics(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const t0 = performance.now();
    await next();
    metrics.record(performance.now() - t0, c.res.status);
  };
}
