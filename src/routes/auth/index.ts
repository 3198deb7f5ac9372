import { type Context, Hono } from 'hono';
import type { AdminAuth } from '../../auth/admin-auth.js';
import type { Config } from '../../config.js';
import { clientIp } from '../../http/client-ip.js';
import { clearSessionCookie, requireCsrf, type SessionVars, setSessionCookie } from '../../http/session.js';
import { AppError } from '../../lib/errors.js';
import type { RateLimiter } from '../../lib/rate-limit.js';
import type { Logger } from '../../logger.js';
import type { SiteContext } from '../../site/context.js';
import { renderLoginPage, renderSetupPage } from '../../views/admin/auth-pages.js';

/**
 * Where to go after sign-in: `next` resolved against SITE_URL with the WHATWG URL parser (the one
 * browsers apply to Location, so tabs, newlines and backslashes mean here what they mean there),
 * kept only when it stays on the site's origin, and returned as its normalised path, query and
 * fragment. Anything else, or a path a browser could read as another host, is /admin.
 */
export function safeNext(next: unknown, siteUrl: string): string {
  if (typeof next !== 'string' || next.trim() === '') return '/admin';
  let url: URL;
  try {
    url = new URL(next, siteUrl);
  } catch {
    return '/admin';
  }
  if (url.origin !== new URL(siteUrl).origin) return '/admin';
  // The parser leaves "\\" as is in the query and fragment; encoded, no lenient reader can misread it.
  const target = (url.pathname + url.search + url.hash).replaceAll('\\', '%5C');
  // "/.//evil.example" normalises to "//evil.example": same origin here, another host as a Location.
  if (!target.startsWith('/') || target.startsWith('//')) return '/admin';
  return target;
}

/** The fields of a sign-in form; a body that cannot be parsed is a 400, never a crash. */
async function readForm(c: Context): Promise<Record<string, unknown>> {
  try {
    return await c.req.parseBody();
  } catch {
    throw new AppError('invalid_request', 'The form could not be read. Reload the page and try again.');
  }
}

/** Dependencies of the sign-in routes. */
export interface AuthRouteDeps {
  config: Config;
  auth: AdminAuth;
  logger: Logger;
  limiter: RateLimiter;
  /** The site facts in force (settings and the menu change without a restart). */
  site: Pick<SiteContext, 'current'>;
}

/** Sign-in, sign-out, first-run setup and the development login. */
export function authRoutes(deps: AuthRouteDeps): Hono<{ Variables: SessionVars }> {
  const app = new Hono<{ Variables: SessionVars }>();
  const { config, auth, limiter } = deps;
  const currentSite = () => deps.site.current().page;
  const secure = config.siteUrl.startsWith('https:');

  const loginPage = (next: string, error?: string) =>
    renderLoginPage({
      site: currentSite(),
      method: auth.signInMethod(),
      hasPassword: auth.hasPassword(),
      adminMe: config.adminMe,
      devMode: config.devMode,
      next,
      error,
    });

  function limit(ip: string) {
    const wait = limiter.hit(ip);
    if (wait > 0) {
      deps.logger.warn({ ip }, 'sign-in rate limit reached: further attempts refused');
      throw new AppError(
        'rate_limited',
        `Too many sign-in attempts. Try again in ${Math.ceil(wait / 60000)} minute(s).`,
      );
    }
  }

  function startSession(c: Context<{ Variables: SessionVars }>, me: string, ip: string): void {
    // Rotate: whatever session the browser had is ended, a new token is issued.
    const old = c.get('session');
    if (old) auth.endSession(old.id);
    const { token } = auth.createSession(me, c.req.header('user-agent'), ip);
    setSessionCookie(c, token, secure);
    limiter.reset(ip);
    deps.logger.info({ me }, 'admin signed in');
  }

  app.get('/auth/login', (c) => {
    const next = safeNext(c.req.query('next'), config.siteUrl);
    if (c.get('session')) return c.redirect(next, 303);
    return c.html(loginPage(next));
  });

  app.post('/auth/login', async (c) => {
    const ip = clientIp(c, config.trustProxy);
    limit(ip);
    const body = await readForm(c);
    const next = safeNext(body.next, config.siteUrl);
    const password = typeof body.password === 'string' ? body.password : '';
    if (!auth.hasPassword() || !(await auth.verifyPassword(password))) {
      deps.logger.warn({ ip }, 'failed password sign-in');
      return c.html(loginPage(next, 'That password is not right.'), 401);
    }
    startSession(c, config.adminMe, ip);
    return c.redirect(next, 303);
  });

  app.post('/auth/indieauth', async (c) => {
    limit(clientIp(c, config.trustProxy));
    if (auth.signInMethod() !== 'indieauth')
      throw new AppError('not_found', 'This site signs in with a password.');
    return c.redirect(await auth.beginIndieAuth(), 303);
  });

  app.get('/auth/callback', async (c) => {
    const ip = clientIp(c, config.trustProxy);
    limit(ip);
    const q = c.req.query();
    const me = await auth.completeIndieAuth({ state: q.state, code: q.code, iss: q.iss, error: q.error });
    startSession(c, me, ip);
    return c.redirect('/admin', 303);
  });

  app.post('/auth/logout', requireCsrf(auth), (c) => {
    const session = c.get('session');
    if (session) auth.endSession(session.id);
    clearSessionCookie(c, secure);
    return c.redirect('/', 303);
  });

  app.get('/auth/setup', (c) => {
    const token = c.req.query('token') ?? '';
    if (auth.hasPassword() || !auth.isSetupTokenValid(token)) {
      throw new AppError('not_found', 'This setup link is invalid, expired or already used.');
    }
    return c.html(renderSetupPage({ site: currentSite(), token, me: config.adminMe }));
  });

  app.post('/auth/setup', async (c) => {
    const ip = clientIp(c, config.trustProxy);
    limit(ip);
    const body = await readForm(c);
    const token = typeof body.token === 'string' ? body.token : '';
    if (auth.hasPassword() || !auth.isSetupTokenValid(token)) {
      throw new AppError('not_found', 'This setup link is invalid, expired or already used.');
    }
    const password = typeof body.password === 'string' ? body.password : '';
    if (password !== body.confirm)
      return c.html(
        renderSetupPage({
          site: currentSite(),
          token,
          me: config.adminMe,
          error: 'The two passwords differ.',
        }),
        400,
      );
    try {
      await auth.setPassword(password);
    } catch (err) {
      if (err instanceof AppError)
        return c.html(
          renderSetupPage({ site: currentSite(), token, me: config.adminMe, error: err.message }),
          400,
        );
      throw err;
    }
    startSession(c, config.adminMe, ip);
    return c.redirect('/admin', 303);
  });

  app.post('/auth/dev-login', async (c) => {
    if (!config.devMode || !config.devAdminMe)
      throw new AppError('not_found', 'There is nothing at this address.');
    const body = await readForm(c);
    deps.logger.warn({ me: config.devAdminMe }, 'DEV_MODE sign-in without credentials');
    startSession(c, config.devAdminMe, clientIp(c, config.trustProxy));
    return c.redirect(safeNext(body.next, config.siteUrl), 303);
  });

  return app;
}
