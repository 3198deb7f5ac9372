import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes, routePath } from 'hono/route';

/** Upper bounds (seconds) of the request latency histogram buckets, Prometheus' usual web spread. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** The labels requests are counted by: all of them bounded, whatever clients send. */
export interface RequestLabels {
  method: string;
  route: string;
  statusClass: string;
}

/** Counts and latency histogram of one label set. */
export interface RequestSeries {
  labels: RequestLabels;
  count: number;
  sumSeconds: number;
  /** Cumulative count per bucket of {@link LATENCY_BUCKETS} (the `+Inf` bucket is `count`). */
  buckets: number[];
}

/** Methods counted by name; anything else is `OTHER`, so a client cannot invent label values. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Safety net: route patterns are finite, but a bug must not grow memory without bound. */
const MAX_SERIES = 1000;

/** `2xx`-style class of an HTTP status. */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

/** In-memory request metrics for the admin health page and `/metrics`. */
export function createMetrics(now: () => number = Date.now) {
  const started = now();
  // The latest durations, in a ring (p50/p95 of the health page).
  const durations = new Float64Array(2000);
  let durationsFilled = 0;
  // Requests per second over the last five minutes, in a ring of 300 one-second slots.
  const perSecond = new Uint32Array(300);
  const secondOf = new Float64Array(300);
  const errors: { at: Date; path: string; message: string }[] = [];
  const series = new Map<string, RequestSeries>();
  let total = 0;
  let errors5xx = 0;

  function seriesFor(labels: RequestLabels): RequestSeries {
    let key = `${labels.method} ${labels.route} ${labels.statusClass}`;
    let s = series.get(key);
    if (s) return s;
    if (series.size >= MAX_SERIES) {
      labels = { ...labels, route: 'other' };
      key = `${labels.method} other ${labels.statusClass}`;
      s = series.get(key);
      if (s) return s;
    }
    s = { labels, count: 0, sumSeconds: 0, buckets: LATENCY_BUCKETS.map(() => 0) };
    series.set(key, s);
    return s;
  }

  return {
    /** Records one finished request; `route` is the matched route pattern, never the raw path. */
    record(durationMs: number, status: number, route = 'unmatched', method = 'GET'): void {
      total++;
      if (status >= 500) errors5xx++;
      durations[total % durations.length] = durationMs;
      durationsFilled = Math.min(durationsFilled + 1, durations.length);
      const second = Math.floor(now() / 1000);
      const slot = second % perSecond.length;
      if (secondOf[slot] !== second) {
        secondOf[slot] = second;
        perSecond[slot] = 0;
      }
      perSecond[slot]!++;
      const upper = method.toUpperCase();
      const s = seriesFor({
        method: KNOWN_METHODS.has(upper) ? upper : 'OTHER',
        route,
        statusClass: statusClass(status),
      });
      const seconds = durationMs / 1000;
      s.count++;
      s.sumSeconds += seconds;
      for (let i = LATENCY_BUCKETS.length - 1; i >= 0 && seconds <= LATENCY_BUCKETS[i]!; i--) s.buckets[i]!++;
    },
    /** Records an unexpected error (message only, never request data). */
    recordError(path: string, message: string): void {
      errors.unshift({ at: new Date(now()), path, message: message.slice(0, 300) });
      if (errors.length > 20) errors.pop();
    },
    /** Every request series, sorted by route, method and status class (copies). */
    requestSeries(): RequestSeries[] {
      return [...series.values()]
        .map((s) => ({ ...s, labels: { ...s.labels }, buckets: [...s.buckets] }))
        .sort((a, b) =>
          `${a.labels.route} ${a.labels.method} ${a.labels.statusClass}`.localeCompare(
            `${b.labels.route} ${b.labels.method} ${b.labels.statusClass}`,
          ),
        );
    },
    /** A snapshot of the figures. */
    snapshot() {
      const sorted = durations.slice(0, durationsFilled).sort();
      const pct = (q: number) =>
        sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;
      // The last 300 whole seconds (the current, partial one included).
      const current = Math.floor(now() / 1000);
      let recent = 0;
      for (let i = 0; i < perSecond.length; i++) {
        if (secondOf[i]! > current - perSecond.length) recent += perSecond[i]!;
      }
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

/**
 * The route pattern that answered (`/notes/:slug`), read from Hono's match so label values stay a
 * finite set; `unmatched` when only catch-all middleware ran (a 404 for an unknown address).
 */
export function routeLabel(c: Context): string {
  try {
    const routes = matchedRoutes(c);
    const answered = routes[c.req.routeIndex];
    if (!answered) return 'unmatched';
    // `app.use` middleware is registered for every method; when the last one to run is such a
    // wildcard and nothing more specific answered, the request matched no route at all.
    if (answered.method === 'ALL' && answered.path.endsWith('*') && c.res.status === 404) return 'unmatched';
    return routePath(c) || 'unmatched';
  } catch {
    return 'unmatched';
  }
}

/** Records every request's duration, status, method and matched route pattern. */
export function recordMetrics(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const t0 = performance.now();
    await next();
    metrics.record(performance.now() - t0, c.res.status, routeLabel(c), c.req.method);
  };
}
