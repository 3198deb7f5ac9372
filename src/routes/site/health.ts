import { Hono } from 'hono';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/open.js';
import { createHealthProbe, databaseBytes, diskSpace, type HealthProbe } from '../../http/health-probe.js';
import type { Metrics } from '../../http/metrics.js';
import type { SessionVars } from '../../http/session.js';
import type { Logger } from '../../logger.js';
import type { NoteService } from '../../notes/service.js';
import { isSameToken } from './metrics.js';

/** What the health route needs. */
export interface HealthDeps {
  db: Db;
  config: { databasePath: string; dataPath: string; metricsToken?: string | undefined };
  clock: Clock;
  version: string;
  notes: NoteService;
  metrics: Metrics;
  logger?: Logger;
  /** Built from the other deps when not given. */
  probe?: HealthProbe;
}

function noteCounts(notes: NoteService): Record<string, number> | undefined {
  try {
    const { all: _all, ...counts } = notes.countForAdmin();
    return counts;
  } catch {
    return undefined;
  }
}

/** True when the request carries `Authorization: Bearer <METRICS_TOKEN>` (and one is configured). */
function hasMetricsToken(header: string | undefined, expected: string | undefined): boolean {
  const presented = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  return presented !== undefined && expected !== undefined && isSameToken(presented, expected);
}

/**
 * GET /health: 200 `{"status":"ok"}` when the database answers and the data directory takes
 * writes (`"degraded"` when some notes have no file), 503 `{"status":"error"}` otherwise. Only the signed-in admin and a scraper with the
 * METRICS_TOKEN also see the version (which tells an attacker which flaws apply), each check,
 * sizes, counts and disk space.
 */
export function healthRoutes(deps: HealthDeps): Hono<{ Variables: SessionVars }> {
  const app = new Hono<{ Variables: SessionVars }>();
  const probe =
    deps.probe ??
    createHealthProbe({
      db: deps.db,
      databasePath: deps.config.databasePath,
      dataPath: deps.config.dataPath,
      clock: deps.clock,
      logger: deps.logger,
    });
  app.get('/health', (c) => {
    const report = probe.check();
    // Serving, but notes whose file is missing show no text: degraded, still 200 for load balancers.
    const missing = report.ok ? deps.notes.missingFiles().count : 0;
    const status = report.ok ? (missing > 0 ? 'degraded' : 'ok') : 'error';
    const body: Record<string, unknown> = { status };
    if (c.get('session') || hasMetricsToken(c.req.header('authorization'), deps.config.metricsToken)) {
      body.version = deps.version;
      body.checks = report.checks;
      body.database = { bytes: databaseBytes(deps.config.databasePath) };
      body.notes = report.checks.database === 'ok' ? noteCounts(deps.notes) : undefined;
      body.disk = diskSpace(deps.config.dataPath);
      body.uptimeSeconds = Math.round(deps.metrics.snapshot().uptimeSeconds);
      body.memory = { rssBytes: process.memoryUsage.rss() };
      if (missing > 0)
        body.problems = [`${missing} note(s) have no Markdown file; run starpunk doctor for the list`];
    }
    return c.json(body, report.ok ? 200 : 503, { 'Cache-Control': 'no-store' });
  });
  return app;
}
