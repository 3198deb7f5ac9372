import { Hono } from 'hono';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Db } from './db/open.js';
import { errorHandler, notFoundHandler } from './http/errors.js';
import { type RequestVars, requestLog } from './http/request-log.js';
import type { Logger } from './logger.js';
import { createNoteService, type NoteService } from './notes/service.js';
import { healthRoutes } from './routes/site/health.js';
import { siteRoutes } from './routes/site/pages.js';
import { staticRoutes } from './routes/site/static.js';
import { pageSiteFrom } from './site/page-site.js';

/** Everything the application needs, built once by the composition root. */
export interface AppDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  version: string;
  /** Built from the other deps when not given. */
  notes?: NoteService;
}

/** Builds the whole web application: the one route map to read. */
export function buildApp(deps: AppDeps): Hono<{ Variables: RequestVars }> {
  const notes =
    deps.notes ??
    createNoteService({
      db: deps.db,
      notesPath: deps.config.notesPath,
      clock: deps.clock,
      logger: deps.logger,
    });
  const site = pageSiteFrom(deps.config);
  const app = new Hono<{ Variables: RequestVars }>();
  app.use('*', requestLog(deps.logger));
  app.onError(errorHandler(deps.logger, site));
  app.notFound(notFoundHandler(site));

  app.route('/', healthRoutes(deps));
  app.route('/', staticRoutes());
  app.route('/', siteRoutes({ config: deps.config, clock: deps.clock, notes, version: deps.version }));
  return app;
}
