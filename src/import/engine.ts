/**
 * The one engine every import source goes through (docs/decisions/0017-import-contract.md). It
 * reads a source's stream of items (contract.ts) and applies each one:
 *
 * - idempotently: `imported_items` maps (format, source id) to what the item became, so a second
 *   run adds and changes nothing and a longer re-export adds only what is new;
 * - keeping dates: a note is written at its old date, so it never shows as new in the feeds;
 * - quietly: the note writes carry `commands.quiet` (no Webmention, syndication, WebSub or reply
 *   context) unless the owner asked to announce;
 * - with its old addresses: each answers 301 to the note or page (former addresses, 023_imports.sql);
 * - with its pictures stored through the media service (sizes, an owner, alt text), read from a
 *   local folder or fetched through the SSRF-safe fetch;
 * - with its responses stored as received Webmentions, shown under the note like any other;
 * - all or nothing: everything happens in one write batch (NoteWriter.beginBatch); a source that
 *   fails to read, or anything unexpected, rolls the whole import back, note files and pictures
 *   included. One item that cannot be imported is rolled back alone and reported.
 *
 * It streams: it holds one item at a time, and the report keeps counts and at most a few hundred
 * lines of detail.
 */
import { randomUUID } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import { formerAddressesStore } from '../db/store/former-addresses.js';
import { type ImportedKind, importedItemsStore } from '../db/store/imported-items.js';
import { toDbTime } from '../lib/db-time.js';
import { resolveUnder } from '../lib/files.js';
import { formerAddressKeyOfUrl } from '../lib/former-address.js';
import type { MediaItem, MediaService } from '../media/service.js';
import { MEDIA_URL_PREFIX } from '../media/service.js';
import { removeMediaFile } from '../media/storage.js';
import { clearUploadIntent, recordUploadIntent } from '../media/upload-intents.js';
import type { NoteService, WriteBatch } from '../notes/service.js';
import type { Mf2Properties, Photo } from '../notes/types.js';
import type { FetchLike } from '../outbound/safe-fetch.js';
import type { PageService } from '../pages/service.js';
import { importWebmentions } from '../webmention/portability.js';
import type { ImportItem, ImportMedia, ImportResponse, SourceReader } from './contract.js';
import { htmlToMarkdown } from './markdown.js';
import { importSlug } from './slug.js';

/** Where the items go: the site's services over one database connection that nothing else uses meanwhile. */
export interface ImportTarget {
  db: Db;
  notes: NoteService;
  media: MediaService;
  pages: PageService;
  /** SITE_URL, ending with '/'. */
  siteUrl: string;
  mediaPath: string;
  /**
   * The clock the notes, pages and media services were built with: the engine sets it to each
   * item's date while writing it, so the note is created then (and stored under that month).
   */
  clock: Clock & { set(d: Date): void };
  /** The SSRF-safe fetch, for pictures the local folder does not have; undefined = never fetch. */
  fetch?: FetchLike;
}

/** How to import. */
export interface ImportOptions {
  /** Read everything and report what would happen, writing nothing and fetching nothing. */
  dryRun?: boolean;
  /** Let the background features announce the imported notes (Webmentions, syndication, WebSub). */
  announce?: boolean;
  /** A local folder holding the source's files (WordPress's wp-content/uploads). */
  mediaFolder?: string;
  /** The real time, for what is scheduled (default: now). */
  now?: Date;
  /** Told after every item read. */
  onProgress?: (p: ImportProgress) => void;
}

/** Progress so far. */
export interface ImportProgress {
  read: number;
  imported: number;
  skipped: number;
  failed: number;
  /** The item just handled. */
  label: string;
}

/** One line of the report: an item skipped or failed (and why), or a picture that failed. */
export interface ImportLine {
  label: string;
  outcome: 'imported' | 'skipped' | 'failed';
  detail: string;
}

