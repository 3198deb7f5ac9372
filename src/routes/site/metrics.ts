import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { bearerError } from '../../http/bearer.js';
import { takeEventLoopDelay, watchEventLoopDelay } from '../../http/event-loop.js';
import { databaseBytes } from '../../http/health-probe.js';
import { LATENCY_BUCKETS, type Metrics } from '../../http/metrics.js';
import { formatPrometheus, type MetricFamily, PROMETHEUS_CONTENT_TYPE } from '../../http/prometheus.js';
import type { SessionVars } from '../../http/session.js';
import type { NoteService } from '../../notes/service.js';

/** What the metrics route needs. */
export interface MetricsRouteDeps {
  config: { databasePath: string; metricsToken: string | undefined };
  notes: NoteService;
  metrics: Metrics;
  version: string;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** True when `presented` equals `expected`, compared in constant time. */
export function isSameToken(presented: string, expected: string): boolean {
  // Hashing first gives equal lengths, so timingSafeEqual leaks neither content nor length.
  return timingSafeEqual(sha256(presented), sha256(expected));
}

/** Every figure /metrics exposes, as metric families. */
export function collectMetrics(deps: MetricsRouteDeps): MetricFamily[] {
  const series = deps.metrics.requestSeries();
  const labelsOf = (s: (typeof series)[number]) => ({
    route: s.labels.route,
    method: s.labels.method,
    status_class: s.labels.statusClass,
  });
  const families: MetricFamily[] = [
    {
      name: 'starpunk_info',
      help: 'StarPunk version (always 1).',
      type: 'gauge',
      samples: [{ labels: { version: deps.version }, value: 1 }],
    },
    {
      name: 'starpunk_http_requests_total',
      help: 'HTTP requests answered, by matched route pattern, method and status class.',
      type: 'counter',
      samples: series.map((s) => ({ labels: labelsOf(s), value: s.count })),
    },
    {
      name: 'starpunk_http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by matched route pattern, method and status class.',
      type: 'histogram',
      samples: series.flatMap((s) => [
        ...LATENCY_BUCKETS.map((le, i) => ({
          suffix: '_bucket',
          labels: { ...labelsOf(s), le: String(le) },
          value: s.buckets[i]!,
        })),
        { suffix: '_bucket', labels: { ...labelsOf(s), le: '+Inf' }, value: s.count },
        { suffix: '_sum', labels: labelsOf(s), value: s.sumSeconds },
        { suffix: '_count', labels: labelsOf(s), value: s.count },
      ]),
    },
  ];
  let counts: Record<string, number> | undefined;
  try {
    const { all: _all, ...rest } = deps.notes.countForAdmin();
    counts = rest;
  } catch {
    // The database is down: /health says so; the other figures are still worth scraping.
  }
  if (counts) {
    families.push({
      name: 'starpunk_notes',
      help: 'Notes by state (published, drafts, scheduled, private, unlisted, trash).',
      type: 'gauge',
      samples: Object.entries(counts).map(([state, n]) => ({ labels: { state }, value: n })),
    });
  }
  families.push(
    {
      name: 'starpunk_database_size_bytes',
      help: 'Size of the SQLite database file and its write-ahead log.',
      type: 'gauge',
      samples: [{ value: databaseBytes(deps.config.databasePath) }],
    },
    {
      name: 'starpunk_uptime_seconds',
      help: 'Seconds since the application started.',
      type: 'gauge',
      samples: [{ value: Math.round(deps.metrics.snapshot().uptimeSeconds) }],
    },
    {
      name: 'process_resident_memory_bytes',
      help: 'Resident memory size in bytes.',
      type: 'gauge',
      samples: [{ value: process.memoryUsage.rss() }],
    },
  );
  // Since the previous scrape: the promise that no outsider blocks the event loop, watched.
  const lag = takeEventLoopDelay();
  for (const [name, value, what] of [
    ['nodejs_eventloop_lag_p50_seconds', lag.p50, 'The median'],
    ['nodejs_eventloop_lag_p99_seconds', lag.p99, 'The 99th percentile of the'],
    ['nodejs_eventloop_lag_max_seconds', lag.max, 'The longest'],
  ] as const) {
    families.push({
      name,
      help: `${what} event-loop delay since the previous scrape (sampled every 10 ms).`,
      type: 'gauge',
      samples: [{ value }],
    });
  }
  return families;
}

/**
 * GET /metrics in the Prometheus text format, for the signed-in admin or a scraper sending
 * `Authorization: Bearer <METRICS_TOKEN>`; everyone else gets 401.
 */
export function metricsRoutes(deps: MetricsRouteDeps): Hono<{ Variables: SessionVars }> {
  const app = new Hono<{ Variables: SessionVars }>();
  watchEventLoopDelay();
  app.get('/metrics', (c) => {
    const header = c.req.header('authorization');
    const presented = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    const byToken =
      presented !== undefined &&
      deps.config.metricsToken !== undefined &&
      isSameToken(presented, deps.config.metricsToken);
    if (!byToken && !c.get('session')) {
      if (presented !== undefined)
        return bearerError(c, 401, 'invalid_token', 'The metrics token is not valid.');
      return bearerError(c, 401, undefined, 'Sign in, or send Authorization: Bearer <METRICS_TOKEN>.');
    }
    return c.body(formatPrometheus(collectMetrics(deps)), 200, {
      'Content-Type': PROMETHEUS_CONTENT_TYPE,
      'Cache-Control': 'no-store',
    });
  });
  return app;
}
