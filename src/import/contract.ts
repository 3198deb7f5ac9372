/**
 * The import contract (docs/decisions/0017-import-contract.md): what a source reader yields and
 * what the one engine (engine.ts) does with it. A reader knows one format (a WordPress WXR file, a
 * Mastodon archive, a feed) and turns it into a stream of items in this shape; it never writes
 * anything. The engine applies the items: idempotently, quietly, all or nothing.
 *
 * To add a source: write `src/import/<format>/reader.ts` exporting an `ImportFormat`, and add it to
 * FORMATS in formats.ts. Nothing else needs to know about it.
 */
import type { Visibility } from '../notes/types.js';
import type { FetchLike } from '../outbound/safe-fetch.js';

/** A picture or other file an item uses: a file of the source, or an address to fetch it from. */
export interface ImportMedia {
  /**
   * Where it lived on the old site (absolute URL). It is the key under which the file is stored
   * once (a second item using it gets the same stored file) and what `<img src>` in the item's
   * HTML is rewritten from.
   */
  url: string;
  /**
   * Its path inside the local folder given with the import (`--media`, e.g. WordPress's
   * wp-content/uploads; a Mastodon archive's own files), when the reader knows it.
   */
  localPath?: string;
  /**
   * Its bytes from the source itself (a file inside an archive the reader opened), when the reader
   * has them: tried before the local folder and the old site. Throws when the file is missing,
   * unreadable or larger than `maxBytes`.
   */
  read?: (maxBytes: number) => Promise<Buffer>;
  /** Alt text, '' when the source had none. */
  alt: string;
  /**
   * `photo`: attached to the note (a featured image, an image post's picture, a toot's media);
   * `inline`: used inside the item's HTML only (its `src` is rewritten to the stored copy).
   */
  role: 'photo' | 'inline';
}

/** A response to an item carried along from the old site (a comment, a pingback, a favourite). */
export interface ImportResponse {
  /** Stable within the source: part of the idempotency key (`<item source id>#<this>`). */
  sourceId: string;
  kind: 'reply' | 'mention' | 'like' | 'repost' | 'bookmark';
  /**
   * An address naming the response (unique per item): a comment's link on the old site, a
   * pingback's source page. It is the Webmention `source` it is stored as.
   */
  url: string;
  author: { name: string | null; url: string | null; photo: string | null };
  /** The response's HTML (sanitised again when stored), or plain text. */
  html?: string;
  text?: string;
  published: Date | null;
  /**
   * Approved on the old site: shown under the note. An unapproved one is kept for the owner to
   * moderate (Admin → Webmentions) and not shown; spam is never yielded.
   */
  approved: boolean;
  /** The `url` of the response this one answers (threaded comments). */
  inReplyTo?: string;
}

/** One note or page to import. */
export interface ImportItem {
  /** Stable within the source (a WordPress guid, a status id): with the format, the idempotency key. */
  sourceId: string;
  kind: 'note' | 'page';
  /** How the report names it: a title, or where it is in the source (`export.xml:120:3`). */
  label: string;
  title: string | null;
  /** The body: HTML (turned into Markdown by the engine, one converter for every source) or Markdown. */
  content: { html: string } | { markdown: string };
  /** A summary or excerpt the source gave (mf2 `summary`). */
  summary?: string;
  /** The slug it had; kept when free and valid, else cleaned up or suffixed. */
  slug?: string;
  /** When it was published (kept: an imported post never shows as new); in the future = scheduled. */
  publishedAt: Date;
  /** false = a draft. */
  published: boolean;
  visibility: Visibility;
  tags: string[];
  media: ImportMedia[];
  /** mf2 properties the item carries: u-syndication, in-reply-to, like-of, repost-of, bookmark-of. */
  properties?: {
    syndication?: string[];
    'in-reply-to'?: string[];
    'like-of'?: string[];
    'repost-of'?: string[];
    'bookmark-of'?: string[];
  };
  responses: ImportResponse[];
  /**
   * Addresses in `properties` that name other items of the same source (a reply to one's own
   * earlier toot, a boost of it): each is replaced by that item's address here when it was
   * imported as a note (earlier in this run or in an earlier one); otherwise it stays as it is.
   */
  sameSource?: { url: string; sourceId: string }[];
  /**
   * Every address it had on its old site (absolute URLs): its permalink, `?p=N`, a feed `link`.
   * Each answers 301 to the new note or page here (former addresses).
   */
  oldAddresses: string[];
  /** Pages only: in the site menu, at this place among the imported pages. */
  menu?: { order: number };
  /** What the reader noticed and the report should say about this item (a shortcode left as text). */
  warnings: string[];
}