/** What an import did (or, dry, would do). */
export interface ImportReport {
  format: string;
  /** The old site's address, when the source says it. */
  siteUrl?: string;
  dryRun: boolean;
  announced: boolean;
  read: number;
  imported: { notes: number; pages: number };
  skipped: number;
  failed: number;
  /** Why items were skipped, with how many each. */
  skippedBecause: Record<string, number>;
  /** Pictures stored: read from the local folder, from the source itself (an archive's files), or fetched. */
  media: {
    stored: number;
    fetched: number;
    fromFolder: number;
    fromSource: number;
    reused: number;
    failed: number;
  };
  responses: { imported: number; skipped: number; failed: number };
  oldAddresses: { mapped: number; notKept: number };
  warnings: string[];
  /** Skipped and failed items and failed pictures, with why (at most MAX_LINES; `more` counts the rest). */
  lines: ImportLine[];
  more: number;
}

/** The most lines of detail a report keeps (the counts are always complete). */
export const MAX_LINES = 500;

/** The largest picture fetched or read (bytes); the media service refuses larger uploads anyway. */
const MAX_MEDIA_BYTES = 20 * 1024 * 1024;

/** A picture stored by this import, for undoing it if the import does not commit. */
interface WrittenMedia {
  uuid: string;
  files: string[];
}

