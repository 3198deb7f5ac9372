import type { Tag } from '../lib/tags.js';

/** Who may see a note besides the owner. */
export type Visibility = 'public' | 'unlisted' | 'private';

/** Microformats2 properties as a Micropub client sent them: every value is an array. */
export type Mf2Properties = Record<string, unknown[]>;

/** A photo attached to a note. */
export interface Photo {
  url: string;
  alt: string;
  /** MIME type when known (uploaded media), else undefined. */
  type?: string;
  /** Size in bytes when known (uploaded media), else undefined. */
  length?: number;
  /** Intrinsic width and height in pixels when known (uploaded media), else undefined. */
  width?: number;
  height?: number;
  /** The stored sizes of uploaded media (site-relative URLs), narrowest first, for srcset. */
  sources?: { url: string; width: number; height: number }[];
}

/**
 * What a page a note responds to is (reply context): its title and author, read from the page
 * when the note was published, or sent by the client as an h-cite.
 */
export interface Citation {
  url: string;
  name: string | null;
  authorName: string | null;
  authorUrl: string | null;
}

/** A note as the application sees it (rows are never passed around raw). */
export interface Note {
  id: number;
  slug: string;
  /** Path of the Markdown file relative to the notes folder, e.g. 2026/11/hello.md. */
  filePath: string;
  /** Title (mf2 `name`), null for an untitled note. */
  name: string | null;
  /** Sanitised HTML rendered from `content`. */
  contentHtml: string;
  contentHash: string;
  /** false = draft. */
  published: boolean;
  visibility: Visibility;
  /** The `published` date shown to readers; in the future = scheduled. */
  publishedAt: Date;
  createdAt: Date;
  /** Set when the note was edited after creation, else null. */
  updatedAt: Date | null;
  /** Set when the note is in the trash. */
  deletedAt: Date | null;
  tags: Tag[];
  photos: Photo[];
  /** Everything the client sent, kept for q=source. */
  properties: Mf2Properties;
  /** What is known of the pages it responds to (like-of, in-reply-to, …), fetched after publishing. */
  citations?: Citation[];
  /** Moves whenever the note or its tags change (a rendered entry is current for one revision). */
  revision: number;
  /** Set when the note's Markdown file could not be found: its text is unavailable. */
  fileMissing?: boolean;
}

/** A note's place in a public list and its revision, without its content. */
export interface NoteKey {
  id: number;
  publishedAt: Date;
  revision: number;
  /** When a reader last saw the note change: the later of its publication and its last edit. */
  changedAt: Date;
}

/** Facts about the site that pages and feeds need. */
export interface SiteInfo {
  /** Base URL, always ending with '/'. */
  url: string;
  name: string;
  author: string;
  description: string;
}
