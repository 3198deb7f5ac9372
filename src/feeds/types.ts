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

/**
 * A page a note responds to (a like, bookmark, repost or reply), with the words the note's own
 * page shows it with (notes/response-kinds.ts), so that the feeds say the same thing.
 */
export interface FeedResponse {
  /** The mf2 property: `in-reply-to` becomes thr:in-reply-to, the others JSON Feed's external_url. */
  kind: 'in-reply-to' | 'like-of' | 'repost-of' | 'bookmark-of';
  /** Absolute http(s) URL of the page. */
  url: string;
  /** Words before the link in the content, e.g. `In reply to`, `Liked`. */
  label: string;
  /** Words before the page's title in the item's title, e.g. `Reply to`, `Liked`. */
  title: string;
  /** The page's title when known (reply context), else null: the feeds then name it by its URL. */
  name: string | null;
  authorName: string | null;
  /** Absolute http(s) URL of the page's author, or null. */
  authorUrl: string | null;
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
  /** What the note responds to, in the order its page shows them; absent or empty for a plain note. */
  responses?: FeedResponse[];
}

/** The Content-Type header value for each feed format. */
export const FEED_CONTENT_TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  opml: 'text/x-opml; charset=utf-8',
} as const;
