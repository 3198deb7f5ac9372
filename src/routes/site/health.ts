import { Hono } from 'hono';
import type { Db } from '../../db/open.js';

/** GET /health: 200 {"status":"ok","version"} when the database answers, 503 otherwise. */
export function healthRoutes(deps: { db: Db; version: string }): Hono {
  const app = new Hono();
  const ping = deps.db.prepare('SELECT 1 AS ok');
  app.get('/health', (c) => {
    try {
      ping.get();
    } catch {
      return c.json({ status: 'error', version: deps.version }, 503, { 'Cache-Control': 'no-store' });
    }
    return c.json({ status: 'ok', version: deps.version }, 200, { 'Cache-Control': 'no-store' });
  });
  return app;
}
