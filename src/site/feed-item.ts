import type { Config } from '../config.js';
import type { FeedItem, FeedLinks, FeedPhoto, FeedSite } from '../feeds/index.js';
import { plainText } from '../notes/markdown.js';
import type { Note, Photo } from '../notes/types.js';
import type { SiteUrls } from './urls.js';

/** The long side of the copy a feed reader is given to show inside the content (the "medium" size). */
const FEED_IMAGE_LONG_SIDE = 1280;

/** The stored size a feed shows inline: the smallest at least FEED_IMAGE_LONG_SIDE long, else the largest. */
function displaySize(photo: Photo): FeedPhoto['display'] {
  const sources = photo.sources ?? [];
  const big = sources.find((s) => Math.max(s.width, s.height) >= FEED_IMAGE_LONG_SIDE) ?? sources.at(-1);
  return big;
}

/**
 * A note as the feeds present it: absolute permalink and photo URLs, tags by display name, and
 * for stored photos (see withStoredImages) their real type, byte size and a smaller copy to show.
 */
export function noteToFeedItem(n: Note, urls: SiteUrls): FeedItem {
  const abs = (url: string) => new URL(url, urls.home).toString();
  return {
    url: urls.note(n.slug),
    name: n.name,
    contentHtml: n.contentHtml,
    textForTitle: plainText(n.contentHtml),
    published: n.publishedAt,
    updated: n.updatedAt,
    tags: n.tags.map((t) => t.name),
    photos: n.photos.map((p) => {
      const display = displaySize(p);
      const shown = display && abs(display.url) !== abs(p.url) ? display : undefined;
      return {
        url: abs(p.url),
        alt: p.alt,
        ...(p.type ? { type: p.type } : {}),
        ...(p.length !== undefined ? { length: p.length } : {}),
        ...(p.width && p.height ? { width: p.width, height: p.height } : {}),
        ...(shown ? { display: { ...shown, url: abs(shown.url) } } : {}),
      };
    }),
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
export function feedLinksFrom(urls: SiteUrls, hub?: string): FeedLinks {
  return {
    rss: urls.feeds.rss,
    atom: urls.feeds.atom,
    json: urls.feeds.json,
    html: urls.home,
    ...(hub ? { hub } : {}),
  };
}
