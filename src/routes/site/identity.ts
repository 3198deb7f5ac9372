import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { AppError } from '../../lib/errors.js';
import { resolveUnder } from '../../lib/files.js';
import { iconFile } from '../../settings/images.js';
import type { SiteContext } from '../../site/context.js';

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'static');

/** Dependencies of the identity routes. */
export interface IdentityDeps {
  mediaPath: string;
  /** The site facts in force: the icon pages link is the one served here. */
  site: Pick<SiteContext, 'current'>;
}

/**
 * The site icon at the addresses browsers and devices ask for by convention: /favicon.ico,
 * /apple-touch-icon.png (iOS asks for it even unlinked) and /icon-<size>.png. Made from the icon
 * in the site facts (the one pages link); until there is one, /favicon.ico is StarPunk's default
 * icon (every page links it) and the others are 404.
 */
export function identityRoutes(deps: IdentityDeps): Hono {
  const app = new Hono();
  const favicon = readFileSync(join(STATIC_DIR, 'favicon.png'));

  async function serve(c: Context, size: number | 'ico'): Promise<Response> {
    const id = deps.site.current().settings.icon;
    if (!id && size === 'ico') {
      c.header('Content-Type', 'image/png');
      c.header('Cache-Control', 'public, max-age=86400');
      return c.body(new Uint8Array(favicon));
    }
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
