import { readFile } from 'node:fs/promises';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { AppError } from '../../errors.js';
import { resolveUnder } from '../../notes/files.js';
import { iconFile } from '../../settings/images.js';
import type { SettingsService } from '../../settings/service.js';

/** Dependencies of the identity routes. */
export interface IdentityDeps {
  mediaPath: string;
  settings: Pick<SettingsService, 'current'>;
}

/**
 * The site icon at the addresses browsers and devices ask for by convention: /favicon.ico,
 * /apple-touch-icon.png (iOS asks for it even unlinked) and /icon-<size>.png. Made from the icon
 * saved in the settings; 404 while there is none.
 */
export function identityRoutes(deps: IdentityDeps): Hono {
  const app = new Hono();

  async function serve(c: Context, size: number | 'ico'): Promise<Response> {
    const id = deps.settings.current().settings.icon;
    if (!id) throw new AppError('not_found', 'This site has no icon yet.');
    let bytes: Buffer;
    try {
      bytes = await readFile(resolveUnder(deps.mediaPath, iconFile(id, size)));
    } catch {
      throw new AppError('not_found', 'This site has no icon yet.');
    }
    const etag = `"icon-${id}-${size}"`;
    c.header('ETag', etag);
    // Pages link the icon with ?v=<id>; the bare address may change with the settings.
    c.header(
      'Cache-Control',
      c.req.query('v') === id ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
    );
    c.header('Content-Type', size === 'ico' ? 'image/x-icon' : 'image/png');
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    return c.body(new Uint8Array(bytes));
  }

  app.get('/favicon.ico', (c) => serve(c, 'ico'));
  app.get('/apple-touch-icon.png', (c) => serve(c, 180));
  for (const size of [32, 180, 192, 512] as const) app.get(`/icon-${size}.png`, (c) => serve(c, size));
  return app;
}
