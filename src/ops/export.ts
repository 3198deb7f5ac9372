/**
 * `starpunk export`: everything in portable formats — each note as Markdown with YAML front
 * matter, the media files (with media.json), every note as mf2 JSON, a JSON Feed 1.1, and the
 * received Webmentions as mf2 JSON (webmentions.json), what was read of the pages notes respond
 * to (reply-contexts.json, h-cites), and the public settings (settings.json). A note's former
 * slugs travel in its front matter (`former_slugs`), so its old addresses keep answering 301.
 */

import {
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config.js';
import type { Db } from '../db/open.js';
import { formerAddressesStore } from '../db/store/former-addresses.js';
import { formerSlugsStore } from '../db/store/former-slugs.js';
import { type MediaRow, mediaStore } from '../db/store/media.js';
import { notesStore } from '../db/store/notes.js';
import { jsonFeedFrame, renderJsonFeedItem } from '../feeds/index.js';
import { toDbTime } from '../lib/db-time.js';
import { readNoteFile, resolveUnder } from '../lib/files.js';
import { NO_PROGRESS, type ProgressFactory, shownSync } from '../lib/progress.js';
import { interruptedUploads } from '../media/owners.js';
import { createMediaService } from '../media/service.js';
import { noteToMf2 } from '../micropub/present.js';
import { responseUrls } from '../notes/response-kinds.js';
import { createNoteService } from '../notes/service.js';
import type { Note } from '../notes/types.js';
import { exportPages, PAGES_FILE } from '../pages/portability.js';
import { createPageService } from '../pages/service.js';
import { exportReplyContexts, REPLY_CONTEXTS_FILE } from '../reply-context/portability.js';
import { exportSettings, SETTINGS_FILE } from '../settings/portability.js';
import { createSettingsService } from '../settings/service.js';
import { createSiteContext } from '../site/context.js';
import { feedLinksFrom, noteToFeedItem } from '../site/feed-item.js';
import { withStoredImages } from '../site/note-images.js';
import { exportWebmentions, WEBMENTIONS_FILE } from '../webmention/portability.js';
import { fileStamp, listRegularFiles, sha256Hex } from './common.js';
import { stringifyFrontMatter } from './front-matter.js';

/**
 * A file holding `{ "items": [...] }` as `JSON.stringify(value, null, 2)` would write it, written one
 * item at a time so an export of any size never holds every item at once.
 */
function itemsFile(path: string) {
  const fd = openSync(path, 'wx');
  let n = 0;
  return {
    add(item: unknown): void {
      const json = JSON.stringify(item, null, 2).replace(/\n/g, '\n    ');
      writeSync(fd, `${n++ === 0 ? '{\n  "items": [\n' : ',\n'}    ${json}`);
    },
    close(): void {
      writeSync(fd, n === 0 ? '{\n  "items": []\n}\n' : '\n  ]\n}\n');
      closeSync(fd);
    },
  };
}

/** Options for exportSite. */
export interface ExportOptions {
  db: Db;
  /** The configuration; the site's name, author and language are the saved settings over it. */
  config: Config;
  /** The folder the export folder is created in. */
  outDir: string;
  now?: () => Date;
  /** Shows how far each step is (on a terminal: `starpunk export`). */
  progress?: ProgressFactory;
}

/** What an export produced. */
export interface ExportResult {
  path: string;
  notes: number;
  mediaFiles: number;
  /** Received Webmentions written to webmentions.json (mf2 JSON). */
  webmentions: number;
  /** Standalone pages written to pages.json. */
  pages: number;
  /** Pages notes respond to whose title and author were read, written to reply-contexts.json. */
  replyContexts: number;
  /** Notes whose file was missing or did not match the database (exported as found; see `starpunk doctor`). */
  warnings: string[];
}

/**
 * The front matter written for a note: everything needed to recreate it. `formerSlugs` are the
 * slugs it had before (oldest first): an import makes their addresses lead to it again.
 */
export function frontMatterOf(
  note: Note,
  formerSlugs: readonly string[] = [],
  formerAddresses: readonly string[] = [],
): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  if (note.name) data.title = note.name;
  data.slug = note.slug;
  if (formerSlugs.length > 0) data.former_slugs = [...formerSlugs];
  // Addresses it had on the site it was imported from (023_imports.sql): they lead to it again.
  if (formerAddresses.length > 0) data.former_addresses = [...formerAddresses];
  data.published = note.publishedAt.toISOString();
  data.created = note.createdAt.toISOString();
  if (note.updatedAt) data.updated = note.updatedAt.toISOString();
  if (note.deletedAt) data.deleted = note.deletedAt.toISOString();
  data.status = note.published ? 'published' : 'draft';
  data.visibility = note.visibility;
  if (note.tags.length > 0) data.tags = note.tags.map((t) => t.name);
  if (note.photos.length > 0) {
    data.photos = note.photos.map((p) => (p.alt ? { url: p.url, alt: p.alt } : { url: p.url }));
  }
  return data;
}

