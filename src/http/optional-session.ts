import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AdminAuth } from '../auth/admin-auth.js';
import { SESSION_COOKIE, type SessionVars } from './session.js';

/**
 * Loads the admin session like `loadSession`, but a failing lookup (database down) means "not
 * signed in" instead of an error: /health must still answer 503, not 500.
 */
export function loadSessionIfAvailable(auth: AdminAuth): MiddlewareHandler<{ Variables: SessionVars }> {
  return async (c, next) => {
    let session: SessionVars['session'];
    try {
      session = auth.findSession(getCookie(c, SESSION_COOKIE));
    } catch {
      session = undefined;
    }
    c.set('session', session);
    await next();
  };
}
