import { Hono } from 'hono';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/open.js';
import { createHealthProbe, databaseBytes, diskSpace, type HealthProbe } from '../../http/health-probe.js';
import type { Metrics } from '../../http/metrics.js';
import type { SessionVars } from '../../http/session.js';
import type { Logger } from '../../logger.js';
import type { NoteService } from '../../notes/service.js';

/** What the health route needs. */
export interface HealthDeps {
  db: Db;
  config: { databasePath: string; dataPath: string };
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

/**
 * GET /health: 200 `{"status":"ok","version"}` when the database answers and the data directory
 * takes writes, 503 otherwise; the signed-in admin also sees each check, sizes, counts and disk space.
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
    const status = report.ok ? 'ok' : 'error';
    const body: Record<string, unknown> = { status, version: deps.version };
    if (c.get('session')) {
      body.checks = report.checks;
      body.database = { bytes: databaseBytes(deps.config.databasePath) };
      body.notes = report.checks.database === 'ok' ? noteCounts(deps.notes) : undefined;
      body.disk = diskSpace(deps.config.dataPath);
      body.uptimeSeconds = Math.round(deps.metrics.snapshot().uptimeSeconds);
      body.memory = { rssBytes: process.memoryUsage.rss() };
    }
    return c.json(body, report.ok ? 200 : 503, { 'Cache-Control': 'no-store' });
  });
  return app;
}
