/**
 * One item of a feed as each syntax's reader gives it (RSS 2.0, Atom, JSON Feed, h-feed), before
 * it becomes an import item (item.ts). Plain data only: the h-feed reader builds these on a worker
 * thread and hands them back by structured clone.
 */

/** A file an item carries: an RSS enclosure or media:content, an Atom enclosure link, a JSON Feed attachment or image, an h-entry photo. */
export interface FeedMedia {
  url: string;
  /** Alt text (or a media:description), '' when none. */
  alt: string;
  /** The MIME type the feed declares, when it does. */
  type?: string;
  /** `image` when the feed says it is a picture (media:content medium, an h-entry photo). */
  medium?: string;
  title?: string;
}

export interface FeedEntry {
  /** RSS guid, Atom id, JSON Feed id, h-entry uid. */
  id?: string;
  /** The permalink: RSS link, Atom alternate link, JSON Feed url, h-entry url. */
  url?: string;
  /** Other addresses the item had (more alternate links, more h-entry urls). */
  links: string[];
  /** What a link post links to: JSON Feed external_url, an RSS link off the feed's site. */
  externalUrl?: string;
  /** Plain text. */
  title?: string;
  /** The body as HTML (content:encoded, description, Atom content, content_html, e-content). */
  html?: string;
  /** The body as plain text (JSON Feed content_text, Atom text content). */
  text?: string;
  /** Plain text. */
  summary?: string;
  /** A summary given as HTML: RSS description (the body when there is no content:encoded), Atom summary of type html. */
  summaryHtml?: string;
  /** Atom content that lives elsewhere (`<content src>`): not read, the summary stands in. */
  contentSrc?: string;
  /** The base of the content element, when xml:base set one of its own. */
  contentBase?: string;
  /** As written in the feed (RFC 822, RFC 3339, ISO 8601). */
  published?: string;
  updated?: string;
  tags: string[];
  media: FeedMedia[];
  /** Author names. */
  authors: string[];
  /** h-entry responses and syndication. */
  properties?: {
    'in-reply-to'?: string[];
    'like-of'?: string[];
    'repost-of'?: string[];
    'bookmark-of'?: string[];
    syndication?: string[];
  };
  /** The address relative links in its content are read against (xml:base, the page's address). */
  base?: string;
  /** Where it is: `feed.xml:12:5`, `https://old.example/page/2 #3`. */
  where: string;
}

/** What a page of a feed says about the feed. */
export interface FeedFacts {
  /** The site the feed is of: RSS channel link, Atom alternate link, JSON Feed home_page_url, the h-feed page. */
  siteUrl?: string;
  /** The feed's own address (Atom/RSS rel=self, JSON Feed feed_url). */
  selfUrl?: string;
  /** The next page (rel=next, next_url), absolute. */
  next?: string;
  /** The software that wrote it (`<generator>`), to know a WordPress feed (?paged=N). */
  generator?: string;
  title?: string;
  /** The feed's own authors' names. */
  authors: string[];
}
