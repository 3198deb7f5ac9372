import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { AppError, isAppError, storageFailure } from '../lib/errors.js';
import type { Logger } from '../logger.js';
import { renderErrorPage } from '../views/error-page.js';
import type { PageSite } from '../views/layout.js';
import type { Metrics } from './metrics.js';

/** Paths whose errors are answered in OAuth/Micropub JSON rather than HTML. */
const PROTOCOL_PREFIXES = [
  '/micropub',
  '/auth/token',
  '/auth/introspect',
  '/auth/revoke',
  '/auth/userinfo',
  '/api/',
  '/health',
  '/webmention',
  // ActivityPub: the actor, its inboxes and collections, WebFinger, NodeInfo (servers, not people).
  '/ap/',
  '/.well-known/webfinger',
  '/.well-known/nodeinfo',
  '/nodeinfo/',
];

/** True when a request path belongs to a protocol endpoint (JSON errors). */
export function isProtocolPath(path: string): boolean {
  return PROTOCOL_PREFIXES.some((p) => path === p.replace(/\/$/, '') || path.startsWith(p));
}

/** The site facts an error page shows: fixed, or read when the error happens (settings change). */
export type SiteSource = PageSite | (() => PageSite);

function respond(c: Context, err: AppError, source: SiteSource): Response {
  const site = typeof source === 'function' ? source() : source;
  if (isProtocolPath(c.req.path) || (c.req.header('accept') ?? '').startsWith('application/json')) {
    const body: Record<string, unknown> = { error: err.code, error_description: err.message };
    if (err.details?.scope !== undefined) body.scope = err.details.scope;
    return c.json(body, err.status as 400, { 'Cache-Control': 'no-store' });
  }
  return c.html(
    renderErrorPage({ status: err.status, message: err.message, site, link: linkFor(err) }),
    err.status as 400,
  );
}

/** Where an error page points the owner: signing in again, or back to the admin page they were on. */
function linkFor(err: AppError): { href: string; label: string } | undefined {
  const { signIn, back } = err.details ?? {};
  if (typeof signIn === 'string') {
    return { href: `/auth/login?next=${encodeURIComponent(signIn)}`, label: 'Sign in again' };
  }
  if (typeof back === 'string') return { href: back, label: 'Reload the page you were on' };
  return undefined;
}

/** The one sink where errors become responses: AppErrors keep their code, anything else is a logged 500. */
export function errorHandler(logger: Logger, site: SiteSource, metrics?: Metrics): ErrorHandler {
  return (err, c) => {
    if (isAppError(err)) return respond(c, err, site);
    // A client that hung up mid-body is not a server error; nobody is left to answer.
    const msg = err instanceof Error ? err.message : '';
    const errCode = (err as NodeJS.ErrnoException).code;
    if (msg === 'aborted' || errCode === 'ECONNRESET' || errCode === 'ERR_STREAM_PREMATURE_CLOSE') {
      logger.info({ path: c.req.path }, 'client aborted the request body');
      return respond(c, new AppError('invalid_request', 'The request body was cut off.'), site);
    }
    // Storage failures are the disk's fault, not the request's: say so, keep serving.
    const storage = storageFailure(err);
    if (storage === 'full') {
      logger.error({ err, path: c.req.path }, 'out of disk space');
      metrics?.recordError(c.req.path, 'out of disk space');
      return respond(
        c,
        new AppError(
          'insufficient_storage',
          'The server is out of disk space; nothing was saved. Try again later.',
        ),
        site,
      );
    }
    if (storage === 'unwritable') {
      logger.error({ err, path: c.req.path }, 'storage not writable');
      metrics?.recordError(c.req.path, 'storage not writable');
      return respond(
        c,
        new AppError(
          'unavailable',
          'The server cannot write to its data directory right now; nothing was saved.',
        ),
        site,
      );
    }
    const requestId = (c.get('requestId' as never) as string | undefined) ?? 'unknown';
    logger.error({ err, reqId: requestId, path: c.req.path }, 'unhandled error');
    metrics?.recordError(c.req.path, err instanceof Error ? err.message : String(err));
    return respond(
      c,
      new AppError('internal', `Something went wrong on our side (request ${requestId}).`),
      site,
    );
  };
}

/** 404 for any route nobody claimed, in the right format. */
export function notFoundHandler(site: SiteSource): NotFoundHandler {
  return (c) => respond(c, new AppError('not_found', 'There is nothing at this address.'), site);
}
