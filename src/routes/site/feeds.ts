/** The site's feeds (RSS, Atom, JSON Feed, by address or by Accept) and its OPML file. */
import type { Context } from 'hono';
import {
  FEED_CONTENT_TYPES,
  type FeedItem,
  renderAtom,
  renderJsonFeed,
  renderOpml,
  renderRss,
} from '../../feeds/index.js';
import { weakEtag } from '../../http/conditional.js';
import { negotiate } from '../../http/negotiate.js';
import { AppError } from '../../lib/errors.js';
import { feedLinksFrom, noteToFeedItem } from '../../site/feed-item.js';
import type { PublicContext } from './public-context.js';
import type { PageValidators, PublicView } from './render-cache.js';

const FEED_SIZE = 50;

type FeedKind = 'rss' | 'atom' | 'json';

const FEED_OFFERS: Record<string, FeedKind> = {
  'application/rss+xml': 'rss',
  'application/atom+xml': 'atom',
  'application/feed+json': 'json',
  'application/xml': 'rss',
  'text/xml': 'rss',
  'application/json': 'json',
};

/**
 * A browser opening an RSS or Atom feed (it asks for HTML and names no feed type) gets the same
 * bytes as application/xml: Chromium shows application/rss+xml as plain text and applies the
 * feed's stylesheet (/static/feed.xsl) only to XML types. Feed readers get the feed's own type.
 */
function feedType(c: Context, kind: FeedKind): string {
  if (kind === 'json') return FEED_CONTENT_TYPES.json;
  c.header('Vary', 'Accept');
  const accept = c.req.header('accept') ?? '';
  const browser =
    /\btext\/html\b/i.test(accept) && !/\+xml\b/i.test(accept.replace(/application\/xhtml\+xml/gi, ''));
  return browser ? 'application/xml; charset=utf-8' : FEED_CONTENT_TYPES[kind];
}

/** GET /feed (negotiated), /feed.rss, /feed.xml, /feed.atom, /feed.json and /opml.xml. */
export function feedHandlers(ctx: PublicContext) {
  const { config, notes, cache, urls } = ctx;
  const feedLinks = feedLinksFrom(urls, config.websubHub);

  function feedItems(): FeedItem[] {
    return ctx.withImages(notes.listPublicNotes(FEED_SIZE)).map((n) => noteToFeedItem(n, urls));
  }

  /** The feeds' notes: one view shared by every format and the OPML file. */
  function feedView(): PublicView {
    return cache.publicView('feed', () => ({ keys: notes.listPublicNoteKeys(FEED_SIZE) }))!;
  }

  /** The validators of one format of the feed view (the format is part of the tag). */
  function feedValidators(kind: string): PageValidators {
    const view = feedView();
    let etag = view.formats.get(kind);
    if (etag === undefined) {
      etag = weakEtag([view.etag, kind]);
      view.formats.set(kind, etag);
    }
    return { etag, lastModified: view.lastModified, lastModifiedText: view.lastModifiedText };
  }

  function feed(c: Context, kind: FeedKind): Response {
    const v = feedValidators(kind);
    return cache.cached(c, `feed:${kind}`, feedType(c, kind), v, () => {
      const items = feedItems();
      const site = cache.facts().feed;
      if (kind === 'rss') return renderRss(site, feedLinks, items, v.lastModified);
      if (kind === 'atom') return renderAtom(site, feedLinks, items, v.lastModified);
      return renderJsonFeed(site, feedLinks, items);
    });
  }

  return {
    /** GET /feed: the format the client's Accept header prefers; 406 when it names none of them. */
    negotiated(c: Context): Response {
      c.header('Vary', 'Accept');
      const chosen = negotiate(c.req.header('accept'), Object.keys(FEED_OFFERS));
      if (!chosen) {
        throw new AppError(
          'not_acceptable',
          'Feeds are available as RSS, Atom or JSON Feed (application/rss+xml, application/atom+xml, application/feed+json).',
        );
      }
      return feed(c, FEED_OFFERS[chosen]!);
    },
    rss: (c: Context): Response => feed(c, 'rss'),
    atom: (c: Context): Response => feed(c, 'atom'),
    json: (c: Context): Response => feed(c, 'json'),
    /** GET /opml.xml: the feeds as an OPML subscription list. */
    opml(c: Context): Response {
      const v = feedValidators('opml');
      return cache.cached(c, 'opml', FEED_CONTENT_TYPES.opml, v, () =>
        renderOpml(cache.facts().feed, feedLinks, v.lastModified),
      );
    },
  };
}