function mediaJsonOf(row: MediaRow): Record<string, unknown> {
  let variants: unknown = {};
  try {
    variants = JSON.parse(row.variants);
  } catch {
    variants = {};
  }
  return {
    path: row.file_path,
    mime_type: row.mime_type,
    size: row.size,
    width: row.width,
    height: row.height,
    alt: row.alt,
    original_name: row.original_name,
    sha256: row.sha256,
    variants,
    created_at: row.created_at,
  };
}

/**
 * Writes `starpunk-export-<time>/` under `outDir` (built in a hidden folder and renamed when
 * complete, mode 0700 since it holds drafts and private notes). Trashed notes are exported with
 * a `deleted` date; feed.json holds every note the public timeline shows.
 */
export function exportSite(options: ExportOptions): ExportResult {
  const now = options.now ?? (() => new Date());
  const progress = options.progress ?? NO_PROGRESS;
  const started = now();
  const { config, db } = options;
  const stamp = fileStamp(started);
  const final = join(options.outDir, `starpunk-export-${stamp}`);
  const partial = join(options.outDir, `.starpunk-export-${stamp}.partial`);
  mkdirSync(options.outDir, { recursive: true });
  mkdirSync(partial, { mode: 0o700 });
  try {
    const notes = createNoteService({ db, notesPath: config.notesPath, clock: { now } });
    const store = notesStore(db);
    const formerSlugs = formerSlugsStore(db);
    const formerAddresses = formerAddressesStore(db);
    // The pages notes respond to, in the order first cited (their contexts go to reply-contexts.json).
    const cited = new Set<string>();
    // The site as its pages describe it: the saved settings over the environment's defaults.
    const site = createSiteContext({
      db,
      config,
      settings: createSettingsService({ db, config, clock: { now } }),
      pages: createPageService({ db, clock: { now } }),
    }).current();
    const { urls } = site;
    const notesOut = join(partial, 'notes');
    mkdirSync(notesOut);
    const mf2 = itemsFile(join(partial, 'mf2.json'));
    const warnings: string[] = [];
    let count = 0;
    const exporting = progress('Exporting notes', store.countNotes());
    shownSync(exporting, (step) => {
      for (
        let rows = store.listBatch(0, 500);
        rows.length > 0;
        rows = store.listBatch(rows.at(-1)!.id, 500)
      ) {
        for (const row of rows) {
          step.tick();
          // A writer may change a note between reading its row and its file: read both again.
          let note: Note | undefined;
          let bytes: Buffer | undefined;
          for (let i = 0; i < 3; i++) {
            note = notes.getNoteById(row.id);
            if (!note) break;
            bytes = readNoteFile(config.notesPath, note.filePath);
            if (bytes && sha256Hex(bytes) === note.contentHash) break;
          }
          if (!note) continue;
          if (!bytes) warnings.push(`note "${note.slug}": its file ${note.filePath} is missing`);
          else if (sha256Hex(bytes) !== note.contentHash) {
            warnings.push(`note "${note.slug}": its file does not match the database`);
          }
          const body = bytes ? bytes.toString('utf8') : '';
          const target = resolveUnder(notesOut, note.filePath);
          mkdirSync(dirname(target), { recursive: true });
          const former = formerSlugs.listFormerSlugs(note.id);
          const addresses = formerAddresses.listForNote(note.id);
          writeFileSync(target, stringifyFrontMatter(frontMatterOf(note, former, addresses), body), {
            flag: 'wx',
          });
          for (const url of responseUrls(note.properties)) cited.add(url);
          const entry: Record<string, unknown> = noteToMf2(note, urls.note(note.slug));
          if (note.deletedAt) entry.deleted = note.deletedAt.toISOString();
          mf2.add(entry);
          count++;
        }
      }
    });
    mf2.close();
    const mentionsOut = itemsFile(join(partial, WEBMENTIONS_FILE));
    const webmentions = exportWebmentions(db, (item) => mentionsOut.add(item));
    mentionsOut.close();
    const contextsOut = itemsFile(join(partial, REPLY_CONTEXTS_FILE));
    const replyContexts = exportReplyContexts(db, cited, (item) => contextsOut.add(item));
    contextsOut.close();
    // Site and author settings only (site.*, author.*): never the password hash or secrets.
    writeFileSync(join(partial, SETTINGS_FILE), `${JSON.stringify(exportSettings(db), null, 2)}\n`, {
      flag: 'wx',
    });
    const pages = exportPages(db);
    writeFileSync(join(partial, PAGES_FILE), `${JSON.stringify({ items: pages }, null, 2)}\n`);

    const media = mediaStore(db);
    const mediaRows: Record<string, unknown>[] = [];
    for (
      let offset = 0, page = media.listMedia(500, 0);
      page.length > 0;
      page = media.listMedia(500, offset)
    ) {
      mediaRows.push(...page.map(mediaJsonOf));
      offset += page.length;
    }
    mediaRows.reverse();
    writeFileSync(join(partial, 'media.json'), `${JSON.stringify({ items: mediaRows }, null, 2)}\n`);
    const mediaOut = join(partial, 'media');
    mkdirSync(mediaOut);
    // The files of every owner (src/ops/file-owners.ts: the library's, the settings' pictures) and
    // files nobody owns; not those of an upload still under way. Never the site's keys.
    const inFlight = interruptedUploads(config.mediaPath, (p) => media.findByPath(p) !== undefined);
    const mediaFiles = listRegularFiles(config.mediaPath).filter((rel) => !inFlight.has(rel));
    shownSync(progress('Copying media', mediaFiles.length), (step) => {
      for (const rel of mediaFiles) {
        const target = resolveUnder(mediaOut, rel);
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(resolveUnder(config.mediaPath, rel), target);
        step.tick();
      }
    });

    const links = feedLinksFrom(urls);
    // Written item by item: the whole site as one array took hundreds of megabytes at 100,000 notes.
    const frame = jsonFeedFrame(site.feed, links);
    const feed = openSync(join(partial, 'feed.json'), 'wx');
    // The public notes' count is not known without another query: the count alone.
    const feeding = progress('Writing feed.json', 0);
    try {
      writeSync(feed, frame.head);
      let first = true;
      const library = createMediaService({ db, mediaPath: config.mediaPath, clock: { now } });
      for (let page = notes.listPublicNotes(500); page.length > 0; ) {
        // Photo sizes and types for the attachments, one lookup per page of notes.
        for (const n of withStoredImages(page, (u) => library.findImages(u, config.siteUrl))) {
          writeSync(feed, `${first ? '' : ','}${renderJsonFeedItem(site.feed, noteToFeedItem(n, urls))}`);
          first = false;
          feeding.tick();
        }
        const last = page.at(-1)!;
        page = notes.listPublicNotes(500, { publishedAt: toDbTime(last.publishedAt), id: last.id });
      }
      writeSync(feed, frame.tail);
    } finally {
      feeding.done();
      closeSync(feed);
    }

    renameSync(partial, final);
    return {
      path: final,
      notes: count,
      mediaFiles: mediaFiles.length,
      webmentions,
      pages: pages.length,
      replyContexts,
      warnings,
    };
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
}
