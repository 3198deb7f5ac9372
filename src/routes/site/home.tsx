import { Hono } from 'hono';
import type { Config } from '../../config.js';
import { Layout } from '../../views/layout.js';

/** GET /: the home page. */
export function homeRoutes(deps: { config: Config }): Hono {
  const app = new Hono();
  app.get('/', (c) =>
    c.html(
      `<!doctype html>${(
        (
          <Layout title={deps.config.siteName} siteName={deps.config.siteName}>
            <h1>{deps.config.siteName}</h1>
            <p>Nothing published yet.</p>
          </Layout>
        )
      ).toString()}`,
    ),
  );
  return app;
}
