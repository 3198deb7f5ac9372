/** Facts about the site that every feed needs. */
export interface FeedSite {
  /** Base URL, always ending with '/'; also the Atom feed id. */
  url: string;
  name: string;
  /** May be ''. */
  author: string;
  /** May be ''. */
  description: string;
  /** BCP 47 language tag, 'en' when absent. */
  language?: string;
}

/** Absolute URLs of the feeds and of the HTML page they mirror. */
export interface FeedLinks {
  rss: string;
  atom: string;
  json: string;
  html: string;
  /** The WebSub hub subscribers may use (W3C WebSub §4 discovery), when one is configured. */
  hub?: string;
}

/** A photo attached to a feed item. */
export interface FeedPhoto {
  /** Absolute URL. */
  url: string;
  alt: string;
  /** MIME type when known, else guessed from the file extension. */
  type?: string;
  /** Size in bytes when known. */
  length?: number;
  /**
   * What to show inside the item's content, when not the file itself: a smaller stored copy, with
   * its size. Absolute or site-relative URL.
   */
  display?: { url: string; width: number; height: number };
  /** Intrinsic size of the file, when known. */
  width?: number;
  height?: number;
}

/** One note as the feeds present it. */
export interface FeedItem {
  /** Absolute permalink, also the item's id / guid. */
  url: string;
  /** Title (mf2 `name`), null for an untitled note. */
  name: string | null;
  /**
   * Sanitised HTML. The feeds make every URL in it absolute (against the item's URL) and add the
   * photos to it, for readers that show no enclosures.
   */
  contentHtml: string;
  /** Plain text used to build a title when `name` is null. */
  textForTitle: string;
  published: Date;
  updated: Date | null;
  tags: string[];
  photos: FeedPhoto[];
}

/** The Content-Type header value for each feed format. */
export const FEED_CONTENT_TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  opml: 'text/x-opml; charset=utf-8',
} as const;