function emptyReport(reader: SourceReader, options: ImportOptions): ImportReport {
  return {
    format: reader.format,
    ...(reader.siteUrl ? { siteUrl: reader.siteUrl } : {}),
    dryRun: options.dryRun === true,
    announced: options.announce === true,
    read: 0,
    imported: { notes: 0, pages: 0 },
    skipped: 0,
    failed: 0,
    skippedBecause: {},
    media: { stored: 0, fetched: 0, fromFolder: 0, fromSource: 0, reused: 0, failed: 0 },
    responses: { imported: 0, skipped: 0, failed: 0 },
    oldAddresses: { mapped: 0, notKept: 0 },
    warnings: [],
    lines: [],
    more: 0,
  };
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Imports everything `reader` yields into `target`; see the module comment. */
export async function runImport(
  reader: SourceReader,
  target: ImportTarget,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const report = emptyReport(reader, options);
  const now = options.now ?? new Date();
  const imported = importedItemsStore(target.db);
  const former = formerAddressesStore(target.db);
  const written: WrittenMedia[] = [];
  const menuPages: { id: number; order: number }[] = [];
  const format = reader.format;

  const line = (l: ImportLine) => {
    if (report.lines.length < MAX_LINES) report.lines.push(l);
    else report.more++;
  };
  const warn = (m: string) => {
    if (report.warnings.length < MAX_LINES) report.warnings.push(m);
    else report.more++;
  };
  const skip = (label: string, reason: string, detail = reason) => {
    report.skipped++;
    report.skippedBecause[reason] = (report.skippedBecause[reason] ?? 0) + 1;
    // "Already imported" is the whole of a second run: counted, not listed.
    if (reason !== 'already imported') line({ label, outcome: 'skipped', detail });
  };
  const record = (sourceId: string, kind: ImportedKind, id: number | null) =>
    imported.insertImported({
      source: format,
      source_id: sourceId,
      kind,
      target_id: id,
      imported_at: toDbTime(now),
    });

  /** Sets the services' clock to `at`, but never past the real time (a scheduled post is written now). */
  const at = (d: Date) => target.clock.set(d.getTime() < now.getTime() ? d : now);

  // --- pictures ------------------------------------------------------------------------------

  // The folder given with the import (--media), else the source's own (a Markdown site's folder).
  const mediaFolder = options.mediaFolder ?? reader.mediaFolder;

  async function mediaBytes(
    m: ImportMedia,
  ): Promise<{ bytes: Buffer; from: 'folder' | 'source' | 'fetched' }> {
    if (m.read) return { bytes: await m.read(MAX_MEDIA_BYTES), from: 'source' };
    if (mediaFolder && m.localPath) {
      try {
        const full = resolveUnder(mediaFolder, m.localPath);
        const st = lstatSync(full);
        if (st.isFile() && st.size <= MAX_MEDIA_BYTES) return { bytes: readFileSync(full), from: 'folder' };
      } catch {
        // Not in the folder (or outside it): fetched below when the old site still answers.
      }
    }
    if (!target.fetch) {
      throw new Error(
        mediaFolder
          ? `not in ${mediaFolder}, and fetching from the old site is off`
          : 'no local folder given (--media) and fetching from the old site is off',
      );
    }
    const res = await target.fetch(m.url, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`the old site answered ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > MAX_MEDIA_BYTES) {
      await res.body?.cancel();
      throw new Error(`larger than ${MAX_MEDIA_BYTES / 1024 / 1024} MB`);
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > MAX_MEDIA_BYTES) throw new Error(`larger than ${MAX_MEDIA_BYTES / 1024 / 1024} MB`);
    return { bytes, from: 'fetched' };
  }

  /** The stored copy of a picture: stored once per source URL, whichever item uses it first. */
  async function storeMedia(m: ImportMedia, label: string): Promise<MediaItem | undefined> {
    const key = `media:${m.url}`;
    const known = imported.findImported(format, key);
    if (known?.target_id) {
      const item = target.media.getMedia(known.target_id);
      if (item) {
        report.media.reused++;
        return item;
      }
    }
    try {
      const { bytes, from } = await mediaBytes(m);
      const item = await target.media.saveUpload({
        bytes,
        originalName: basename(new URL(m.url).pathname),
        alt: m.alt.slice(0, 1000),
      });
      // The upload's own record is gone once its row is written, but this row commits only with
      // the whole import: a record of ours tells start-up whose files these are until then.
      const files = [
        item.filePath,
        ...Object.values(item.variants).map((u) => u.slice(MEDIA_URL_PREFIX.length)),
      ];
      const uuid = randomUUID();
      await recordUploadIntent(target.mediaPath, uuid, files);
      written.push({ uuid, files });
      if (!known) record(key, 'media', item.id);
      report.media.stored++;
      report.media[from === 'folder' ? 'fromFolder' : from === 'source' ? 'fromSource' : 'fetched']++;
      return item;
    } catch (err) {
      report.media.failed++;
      line({ label, outcome: 'failed', detail: `picture ${m.url}: ${message(err)}` });
      return undefined;
    }
  }

  // --- items ---------------------------------------------------------------------------------

  /** Rewrites the old addresses of stored pictures in HTML to their copies here. */
  function rewrite(html: string, stored: Map<string, string>): string {
    let out = html;
    for (const [from, to] of stored) out = out.split(from).join(to);
    return out;
  }

  function mapAddresses(item: ImportItem, to: { noteId: number } | { pageId: number }): void {
    for (const url of item.oldAddresses) {
      const key = formerAddressKeyOfUrl(url);
      // The home page of the old site is the home page here: never an item's address.
      if (key === undefined || key === '/') continue;
      const holder = former.findFormerAddress(key);
      if (holder) {
        const same =
          ('noteId' in to && holder.noteId === to.noteId) || ('pageId' in to && holder.pageId === to.pageId);
        if (!same) {
          report.oldAddresses.notKept++;
          line({
            label: item.label,
            outcome: 'skipped',
            detail: `old address ${key} already leads elsewhere`,
          });
        }
        continue;
      }
      former.insertFormerAddress(key, to, toDbTime(now));
      report.oldAddresses.mapped++;
    }
  }

  function importResponses(item: ImportItem, slug: string): void {
    if (item.responses.length === 0) return;
    const target_ = new URL(`notes/${encodeURIComponent(slug)}`, target.siteUrl).href;
    const r = importWebmentions({
      db: target.db,
      notes: target.notes,
      items: item.responses.map((x) => asMention(x, target_)),
      now,
    });
    report.responses.imported += r.imported;
    report.responses.skipped += r.skipped;
    report.responses.failed += r.failed;
    for (const l of r.lines)
      if (l.outcome === 'failed')
        line({ label: item.label, outcome: 'failed', detail: `response ${l.source}: ${l.detail ?? ''}` });
  }

  async function apply(item: ImportItem): Promise<void> {
    const stored = new Map<string, string>();
    const photos: Photo[] = [];
    for (const m of item.media) {
      const copy = await storeMedia(m, item.label);
      if (!copy) continue;
      const url = new URL(copy.url.slice(1), target.siteUrl).href;
      stored.set(m.url, url);
      if (m.role === 'photo' && !photos.some((p) => p.url === url)) photos.push({ url, alt: m.alt });
    }
    // Markdown is rewritten too: a Markdown source names its pictures by their old addresses.
    const markdown =
      'html' in item.content
        ? htmlToMarkdown(rewrite(item.content.html, stored))
        : rewrite(item.content.markdown, stored);
    for (const w of item.warnings) warn(`${item.label}: ${w}`);
    at(item.publishedAt);
    try {
      if (item.kind === 'page') {
        const id = createPage(item, markdown);
        record(item.sourceId, 'page', id);
        mapAddresses(item, { pageId: id });
        if (item.menu) menuPages.push({ id, order: item.menu.order });
        report.imported.pages++;
        return;
      }
      const properties: Mf2Properties = {};
      const here = sameSourceAddresses(item);
      for (const [k, v] of Object.entries(item.properties ?? {}))
        if (v && v.length > 0) properties[k] = v.map((u) => here.get(u) ?? u);
      if (item.summary) properties.summary = [item.summary];
      const note = target.notes.createNote({
        content: markdown,
        name: item.title,
        slug: slugFor(item) ?? null,
        published: item.published,
        publishedAt: item.publishedAt,
        visibility: item.visibility,
        tags: item.tags,
        photos,
        ...(Object.keys(properties).length > 0 ? { properties } : {}),
        commands: { quiet: options.announce !== true },
      });
      record(item.sourceId, 'note', note.id);
      mapAddresses(item, { noteId: note.id });
      importResponses(item, note.slug);
      report.imported.notes++;
    } finally {
      target.clock.set(now);
    }
  }

  /** The addresses here of the items of the same source that `item` names (item.sameSource). */
  function sameSourceAddresses(item: ImportItem): Map<string, string> {
    const out = new Map<string, string>();
    for (const { url, sourceId } of item.sameSource ?? []) {
      const known = imported.findImported(format, sourceId);
      if (known?.kind !== 'note' || known.target_id === null) continue;
      const note = target.notes.getNoteById(known.target_id);
      if (note) out.set(url, new URL(`notes/${encodeURIComponent(note.slug)}`, target.siteUrl).href);
    }
    return out;
  }

  /** Creates a page, its slug suffixed (-2, -3…) while another page holds it. */
  function createPage(item: ImportItem, markdown: string): number {
    const base = slugFor(item) ?? importSlug(item.title ?? '') ?? 'page';
    for (let n = 1; ; n++) {
      const slug = n === 1 ? base : `${base}-${n}`;
      try {
        return target.pages.create({
          title: item.title?.trim() || slug,
          slug,
          content: markdown,
          published: item.published,
          inMenu: item.menu !== undefined,
        });
      } catch (err) {
        if (n < 50 && (err as { code?: string }).code === 'conflict') continue;
        throw err;
      }
    }
  }

  /** Responses new since an earlier import of the same item (a re-export with more comments). */
  function laterResponses(item: ImportItem, noteId: number | null): void {
    if (noteId === null || item.responses.length === 0) return;
    const note = target.notes.getNoteById(noteId);
    if (note) importResponses(item, note.slug);
  }

  // --- the run -------------------------------------------------------------------------------

  let batch: WriteBatch | undefined;
  if (!options.dryRun) batch = target.notes.beginBatch();
  const undoMedia = (from: number) => {
    for (const w of written.splice(from)) {
      for (const f of w.files) {
        try {
          removeMediaFile(target.mediaPath, f);
        } catch {}
      }
      try {
        clearUploadIntent(target.mediaPath, w.uuid);
      } catch {
        // Start-up removes it with whatever it names.
      }
    }
  };
  try {
    for await (const ev of reader.events()) {
      if (ev.type === 'warning') {
        warn(ev.message);
        continue;
      }
      report.read++;
      if (ev.type === 'skipped') {
        skip(ev.label, ev.reason);
      } else {
        const item = ev.item;
        const known = imported.findImported(format, item.sourceId);
        if (known) {
          skip(item.label, 'already imported');
          if (batch && known.kind === 'note') laterResponses(item, known.target_id);
        } else if (!batch) {
          // Dry run: what would be imported, without writing or fetching anything.
          if (item.kind === 'page') report.imported.pages++;
          else report.imported.notes++;
          const keys = new Set(item.oldAddresses.map((u) => formerAddressKeyOfUrl(u)));
          keys.delete(undefined);
          keys.delete('/');
          report.oldAddresses.mapped += [...keys].filter((k) => !former.findFormerAddress(k!)).length;
          for (const w of item.warnings) warn(`${item.label}: ${w}`);
        } else {
          const mark = written.length;
          try {
            await batch.savepoint(() => apply(item));
          } catch (err) {
            undoMedia(mark);
            report.failed++;
            line({ label: item.label, outcome: 'failed', detail: message(err) });
          }
        }
      }
      options.onProgress?.({
        read: report.read,
        imported: report.imported.notes + report.imported.pages,
        skipped: report.skipped,
        failed: report.failed,
        label: ev.type === 'item' ? ev.item.label : ev.label,
      });
    }
    if (reader.siteUrl) report.siteUrl = reader.siteUrl;
    if (batch) {
      if (menuPages.length > 0) {
        target.pages.appendToMenu(menuPages.sort((a, b) => a.order - b.order).map((p) => p.id));
      }
      await batch.commit();
      batch = undefined;
      for (const w of written) {
        try {
          clearUploadIntent(target.mediaPath, w.uuid);
        } catch {
          // A record left behind is harmless: its row exists, so start-up removes only the record.
        }
      }
    }
  } catch (err) {
    batch?.rollback();
    undoMedia(0);
    throw err;
  }
  return report;
}

/**
 * The slug an item asks for. Slugs here are ASCII: a slug in another script (WordPress keeps
 * Greek or Cyrillic ones) would lose its words, so the title's ASCII words are tried first.
 */
function slugFor(item: ImportItem): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: any character past ASCII
  if (item.slug && /[^\x00-\x7f]/.test(item.slug))
    return importSlug(item.title ?? '') ?? importSlug(item.slug);
  return importSlug(item.slug);
}

/** A response as the received-Webmention import reads one (an mf2 h-cite with `wm-*` fields). */
function asMention(r: ImportResponse, target: string): unknown {
  const property = {
    reply: 'in-reply-to',
    mention: 'mention-of',
    like: 'like-of',
    repost: 'repost-of',
    bookmark: 'bookmark-of',
  }[r.kind];
  const author: Record<string, string[]> = {};
  if (r.author.name) author.name = [r.author.name];
  if (r.author.url) author.url = [r.author.url];
  if (r.author.photo) author.photo = [r.author.photo];
  const props: Record<string, unknown[]> = {
    url: [r.url],
    author: [{ type: ['h-card'], properties: author }],
  };
  if (r.html !== undefined || r.text !== undefined) {
    props.content = [{ html: r.html ?? '', value: r.text ?? '' }];
  }
  if (r.published) props.published = [r.published.toISOString()];
  props['in-reply-to'] = r.inReplyTo ? [target, r.inReplyTo] : [target];
  return {
    type: 'entry',
    'wm-source': r.url,
    'wm-target': target,
    'wm-property': property,
    'wm-status': r.approved ? 'approved' : 'pending',
    ...(r.published ? { 'wm-received': r.published.toISOString() } : {}),
    properties: props,
  };
}
