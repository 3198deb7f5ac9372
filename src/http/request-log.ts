import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../logger.js';

/** Variables every request carries through the middleware chain. */
export interface RequestVars {
  requestId: string;
}

const INCOMING_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Gives each request an id (a well-formed incoming X-Request-ID is kept, so a proxy's id
 * threads through), answers with it, and logs one line when the response is ready.
 */
export function requestLog(logger: Logger): MiddlewareHandler<{ Variables: RequestVars }> {
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header('x-request-id');
    const id = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', id);
    c.header('X-Request-ID', id);
    await next();
    if (!c.res.headers.has('X-Request-ID')) c.header('X-Request-ID', id);
    const status = c.res.status;
    const line = {
      reqId: id,
      method: c.req.method,
      path: c.req.path,
      status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    };
    if (status >= 500) logger.error(line, 'request');
    else logger.info(line, 'request');
  };
}
