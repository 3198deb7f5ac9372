import type { Context } from 'hono';
import type { Config } from '../../config.js';
import type { SessionVars } from '../../http/session.js';
import type { SiteContext } from '../../site/context.js';
import type { AdminFrame } from '../../views/admin/layout.js';

/** What every admin page's frame needs: the configuration and the site facts in force. */
export interface AdminFrameDeps {
  config: Pick<Config, 'devMode'>;
  site: Pick<SiteContext, 'current'>;
}

/**
 * The frame of an admin page: the site name and time zone in force (saved settings change without a
 * restart), the session's CSRF token and identity, and the confirmation named by `?flash=` —
 * only from the route's own closed table, never text from the URL.
 */
export function adminFrame(
  c: Context<{ Variables: SessionVars }>,
  deps: AdminFrameDeps,
  flashes: Readonly<Record<string, string>>,
): AdminFrame {
  const s = c.get('session')!;
  const key = c.req.query('flash');
  const text = key !== undefined && Object.hasOwn(flashes, key) ? flashes[key] : undefined;
  const now = deps.site.current();
  return {
    siteName: now.settings.siteName,
    csrf: s.csrf,
    me: s.me,
    devMode: deps.config.devMode,
    timeZone: now.timeZone,
    waitingMentions: c.get('waitingMentions'),
    flash: text ? { kind: 'ok', text } : undefined,
  };
}
