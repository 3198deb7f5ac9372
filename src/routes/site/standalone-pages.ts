import { Hono } from 'hono';
import { weakEtag } from '../../http/conditional.js';
import { AppError } from '../../lib/errors.js';
import type { PageService } from '../../pages/service.js';
import type { SiteContext } from '../../site/context.js';
import { firstParagraphText } from '../../site/link-preview.js';
import { renderStandalonePage } from '../../views/standalone-page.js';

/**
 * GET /:slug — the owner's standalone pages at the site root. Mounted after every other router,
 * so a route always wins over a page; page slugs are also kept off the routes' first segments
 * (notes/slug.ts RESERVED_SLUGS, checked against the route table in a test).
 */
export function standalonePageRoutes(deps: {
  pages: Pick<PageService, 'findPublished'>;
  /** The site facts in force: a page shows them like every other page. */
  site: Pick<SiteContext, 'current'>;
}): Hono {
  const app = new Hono();

  app.get('/:slug', (c) => {
    const page = deps.pages.findPublished(c.req.param('slug'));
    if (!page) throw new AppError('not_found', 'There is no page at this address.');
    const site = deps.site.current();
    // The site facts' version is part of the tag: a copy made under other settings or another
    // menu is never "still fresh".
    const etag = weakEtag([page.id, page.updated_at, page.slug, site.version]);
    c.header('ETag', etag);
    c.header('Cache-Control', 'no-cache');
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    const url = site.urls.abs(page.slug);
    return c.html(
      renderStandalonePage({
        site: site.page,
        title: page.title,
        html: page.content_html,
        url,
        description: firstParagraphText(page.content_html),
        editUrl: `/admin/pages/${page.id}`,
      }),
    );
  });
  return app;
}
