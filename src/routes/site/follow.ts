/**
 * GET /follow: how to follow the site, as a plain HTML page (issue 25 item 10): the feeds with copy
 * buttons, what a feed reader is, and the accounts elsewhere that get copies. The site's Follow link
 * points here; the feeds stay feeds. A published page the owner made at /follow before this page
 * existed keeps its address (it answers instead).
 */
import { createHash } from 'node:crypto';
import type { Context, Next } from 'hono';
import { Hono } from 'hono';
import type { PageService } from '../../pages/service.js';
import type { SiteContext } from '../../site/context.js';
import type { SyndicationAccount } from '../../syndication/types.js';
import { type FollowAccount, type FollowWay, renderFollowPage } from '../../views/follow.js';
import { HTML } from './render-cache.js';

/** What the Follow page reads. */
export interface FollowDeps {
  site: Pick<SiteContext, 'current'>;
  pages: Pick<PageService, 'findPublished'>;
  /** The connected syndication accounts (read per request: connecting one shows at once). */
  accounts: () => readonly SyndicationAccount[];
  /**
   * Other ways to follow, offered by features (the site's own fediverse handle): read per request,
   * shown first. None by default.
   */
  otherWays?: () => readonly FollowWay[];
}

const SERVICES: Record<SyndicationAccount['service'], string> = { mastodon: 'Mastodon', bluesky: 'Bluesky' };

/** An account as the page shows it: "@ada@host on Mastodon" → "@ada@host". */
function shown(a: SyndicationAccount): FollowAccount {
  return {
    service: SERVICES[a.service],
    handle: a.name.replace(/ on (Mastodon|Bluesky)$/, ''),
    url: a.user.url,
  };
}

/** The Follow page's route. */
export function followRoutes(deps: FollowDeps): Hono {
  const app = new Hono();
  app.get('/follow', (c: Context, next: Next) => {
    // An owner's page made at /follow before the route existed answers instead (it is mounted later).
    if (deps.pages.findPublished('follow')) return next();
    const facts = deps.site.current();
    const { urls } = facts;
    const body = renderFollowPage({
      site: facts.page,
      url: urls.abs('follow'),
      feeds: [
        {
          id: 'feed-rss',
          label: 'RSS',
          url: urls.feeds.rss,
          note: 'Read by every feed reader; start here if unsure.',
        },
        {
          id: 'feed-atom',
          label: 'Atom',
          url: urls.feeds.atom,
          note: 'The same notes, for readers that prefer Atom.',
        },
        {
          id: 'feed-json',
          label: 'JSON Feed',
          url: urls.feeds.json,
          note: 'The same notes, for readers and tools that take JSON Feed.',
        },
      ],
      accounts: deps.accounts().map(shown),
      otherWays: [...(deps.otherWays?.() ?? [])],
    });
    // Rendered per request (a few microseconds; accounts change without a note write), revalidated by its bytes.
    const etag = `W/"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`;
    c.header('ETag', etag);
    c.header('Cache-Control', 'no-cache');
    c.header('Content-Type', HTML);
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    return c.body(body, 200);
  });
  return app;
}
