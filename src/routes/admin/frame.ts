import type { Context } from 'hono';
import type { Config } from '../../config.js';
import type { SessionVars } from '../../http/session.js';
import type { SettingsService } from '../../settings/service.js';
import type { AdminFrame } from '../../views/admin/layout.js';

/** What every admin page's frame needs: the configuration and, when there is one, the settings in force. */
export interface AdminFrameDeps {
  config: Pick<Config, 'devMode'> & Partial<Pick<Config, 'siteName'>>;
  settings?: Pick<SettingsService, 'current'>;
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
  const now = deps.settings?.current();
  return {
    siteName: now?.settings.siteName ?? deps.config.siteName ?? '',
    csrf: s.csrf,
    me: s.me,
    devMode: deps.config.devMode,
    ...(now ? { timeZone: now.timeZone } : {}),
    flash: text ? { kind: 'ok', text } : undefined,
  };
}
