import { Hono } from 'hono';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Db } from './db/open.js';
import { errorHandler, notFoundHandler } from './http/errors.js';
import { type RequestVars, requestLog } from './http/request-log.js';
import type { Logger } from './logger.js';
import { healthRoutes } from './routes/site/health.js';
import { homeRoutes } from './routes/site/home.js';

/** Everything the application needs, built once by the composition root. */
export interface AppDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  version: string;
}

/** Builds the whole web application: the one route map to read. */
export function buildApp(deps: AppDeps): Hono<{ Variables: RequestVars }> {
  const app = new Hono<{ Variables: RequestVars }>();
  app.use('*', requestLog(deps.logger));
  app.onError(errorHandler(deps.logger, deps.config.siteName));
  app.notFound(notFoundHandler(deps.config.siteName));

  app.route('/', healthRoutes(deps));
  app.route('/', homeRoutes(deps));
  return app;
}
