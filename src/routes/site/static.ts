import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'static');

/** GET /static/style.css: the stylesheet, read once, revalidated by ETag. */
export function staticRoutes(): Hono {
  const app = new Hono();
  const css = readFileSync(join(STATIC_DIR, 'style.css'));
  const etag = `"${createHash('sha1').update(css).digest('base64url').slice(0, 16)}"`;
  app.get('/static/style.css', (c) => {
    c.header('ETag', etag);
    c.header('Cache-Control', 'public, max-age=3600');
    c.header('Content-Type', 'text/css; charset=utf-8');
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    return c.body(css);
  });
  return app;
}