/** What a reader yields: items, things it skipped (with why), warnings about the source. */
export type ImportEvent =
  | { type: 'item'; item: ImportItem }
  | { type: 'skipped'; sourceId?: string; label: string; reason: string }
  | { type: 'warning'; message: string };

/** A source opened for reading. */
export interface SourceReader {
  /** The format's name (`wordpress`): the first half of every item's idempotency key. */
  format: string;
  /** The old site's address when the source says it (a WXR's base URL), for the report. */
  siteUrl?: string;
  /**
   * The folder the source's own files are in (a Markdown site's folder, whose pictures sit beside
   * its posts): where the engine reads `ImportMedia.localPath` from when no `--media` was given.
   */
  mediaFolder?: string;
  /**
   * The items, streamed: a reader holds only what it must (an index of attachments, say), never
   * the whole source. Throws `ImportSourceError` on input it cannot read, naming the place.
   */
  events(): AsyncIterable<ImportEvent>;
}

/** What a reader may use besides its input. */
export interface ReaderOptions {
  /** A local folder holding the source's files (WordPress's wp-content/uploads), if given. */
  mediaFolder?: string;
  /**
   * When the input was given as an address: that address (the file at `path` is what it answered).
   * A reader resolves relative links against it and follows pagination from it.
   */
  sourceUrl?: string;
  /**
   * The old site's address as the person gave it (`--site`), for a source that does not say it
   * (an Eleventy site) or says it wrongly: old addresses are computed under it.
   */
  siteUrl?: string;
  /**
   * The SSRF-safe fetch (with the import's User-Agent) for a reader that must fetch more of its
   * source (a feed's next page). Absent with `--no-fetch`: then the reader reads only what it has
   * and says what it did not follow as a warning.
   */
  fetch?: FetchLike;
  /** The person's answers to the format's `choices`, by name (a choice left out takes its default). */
  choices?: Record<string, string>;
}

/**
 * A choice a format offers the person importing: `--<name> <value>` on the command line (the
 * admin's Import screen can offer the same values).
 */
export interface ImportChoice {
  name: string;
  values: readonly string[];
  default: string;
  /** One line for the usage text: what each value does. */
  help: string;
}

/** A format StarPunk imports: how to recognise it and how to open it. */
export interface ImportFormat {
  name: string;
  /** What `--from` accepts and the report says (`WordPress WXR`). */
  title: string;
  /** True when `head` (the first bytes of a file, as text) is this format; folders are never passed. */
  detect(head: string, path: string): boolean;
  /**
   * For a format that also comes as a folder (an unpacked Mastodon archive, a Jekyll or Hugo
   * site): true when the folder at `path` is this format. Folders no format claims go to the
   * StarPunk data directory / Markdown folder import (src/ops/import.ts).
   */
  detectFolder?(path: string): boolean;
  /** What the person may choose about this format's import (which posts come across, say). */
  choices?: readonly ImportChoice[];
  /** `path` is a file, or a folder this format's `detectFolder` claimed. */
  open(path: string, options: ReaderOptions): SourceReader;
}

/** A source that cannot be read, with where: file, and line and column for XML. */
export class ImportSourceError extends Error {
  constructor(
    readonly file: string,
    readonly place: { line: number; column: number } | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}${place ? `:${place.line}:${place.column}` : ''}: ${message}`, options);
    this.name = 'ImportSourceError';
  }
}
