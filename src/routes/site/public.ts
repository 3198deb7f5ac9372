/**
 * The public site: timeline, notes, tags, the tag index and archive, search, feeds. The route map to read; each route's
 * handler lives in its own file, and all share one render cache (render-cache.ts). The owner's
 * standalone pages are elsewhere (standalone-pages.ts).
 */
import { Hono } from 'hono';
import { archiveHandlers } from './archive.js';
import { feedHandlers } from './feeds.js';
import { notePageHandlers } from './note-page.js';
import { createPublicContext, type PublicDeps } from './public-context.js';
import { searchHandlers } from './search.js';
import { createListEntries, timelineHandlers } from './timeline.js';

export type { PublicDeps, SiteResponses } from './public-context.js';

/** The public site's routes, over one render cache. */
export function publicRoutes(deps: PublicDeps): Hono {
  const ctx = createPublicContext(deps);
  const entries = createListEntries(ctx);
  const timeline = timelineHandlers(ctx, entries);
  const archive = archiveHandlers(ctx, entries);
  const notePage = notePageHandlers(ctx);
  const search = searchHandlers(ctx);
  const feeds = feedHandlers(ctx);

  const app = new Hono();
  app.get('/', timeline.home);
  app.get('/note/:slug', notePage.oldAddress);
  app.get('/notes/:slug', notePage.note);
  app.get('/tag/:tag', timeline.tag);
  app.get('/tags', archive.tags);
  app.get('/archive', archive.archive);
  app.get('/archive/:year/:month', archive.month);
  app.get('/search', search.searchPage);
  app.get('/api/search', search.searchApi);
  app.get('/feed', feeds.negotiated);
  app.get('/feed.rss', feeds.rss);
  app.get('/feed.xml', feeds.rss);
  app.get('/feed.atom', feeds.atom);
  app.get('/feed.json', feeds.json);
  app.get('/opml.xml', feeds.opml);
  return app;
}
