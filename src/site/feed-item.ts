import type { Config } from '../config.js';
import type { FeedItem, FeedLinks, FeedPhoto, FeedResponse, FeedSite } from '../feeds/index.js';
import type { SiteUrls } from '../lib/site-urls.js';
import { plainText } from '../notes/markdown.js';
import { responsesOf } from '../notes/response-kinds.js';
import type { Note, Photo } from '../notes/types.js';

/** The long side of the copy a feed reader is given to show inside the content (the "medium" size). */
const FEED_IMAGE_LONG_SIDE = 1280;

/** The stored size a feed shows inline: the smallest at least FEED_IMAGE_LONG_SIDE long, else the largest. */
function displaySize(photo: Photo): FeedPhoto['display'] {
  const sources = photo.sources ?? [];
  const big = sources.find((s) => Math.max(s.width, s.height) >= FEED_IMAGE_LONG_SIDE) ?? sources.at(-1);
  return big;
}

/**
 * What a note responds to as the feeds name it: the same pages, titles, authors and words as the
 * note's own page (views/entry.tsx), the title and author read from the page (reply context) or
 * sent by the client as an h-cite, else none (the feeds then show the URL).
 */
function feedResponses(n: Pick<Note, 'properties' | 'citations'>): FeedResponse[] {
  return responsesOf(n).map(({ kind, url, citation }) => ({
    kind: kind.property,
    url,
    label: kind.label,
    title: kind.title,
    name: citation?.name ?? null,
    authorName: citation?.authorName ?? null,
    authorUrl: citation?.authorUrl ?? null,
  }));
}

/**
 * A note as the feeds present it: absolute permalink and photo URLs, tags by display name, what
 * it responds to (a like's page, a reply's post), and for stored photos (see withStoredImages)
 * their real type, byte size and a smaller copy to show.
 */
export function noteToFeedItem(n: Note, urls: SiteUrls): FeedItem {
  const abs = (url: string) => new URL(url, urls.home).toString();
  const responses = feedResponses(n);
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
    ...(responses.length > 0 ? { responses } : {}),
  };
}

/**
 * The site as the feeds describe it; `language` is the language setting (settings service), the
 * one the pages' `<html lang>` shows; without it the feeds say 'en'.
 */
export function feedSiteFrom(
  config: Pick<Config, 'siteUrl' | 'siteName' | 'siteAuthor' | 'siteDescription'>,
  language?: string,
): FeedSite {
  return {
    url: config.siteUrl,
    name: config.siteName,
    author: config.siteAuthor,
    description: config.siteDescription,
    ...(language ? { language } : {}),
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
