import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../logger.js';

/** Variables every request carries through the middleware chain. */
export interface RequestVars {
  requestId: string;
}

const INCOMING_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The request's id: a well-formed incoming X-Request-ID is kept (a proxy's id threads through). */
export function requestIdFrom(incoming: string | undefined): string {
  return incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
}

/** Logs one finished request (also called by the fast path, src/http/fast-path.ts). */
export function logRequest(
  logger: Logger,
  id: string,
  method: string,
  path: string,
  status: number,
  startedAt: number,
): void {
  const line = {
    reqId: id,
    method,
    path,
    status,
    durationMs: Math.round((performance.now() - startedAt) * 100) / 100,
  };
  if (status >= 500) logger.error(line, 'request');
  else logger.info(line, 'request');
}

/**
 * Gives each request an id (a well-formed incoming X-Request-ID is kept, so a proxy's id
 * threads through), answers with it, and logs one line when the response is ready.
 */
export function requestLog(logger: Logger): MiddlewareHandler<{ Variables: RequestVars }> {
  return async (c, next) => {
    const started = performance.now();
    const id = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', id);
    c.header('X-Request-ID', id);
    await next();
    if (!c.res.headers.has('X-Request-ID')) c.header('X-Request-ID', id);
    logRequest(logger, id, c.req.method, c.req.path, c.res.status, started);
  };
}
