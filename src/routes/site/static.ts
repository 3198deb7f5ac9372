import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'static');

const FILES: Record<string, string> = {
  'style.css': 'text/css; charset=utf-8',
  'admin.css': 'text/css; charset=utf-8',
  'admin.js': 'text/javascript; charset=utf-8',
  'editor.js': 'text/javascript; charset=utf-8',
  'settings.js': 'text/javascript; charset=utf-8',
  // The public pages' script: the owner's Edit links, copy buttons.
  'site.js': 'text/javascript; charset=utf-8',
  // Shows a feed as a page in a browser (feeds/common.ts FEED_STYLESHEET_PI).
  'feed.xsl': 'text/xsl; charset=utf-8',
};

/** GET /static/<file>: the stylesheets and the admin and editor scripts, read once, revalidated by ETag. */
export function staticRoutes(): Hono {
  const app = new Hono();
  const files = new Map(
    Object.entries(FILES).map(([name, type]) => {
      const body = readFileSync(join(STATIC_DIR, name));
      return [
        name,
        { body, type, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"` },
      ] as const;
    }),
  );
  app.get('/static/:file', (c) => {
    const f = files.get(c.req.param('file'));
    if (!f) return c.notFound();
    c.header('ETag', f.etag);
    c.header('Cache-Control', 'public, max-age=3600');
    c.header('Content-Type', f.type);
    if (c.req.header('if-none-match') === f.etag) return c.body(null, 304);
    return c.body(f.body);
  });
  return app;
}
