import { randomUUID } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import { type MediaRow, type MediaStore, mediaStore } from '../db/store/media.js';
import { parseDbTime, toDbTime } from '../lib/db-time.js';
import { AppError } from '../lib/errors.js';
import { hashBytes, resolveUnder, syncDirs } from '../lib/files.js';
import type { Logger } from '../logger.js';
import { IMAGE_FORMATS, MAX_UPLOAD_BYTES, processImage } from './image.js';
import { mediaPathFor, removeMediaFile, writeMediaFile } from './storage.js';
import { clearUploadIntent, recordUploadIntent, uploadIntentPath } from './upload-intents.js';

/** Where media is served from, relative to the site root. */
export const MEDIA_URL_PREFIX = '/media/';

/** The longest alt text accepted, in characters. */
export const MAX_ALT_LENGTH = 1000;

/** The longest original file name kept, in characters. */
export const MAX_ORIGINAL_NAME_LENGTH = 200;

/** A stored media item as the application sees it (rows are never passed around raw). */
export interface MediaItem {
  id: number;
  /** Site-relative URL of the main file: /media/YYYY/MM/<uuid>.<ext>. */
  url: string;
  /** Path of the main file relative to MEDIA_PATH. */
  filePath: string;
  mimeType: string;
  /** Bytes of the stored main file. */
  size: number;
  width: number | null;
  height: number | null;
  alt: string;
  /** The uploader's file name (base name only), or null. */
  originalName: string | null;
  /** Hex SHA-256 of the stored main file. */
  sha256: string;
  createdAt: Date;
  /** Size variants that exist for this item: name (thumb, medium) → site-relative URL. */
  variants: Record<string, string>;
  /** What a grid of thumbnails shows: the thumb variant when there is one, else the main file, with its true size. */
  thumbnail: { url: string; width: number | null; height: number | null };
}

/** One stored size of an image. */
export interface ImageSource {
  /** Site-relative URL. */
  url: string;
  width: number;
  height: number;
}

/** What a page or feed needs to know of a stored image to show it well. */
export interface StoredImage {
  /** Site-relative URL of the main file. */
  url: string;
  /** Intrinsic size of the main file, when known. */
  width: number | null;
  height: number | null;
  mimeType: string;
  /** Bytes of the main file. */
  size: number;
  /** Every stored size whose dimensions are known, main file included, narrowest first. */
  sources: ImageSource[];
}

/** An upload as an admin form or the Micropub media endpoint received it. */
export interface MediaUpload {
  bytes: Buffer;
  /** The client's file name: kept for display only, never trusted. */
  originalName?: string;
  /** The client's Content-Type: never trusted, the bytes decide. */
  declaredType?: string;
  alt?: string;
}

/** Everything the media service needs. */
export interface MediaServiceDeps {
  db: Db;
  mediaPath: string;
  clock: Clock;
  logger?: Logger;
}

/** A variant as recorded in the `variants` JSON column. */
interface StoredVariant {
  path: string;
  width: number;
  height: number;
  size: number;
}

/** The base name of a client-supplied file name, without control characters, at most 200 characters. */
export function sanitiseOriginalName(name: string | undefined): string | null {
  if (name === undefined) return null;
  // Both separators: a Windows browser may send C:\Users\me\photo.jpg.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const base = (name.split(/[/\\]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (base === '' || base === '.' || base === '..') return null;
  const chars = Array.from(base);
  return chars.length > MAX_ORIGINAL_NAME_LENGTH ? chars.slice(0, MAX_ORIGINAL_NAME_LENGTH).join('') : base;
}

/** A media row's size variants with their dimensions (variants recorded without them are left out). */
function variantSizes(json: string): { path: string; width: number; height: number }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return [];
  const out: { path: string; width: number; height: number }[] = [];
  for (const v of Object.values(parsed as Record<string, unknown>)) {
    if (!v || typeof v !== 'object') continue;
    const { path, width, height } = v as Partial<StoredVariant>;
    if (typeof path === 'string' && Number.isSafeInteger(width) && Number.isSafeInteger(height))
      if (width! > 0 && height! > 0) out.push({ path, width: width!, height: height! });
  }
  return out;
}

/**
 * The path under MEDIA_PATH a URL names when it is one of this site's media URLs (relative, like
 * `/media/2026/11/x.jpg`, or absolute on SITE_URL, as the Micropub media endpoint hands them out),
 * else undefined.
 */
export function mediaPathOfUrl(url: string, siteUrl: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url, siteUrl);
  } catch {
    return undefined;
  }
  const base = new URL(siteUrl);
  const prefix = `${base.pathname}${MEDIA_URL_PREFIX.slice(1)}`;
  if (u.origin !== base.origin || !u.pathname.startsWith(prefix)) return undefined;
  const segments: string[] = [];
  for (const raw of u.pathname.slice(prefix.length).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '' || segment === '.' || segment === '..' || segment.includes('/')) return undefined;
    segments.push(segment);
  }
  return segments.join('/');
}

