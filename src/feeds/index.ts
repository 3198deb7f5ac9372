export { renderAtom } from './atom.js';
export { jsonFeedFrame, renderJsonFeed, renderJsonFeedItem } from './json-feed.js';
export { renderOpml } from './opml.js';
export { renderRss } from './rss.js';
export type { FeedItem, FeedLinks, FeedPhoto, FeedResponse, FeedSite } from './types.js';
export { FEED_CONTENT_TYPES } from './types.js';
