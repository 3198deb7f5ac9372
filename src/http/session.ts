import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AdminAuth, AdminSession } from '../auth/admin-auth.js';
import { SESSION_TTL_MS } from '../auth/admin-auth.js';
import { AppError } from '../lib/errors.js';
import { OWNER_HINT_COOKIE } from '../views/owner-edit.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'starpunk_session';

/** Variables the session middleware provides. */
export interface SessionVars {
  session: AdminSession | undefined;
  /**
   * How many received Webmentions wait for the owner's decision, counted once per admin page
   * (the admin sub-app sets it for GET requests; the navigation shows it).
   */
  waitingMentions?: number;
}

/** Loads the admin session (if any) from the cookie into `c.var.session`. */
export function loadSession(auth: AdminAuth): MiddlewareHandler<{ Variables: SessionVars }> {
  return async (c, next) => {
    c.set('session', auth.findSession(getCookie(c, SESSION_COOKIE)));
    await next();
  };
}

/** Sets the session cookie: HttpOnly, SameSite=Lax, Secure on https, 30 days. */
export function setSessionCookie(c: Context, token: string, secure: boolean): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure,
    path: '/',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
  setOwnerHint(c, secure);
}

/**
 * Sets the owner's hint cookie beside the session: readable by the public pages' script, which
 * then shows the owner's Edit links (docs/decisions/0020-owner-edit-link.md). It holds no secret
 * and grants nothing: the admin checks the session itself.
 */
export function setOwnerHint(c: Context, secure: boolean): void {
  setCookie(c, OWNER_HINT_COOKIE, '1', {
    sameSite: 'Lax',
    secure,
    path: '/',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

/**
 * Gives a signed-in owner who has no hint cookie yet (signed in before it existed) one on their
 * next admin page. It holds no secret, so it is the same on http and https.
 */
export function keepOwnerHint(): MiddlewareHandler<{ Variables: SessionVars }> {
  return async (c, next) => {
    if (c.get('session') && getCookie(c, OWNER_HINT_COOKIE) !== '1') setOwnerHint(c, false);
    await next();
  };
}

/** Clears the session cookie and the owner's hint. */
export function clearSessionCookie(c: Context, secure: boolean): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure, httpOnly: true, sameSite: 'Lax' });
  deleteCookie(c, OWNER_HINT_COOKIE, { path: '/', secure, sameSite: 'Lax' });
}

/**
 * The admin page a refused request came from (its same-site Referer), to go back to once the
 * owner has signed in again or reloaded: the editor there brings back what was typed. Without a
 * usable Referer, the editor a form was posted to, else the dashboard. One-time confirmations
 * (`flash`, `saved`) are left out so they are not shown again.
 */
export function returnPath(c: Context): string {
  const ref = c.req.header('referer');
  if (ref) {
    try {
      const u = new URL(ref);
      if (u.pathname === '/admin' || u.pathname.startsWith('/admin/')) {
        u.searchParams.delete('flash');
        u.searchParams.delete('saved');
        return u.pathname + u.search;
      }
    } catch {
      // not a URL: fall through
    }
  }
  return /^\/admin\/(new|edit\/\d{1,12})$/.test(c.req.path) ? c.req.path : '/admin';
}

/**
 * Lets only the signed-in admin through: pages redirect to sign-in, scripts asking for JSON and
 * other requests get 401 (the page says where to sign in and come back to).
 */
export function requireAdmin(): MiddlewareHandler<{ Variables: SessionVars }> {
  return async (c, next) => {
    if (c.get('session')) return next();
    const wantsJson = (c.req.header('accept') ?? '').startsWith('application/json');
    if ((c.req.method === 'GET' || c.req.method === 'HEAD') && !wantsJson) {
      const next_ = c.req.path + (new URL(c.req.url).search || '');
      return c.redirect(`/auth/login?next=${encodeURIComponent(next_)}`, 303);
    }
    throw new AppError(
      'unauthorized',
      'You are not signed in (your session has ended), so nothing was changed. Sign in again to carry on: what you typed in the editor is kept in this browser and comes back.',
      { details: { signIn: returnPath(c) } },
    );
  };
}

/**
 * Checks the per-session CSRF token on every state-changing request (form field `_csrf` or
 * header `X-CSRF-Token`). A failure is a clear 403 page, never a silent redirect.
 */
export function requireCsrf(
  auth: AdminAuth,
  streamed: (path: string) => boolean = () => false,
): MiddlewareHandler<{ Variables: SessionVars }> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    const session = c.get('session');
    let token = c.req.header('x-csrf-token');
    if (!token && streamed(c.req.path)) {
      // A streamed upload's body is read by its handler, to disk: its token comes in the query.
      token = c.req.query('_csrf');
    } else if (!token) {
      const type = c.req.header('content-type') ?? '';
      if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
        // A body that cannot be parsed carries no token: the check fails as a 403, not a 500.
        const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
        token = typeof body._csrf === 'string' ? body._csrf : undefined;
      }
    }
    if (!session || !auth.isValidCsrf(session, token)) {
      throw new AppError(
        'forbidden',
        'This form has expired or did not come from this site (CSRF check failed). Go back, reload the page and try again.',
        { details: { back: returnPath(c) } },
      );
    }
    return next();
  };
}