/** The file paths of a media row's size variants, from its `variants` JSON. */
export function variantPaths(json: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return {};
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof v === 'string') out[name] = v;
    else if (v && typeof v === 'object' && typeof (v as StoredVariant).path === 'string') {
      out[name] = (v as StoredVariant).path;
    }
  }
  return out;
}

/** The site-relative URL of a file under MEDIA_PATH. */
function urlForPath(filePath: string): string {
  return MEDIA_URL_PREFIX + filePath.split('/').map(encodeURIComponent).join('/');
}

/** The thumb variant of a media row with its own size (never the main file's), else the main file. */
function thumbnailOf(row: MediaRow): MediaItem['thumbnail'] {
  const path = variantPaths(row.variants).thumb;
  if (path !== undefined) {
    const size = variantSizes(row.variants).find((v) => v.path === path);
    return { url: urlForPath(path), width: size?.width ?? null, height: size?.height ?? null };
  }
  return { url: urlForPath(row.file_path), width: row.width, height: row.height };
}

/** A media row as a page shows it: its sizes, narrowest first, one per width. */
function storedImage(row: MediaRow): StoredImage {
  const sizes = variantSizes(row.variants);
  if (row.width && row.height) sizes.push({ path: row.file_path, width: row.width, height: row.height });
  const byWidth = new Map<number, ImageSource>();
  for (const v of sizes.sort((a, b) => a.width - b.width)) {
    // Two files of one width (Python's "original" beside the main file): the first is enough.
    if (!byWidth.has(v.width))
      byWidth.set(v.width, { url: urlForPath(v.path), width: v.width, height: v.height });
  }
  return {
    url: urlForPath(row.file_path),
    width: row.width,
    height: row.height,
    mimeType: row.mime_type,
    size: row.size,
    sources: [...byWidth.values()],
  };
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * The media library: uploads become cleaned image files under MEDIA_PATH plus one row each;
 * files are written before the row and removed again if the row cannot be written.
 */
export function createMediaService(deps: MediaServiceDeps) {
  const { db, mediaPath, clock, logger } = deps;
  const media: MediaStore = mediaStore(db);

  function present(row: MediaRow): MediaItem {
    const variants: Record<string, string> = {};
    for (const [name, path] of Object.entries(variantPaths(row.variants))) variants[name] = urlForPath(path);
    return {
      id: row.id,
      url: urlForPath(row.file_path),
      filePath: row.file_path,
      mimeType: row.mime_type,
      size: row.size,
      width: row.width,
      height: row.height,
      alt: row.alt,
      originalName: row.original_name,
      sha256: row.sha256,
      createdAt: parseDbTime(row.created_at),
      variants,
      thumbnail: thumbnailOf(row),
    };
  }

  /**
   * Removes files, logging (not throwing) what cannot be removed: `starpunk doctor` reports
   * leftovers. True when every one is gone.
   */
  function removeFiles(paths: readonly string[]): boolean {
    let all = true;
    for (const rel of paths) {
      try {
        removeMediaFile(mediaPath, rel);
      } catch (err) {
        all = false;
        logger?.warn({ err, path: rel }, 'could not remove media file');
      }
    }
    return all;
  }

  /** Forgets an upload's record; a record left behind after its row committed is harmless (start-up removes it). */
  function forgetIntent(uuid: string): void {
    try {
      clearUploadIntent(mediaPath, uuid);
    } catch (err) {
      logger?.warn({ err, uuid }, 'could not remove the record of an upload');
    }
  }

  /** forgetIntent off the main thread, for the upload that committed (the common case). */
  async function forgetIntentAsync(uuid: string): Promise<void> {
    try {
      await unlink(resolveUnder(mediaPath, uploadIntentPath(uuid)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        logger?.warn({ err, uuid }, 'could not remove the record of an upload');
    }
  }

  /** Removes the files of an upload that failed, and then its record (kept if a file stays: start-up retries). */
  function undoUpload(uuid: string, written: readonly string[]): void {
    if (removeFiles(written)) forgetIntent(uuid);
  }

  return {
    /**
     * Stores an uploaded image: sniffs it from its bytes, cleans it (orientation applied,
     * metadata but the colour profile stripped, long side capped), writes it and its variants,
     * then records it. Throws payload_too_large, unsupported_media_type or invalid_request.
     */
    async saveUpload(upload: MediaUpload): Promise<MediaItem> {
      const { bytes } = upload;
      if (bytes.length === 0) throw new AppError('invalid_request', 'The upload is empty.');
      if (bytes.length > MAX_UPLOAD_BYTES) {
        throw new AppError(
          'payload_too_large',
          `Images may be at most ${formatMegabytes(MAX_UPLOAD_BYTES)}; this one is ${formatMegabytes(bytes.length)}.`,
        );
      }
      const alt = (upload.alt ?? '').trim();
      if (alt.length > MAX_ALT_LENGTH) {
        throw new AppError('invalid_request', `Alt text may be at most ${MAX_ALT_LENGTH} characters.`);
      }
      const originalName = sanitiseOriginalName(upload.originalName);
      const image = await processImage(bytes);
      const { mimeType, ext } = IMAGE_FORMATS[image.format];
      if (upload.declaredType && upload.declaredType.toLowerCase() !== mimeType) {
        logger?.debug(
          { declared: upload.declaredType.slice(0, 100), actual: mimeType },
          'media type differs',
        );
      }

      const now = clock.now();
      const uuid = randomUUID();
      const mainPath = mediaPathFor(uuid, ext, now);
      const variants = Object.entries(image.variants).map(
        ([name, variant]) => [name, mediaPathFor(uuid, ext, now, name), variant] as const,
      );
      // Recorded before the first file: if the process dies before the row commits, start-up
      // knows these files (and only these) are an interrupted upload's.
      await recordUploadIntent(mediaPath, uuid, [mainPath, ...variants.map(([, path]) => path)]);
      const stored: Record<string, StoredVariant> = {};
      for (const [name, path, variant] of variants) {
        stored[name] = { path, width: variant.width, height: variant.height, size: variant.data.length };
      }
      // The files are written side by side (their fsyncs overlap) and their directory, which they
      // share, is fsynced once.
      const files: [string, Buffer][] = [
        [mainPath, image.main.data],
        ...variants.map(([, path, variant]) => [path, variant.data] as [string, Buffer]),
      ];
      const results = await Promise.allSettled(
        // Named by nothing until the row commits, and accounted for by the upload's record until
        // then: written in place (see WriteMediaOptions.direct).
        files.map(([path, data]) => writeMediaFile(mediaPath, path, data, { syncDir: false, direct: true })),
      );
      const written = files.filter((_, i) => results[i]!.status === 'fulfilled').map(([path]) => path);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      try {
        if (failed) throw failed.reason;
        await syncDirs(files.map(([path]) => dirname(resolveUnder(mediaPath, path))));
      } catch (err) {
        undoUpload(uuid, written);
        throw err;
      }

      let id: number;
      try {
        id = media.insertMedia({
          file_path: mainPath,
          mime_type: mimeType,
          size: image.main.data.length,
          width: image.main.width,
          height: image.main.height,
          original_name: originalName,
          alt,
          sha256: hashBytes(image.main.data),
          variants: JSON.stringify(stored),
          created_at: toDbTime(now),
        });
      } catch (err) {
        // No row, so no file either: nothing may point at files the database does not know.
        undoUpload(uuid, written);
        throw err;
      }
      await forgetIntentAsync(uuid);
      return present(media.findById(id)!);
    },

    /**
     * Deletes a media item, row first and then its files; refuses (conflict) while `isUsed`
     * says a note references its main file or any variant.
     */
    deleteMedia(id: number, isUsed: (url: string) => boolean): void {
      const row = media.findById(id);
      if (!row) throw new AppError('not_found', 'There is no such media item.');
      const item = present(row);
      if ([item.url, ...Object.values(item.variants)].some((url) => isUsed(url))) {
        const name = item.originalName ?? item.filePath;
        throw new AppError('conflict', `"${name}" is used by a note; remove it from the note first.`);
      }
      media.deleteMedia(id);
      removeFiles([row.file_path, ...Object.values(variantPaths(row.variants))]);
    },

    /** The site-relative URL of a media item's main file: /media/YYYY/MM/<uuid>.<ext>. */
    urlFor(item: Pick<MediaItem, 'filePath'>): string {
      return urlForPath(item.filePath);
    },

    /** One page of the library, newest first. */
    listMedia(limit: number, offset: number): MediaItem[] {
      return media.listMedia(limit, offset).map(present);
    },

    /** How many items the library holds. */
    countMedia(): number {
      return media.countMedia();
    },

    /**
     * The stored images these URLs name (see mediaPathOfUrl), keyed by the URL as given, in one
     * query; URLs of other sites or of files the library does not know are left out.
     */
    findImages(urls: Iterable<string>, siteUrl: string): Map<string, StoredImage> {
      const pathOf = new Map<string, string>();
      for (const url of urls) {
        const path = mediaPathOfUrl(url, siteUrl);
        if (path !== undefined) pathOf.set(url, path);
      }
      const byPath = new Map(media.findByPaths([...new Set(pathOf.values())]).map((r) => [r.file_path, r]));
      const out = new Map<string, StoredImage>();
      for (const [url, path] of pathOf) {
        const row = byPath.get(path);
        if (row) out.set(url, storedImage(row));
      }
      return out;
    },

    /** The media item with this id, or undefined. */
    getMedia(id: number): MediaItem | undefined {
      const row = media.findById(id);
      return row ? present(row) : undefined;
    },
  };
}

/** The media service type. */
export type MediaService = ReturnType<typeof createMediaService>;
