import type { MiddlewareHandler } from 'hono';
import type { AdminAuth } from '../../auth/admin-auth.js';
import {
  keepOwnerHint,
  loadSession,
  requireAdmin,
  requireCsrf,
  type SessionVars,
} from '../../http/session.js';
import { AppError } from '../../lib/errors.js';

/** Where the admin is mounted: every admin route lives under it, behind `adminGuard`. */
export const ADMIN_BASE = '/admin';

/**
 * An absolute admin path (one also used elsewhere, such as a callback URL given to another
 * server) as the admin's routers register it: relative to `ADMIN_BASE`.
 */
export function adminRelative(path: string): string {
  if (!path.startsWith(`${ADMIN_BASE}/`)) throw new Error(`${path} is not under ${ADMIN_BASE}/`);
  return path.slice(ADMIN_BASE.length);
}

/**
 * Admin routes whose upload is streamed to disk by their handler, never held in memory: the guard
 * leaves their body unread, and their CSRF token comes in the query (`?_csrf=`) or the
 * X-CSRF-Token header instead of the body. The token is checked here all the same.
 */
export const STREAMED_UPLOADS: ReadonlySet<string> = new Set([`${ADMIN_BASE}/import`]);

const isStreamed = (path: string) => STREAMED_UPLOADS.has(path);

/**
 * Parses a posted form once, up front (Hono keeps the result for the handler): a body that
 * cannot be parsed is a 400 page before any handler acts on half a request, never a 500.
 */
function readableForm(): MiddlewareHandler<{ Variables: SessionVars }> {
  return async (c, next) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (
      c.req.method === 'POST' &&
      !isStreamed(c.req.path) &&
      (type === 'multipart/form-data' || type === 'application/x-www-form-urlencoded')
    ) {
      try {
        await c.req.parseBody();
      } catch {
        throw new AppError('invalid_request', 'The form could not be read. Reload the page and try again.');
      }
    }
    await next();
  };
}

/**
 * The one guard in front of every admin route, in this order: the session from its cookie; only
 * the signed-in admin gets further (pages are sent to sign in, anything else is refused before its
 * body is read); the per-session CSRF token on every unsafe method; the form parsed once, so a
 * malformed one is a 400 page. The admin sub-app (app.ts) registers it once, first, so a feature
 * mounted there is protected whatever its place in the list.
 */
export function adminGuard(auth: AdminAuth): MiddlewareHandler<{ Variables: SessionVars }>[] {
  return [loadSession(auth), requireAdmin(), keepOwnerHint(), requireCsrf(auth, isStreamed), readableForm()];
}
