import { Hono } from 'hono';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import { weakEtag } from '../../http/conditional.js';
import type { PageService, SiteExtras } from '../../pages/service.js';
import { firstParagraphText } from '../../site/link-preview.js';
import { pageSiteFrom } from '../../site/page-site.js';
import { siteUrls } from '../../site/urls.js';
import type { PageSite } from '../../views/layout.js';
import { renderStandalonePage } from '../../views/standalone-page.js';

/**
 * GET /:slug — the owner's standalone pages at the site root. Mounted after every other router,
 * so a route always wins over a page; page slugs are also kept off the routes' first segments
 * (notes/slug.ts RESERVED_SLUGS, checked against the route table in a test).
 */
export function standalonePageRoutes(deps: { config: Config; pages: PageService }): Hono {
  const app = new Hono();
  const urls = siteUrls(deps.config);
  const base = pageSiteFrom(deps.config);
  let memo: { extras: SiteExtras; site: PageSite } | undefined;

  function site(): PageSite {
    const extras = deps.pages.siteExtras();
    if (memo?.extras !== extras) {
      const socialImage = extras.socialImage && urls.abs(extras.socialImage);
      memo = { extras, site: { ...base, menu: extras.menu, socialImage } };
    }
    return memo.site;
  }

  app.get('/:slug', (c) => {
    const page = deps.pages.findPublished(c.req.param('slug'));
    if (!page) throw new AppError('not_found', 'There is no page at this address.');
    const s = site();
    const etag = weakEtag([page.id, page.updated_at, page.slug, memo!.extras.version]);
    c.header('ETag', etag);
    c.header('Cache-Control', 'no-cache');
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    const url = urls.abs(page.slug);
    return c.html(
      renderStandalonePage({
        site: s,
        title: page.title,
        html: page.content_html,
        url,
        description: firstParagraphText(page.content_html),
      }),
    );
  });
  return app;
}
