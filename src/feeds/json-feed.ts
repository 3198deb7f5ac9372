import {
  absoluteUrl,
  cleanText,
  formatRfc3339,
  itemContentHtml,
  itemJsonTitle,
  itemSubjects,
  itemTags,
  photoLength,
  photoType,
  siteDescription,
  siteLanguage,
  siteTitle,
} from './common.js';
import type { FeedItem, FeedLinks, FeedSite } from './types.js';

/** The version URL JSON Feed 1.1 readers look for. */
const JSON_FEED_VERSION = 'https://jsonfeed.org/version/1.1';

function presentItem(site: FeedSite, item: FeedItem): Record<string, unknown> {
  const url = absoluteUrl(item.url, site.url);
  const out: Record<string, unknown> = { id: url, url };
  // A like, bookmark or repost is about a page elsewhere: JSON Feed 1.1 `external_url`.
  const subject = itemSubjects(item)[0];
  if (subject !== undefined) out.external_url = subject;
  // Microblog posts carry no title in JSON Feed (readers show content_html instead); a response
  // is titled with what it responds to, as its page is.
  const title = itemJsonTitle(item);
  if (title !== null) out.title = title;
  out.content_html = cleanText(itemContentHtml(item, site.url));
  out.date_published = formatRfc3339(item.published);
  if (item.updated !== null) out.date_modified = formatRfc3339(item.updated);
  const tags = itemTags(item);
  if (tags.length > 0) out.tags = tags;
  const first = item.photos[0];
  if (first !== undefined) {
    out.image = absoluteUrl(first.url, site.url);
    out.attachments = item.photos.map((photo) => {
      // mime_type is required for every attachment (JSON Feed 1.1, "attachments").
      const attachment: Record<string, unknown> = {
        url: absoluteUrl(photo.url, site.url),
        mime_type: photoType(photo),
      };
      const alt = cleanText(photo.alt).trim();
      if (alt !== '') attachment.title = alt;
      const length = photoLength(photo);
      if (length !== undefined) attachment.size_in_bytes = length;
      return attachment;
    });
  }
  return out;
}

/** Renders a JSON Feed 1.1 document for the items, keeping their order (newest first). */
export function renderJsonFeed(site: FeedSite, links: FeedLinks, items: FeedItem[]): string {
  const { head, tail } = jsonFeedFrame(site, links);
  return `${head}${items.map((item) => renderJsonFeedItem(site, item)).join(',')}${tail}`;
}

/**
 * The JSON Feed document around its items, for writing a feed of any length piece by piece:
 * `head`, the items from renderJsonFeedItem joined by commas, then `tail`.
 */
export function jsonFeedFrame(site: FeedSite, links: FeedLinks): { head: string; tail: string } {
  const feed: Record<string, unknown> = {
    version: JSON_FEED_VERSION,
    title: siteTitle(site),
    home_page_url: absoluteUrl(links.html, site.url),
    feed_url: absoluteUrl(links.json, site.url),
  };
  if (cleanText(site.description).trim() !== '') feed.description = siteDescription(site);
  feed.language = siteLanguage(site);
  const author = cleanText(site.author).trim();
  if (author !== '') feed.authors = [{ name: author }];
  // JSON Feed 1.1 `hubs`: endpoints for real-time notification (WebSub).
  if (links.hub) feed.hubs = [{ type: 'WebSub', url: links.hub }];
  // `items` is the last member, so the document ends with its array.
  feed.items = [];
  const empty = JSON.stringify(feed);
  return { head: empty.slice(0, -2), tail: empty.slice(-2) };
}

/** One item of a JSON Feed document (see jsonFeedFrame). */
export function renderJsonFeedItem(site: FeedSite, item: FeedItem): string {
  return JSON.stringify(presentItem(site, item));
}
