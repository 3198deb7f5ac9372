import type { Config } from '../config.js';
import type { FeedItem, FeedLinks, FeedSite } from '../feeds/index.js';
import { plainText } from '../notes/markdown.js';
import type { Note } from '../notes/types.js';
import type { SiteUrls } from './urls.js';

/** A note as the feeds present it: absolute permalink and photo URLs, tags by display name. */
export function noteToFeedItem(n: Note, urls: SiteUrls): FeedItem {
  return {
    url: urls.note(n.slug),
    name: n.name,
    contentHtml: n.contentHtml,
    textForTitle: plainText(n.contentHtml),
    published: n.publishedAt,
    updated: n.updatedAt,
    tags: n.tags.map((t) => t.name),
    photos: n.photos.map((p) => ({ ...p, url: new URL(p.url, urls.home).toString() })),
  };
}

/** The site as the feeds describe it. */
export function feedSiteFrom(
  config: Pick<Config, 'siteUrl' | 'siteName' | 'siteAuthor' | 'siteDescription'>,
): FeedSite {
  return {
    url: config.siteUrl,
    name: config.siteName,
    author: config.siteAuthor,
    description: config.siteDescription,
  };
}

/** The feeds' links to themselves and to the home page. */
export function feedLinksFrom(urls: SiteUrls): FeedLinks {
  return { rss: urls.feeds.rss, atom: urls.feeds.atom, json: urls.feeds.json, html: urls.home };
}
