/**
 * `starpunk import`: bring notes in from a StarPunk data directory of any version (Python or
 * TypeScript, read strictly read-only) or from a folder of Markdown files with YAML front matter.
 * Every note goes through the note service; importing the same source twice creates nothing new.
 * Besides the notes, a note's former slugs (its old addresses, which answer 301) and what was read
 * of the pages notes respond to (reply context) come along, from an export or a data directory.
 */
import {
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fstatSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import Database from 'better-sqlite3';
import { fixedClock } from '../clock.js';
import type { Db } from '../db/open.js';
import { formerAddressesStore } from '../db/store/former-addresses.js';
import { formerSlugsStore } from '../db/store/former-slugs.js';
import { mediaStore } from '../db/store/media.js';
import { notesStore } from '../db/store/notes.js';
import { settingsStore } from '../db/store/settings.js';
import { importSlug } from '../import/slug.js';
import { findInTrash, locateNoteFile, TrashIndex } from '../legacy/note-paths.js';
import { parseDbTime, toDbTime } from '../lib/db-time.js';
import { resolveUnder } from '../lib/files.js';
import { formerAddressKeyOfUrl } from '../lib/former-address.js';
import { mediaTypeOf } from '../lib/media-types.js';
import { MEDIA_URL_PREFIX } from '../media/service.js';
import { writeMediaFile } from '../media/storage.js';
import { responseUrls } from '../notes/response-kinds.js';
import { createNoteService, type NoteService } from '../notes/service.js';
import { generateSlug, validateCustomSlug } from '../notes/slug.js';
import type { Mf2Properties, Photo, Visibility } from '../notes/types.js';
import {
  importPages,
  PAGES_FILE,
  type PageImportReport,
  pageItemsFromDatabase,
} from '../pages/portability.js';
import {
  importReplyContexts,
  REPLY_CONTEXTS_FILE,
  type ReplyContextImportReport,
  replyContextItemsFromDatabase,
} from '../reply-context/portability.js';
import { copySettingsPictures, importSettings, type SettingsImportReport } from '../settings/portability.js';
import {
  importWebmentions,
  WEBMENTIONS_FILE,
  type WebmentionImportReport,
  webmentionItemsFromDatabase,
} from '../webmention/portability.js';
import { listRegularFiles, sha256Hex } from './common.js';
import { parseFrontMatter } from './front-matter.js';

/** One note to import, whatever the source. */
export interface ImportItem {
  /** Where it came from, for the report (a file path or "notes row 12"). */
  source: string;
  slug: string | undefined;
  content: string;
  name: string | null;
  createdAt: Date;
  publishedAt: Date;
  updatedAt: Date | null;
  deletedAt: Date | null;
  published: boolean;
  visibility: Visibility;
  tags: string[];
  photos: Photo[];
  properties?: Mf2Properties;
  /** The slugs the note had before its current one, oldest first: their addresses lead to it again. */
  formerSlugs?: string[];
  /** Addresses it had on a site it was imported from (former-address keys): they lead to it again. */
  formerAddresses?: string[];
}

/** What happened to one note or media file. */
export interface ImportLine {
  source: string;
  outcome: 'imported' | 'skipped' | 'failed';
  slug?: string;
  detail?: string;
}

/** The result of an import. */
export interface ImportReport {
  kind: 'starpunk-data-directory' | 'markdown-folder';
  imported: number;
  skipped: number;
  failed: number;
  media: { copied: number; skipped: number; failed: number };
  lines: ImportLine[];
  mediaLines: ImportLine[];
  /** Received Webmentions of the imported notes, when the source had any. */
  webmentions?: WebmentionImportReport;
  /** The settings of an export (settings.json), when it had them. */
  settings?: SettingsImportReport;
  /** Standalone pages, when the source had any. */
  pages?: PageImportReport;
  /** What was read of the pages the notes respond to, when the source had any. */
  replyContexts?: ReplyContextImportReport;
  /** Former slugs of the notes: kept (now leading to their note), or not (another note holds them). */
  formerSlugs: { kept: number; lines: ImportLine[] };
}

/** Options for importNotes. */
export interface ImportOptions {
  /** A data directory (holding starpunk.db), a database file, or a folder of Markdown files. */
  source: string;
  /** The target: an open, migrated database and its folders. */
  db: Db;
  databasePath: string;
  notesPath: string;
  mediaPath: string;
  now?: () => Date;
}

/** A media file to copy into MEDIA_PATH, with what is known about it. */
interface MediaCopy {
  /** Path relative to both media folders. */
  rel: string;
  mimeType?: string;
  width?: number | null;
  height?: number | null;
  alt?: string;
  originalName?: string | null;
  createdAt?: Date;
  /** The variants JSON to record (StarPunk TypeScript sources), else '{}'. */
  variants?: string;
}

const VISIBILITIES: readonly string[] = ['public', 'unlisted', 'private'];

// Properties StarPunk derives from the note's own state; taken from an export's mf2.json they would go stale.
const DERIVED_PROPERTIES = ['url', 'published', 'updated', 'post-status', 'visibility'];

// Besides the images StarPunk serves, an export may hold other files (kept as downloads).
const OTHER_TYPES: Readonly<Record<string, string>> = {
  '.svg': 'image/svg+xml',
  '.mp4': 'video/mp4',
  '.mp3': 'audio/mpeg',
};

function urlForMedia(rel: string): string {
  return MEDIA_URL_PREFIX + rel.split('/').map(encodeURIComponent).join('/');
}

function normaliseMediaRel(raw: string): string {
  return raw.replace(/^\/+/, '').replace(/^media\//, '');
}

function parseTime(value: unknown, what: string): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return value;
  if (typeof value === 'string') {
    try {
      return parseDbTime(value);
    } catch {
      const d = new Date(value);
      if (!Number.isNaN(d.getTime())) return d;
    }
  }
  throw new Error(`unreadable ${what} "${String(value)}"`);
}

// ---------------------------------------------------------------------------------------------
// Source: a StarPunk data directory (Python 0.x/1.x or this StarPunk), opened read-only
// ---------------------------------------------------------------------------------------------

function tableNames(db: Database.Database): Set<string> {
  return new Set(
    (
      db.prepare("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view')").all() as { name: string }[]
    ).map((r) => r.name),
  );
}

function columnsOf(db: Database.Database, table: string): Set<string> {
  return new Set(
    (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name),
  );
}

const firstOf = (cols: Set<string>, names: string[]) => names.find((n) => cols.has(n));

/** A file of the source that is not a regular file inside it (a symbolic link, a device…). */
export class UnsafeSourceFile extends Error {}

/**
 * Reads a file of the import source, refusing anything that is not a regular file really inside
 * `root`: a symbolic link (to a private file elsewhere) would otherwise become a public note or a
 * served media file. The last component is opened without following links, and the real path of
 * its folder must lie inside the real path of the root.
 */
export function readSourceFile(root: string, full: string): Buffer {
  const st = lstatSync(full);
  if (st.isSymbolicLink()) throw new UnsafeSourceFile(`${full} is a symbolic link; it was not imported`);
  if (!st.isFile()) throw new UnsafeSourceFile(`${full} is not a regular file; it was not imported`);
  const realRoot = realpathSync(root);
  const realDir = realpathSync(dirname(full));
  const back = relative(realRoot, realDir);
  if (
    back.startsWith('..') ||
    back.split(sep).includes('..') ||
    (back !== '' && /^([A-Za-z]:|\/)/.test(back))
  ) {
    throw new UnsafeSourceFile(`${full} lies outside ${root} (through a linked folder); it was not imported`);
  }
  const fd = openSync(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile())
      throw new UnsafeSourceFile(`${full} is not a regular file; it was not imported`);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** True when the database file's header says WAL journal mode (bytes 18 and 19 are 2). */
function isWalDatabase(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(20);
    readSync(fd, header, 0, 20, 0);
    return header[18] === 2;
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens a source database read-only without creating anything beside it. A rollback-journal
 * database (every Python StarPunk) is opened in place. A WAL database whose -wal file is absent
 * would get fresh -wal and -shm files even when opened read-only, so a private copy is opened instead.
 */
function openSourceReadOnly(dbPath: string): { db: Database.Database; dispose: () => void } {
  if (!isWalDatabase(dbPath) || existsSync(`${dbPath}-wal`)) {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    return { db, dispose: () => db.close() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'starpunk-import-'));
  const copy = join(dir, 'source.db');
  copyFileSync(dbPath, copy);
  const db = new Database(copy, { readonly: true, fileMustExist: true });
  return {
    db,
    dispose: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Tags per note id, from a `tags` + `note_tags` pair of tables (Python 1.x or ours), in the author's order. */
function readSourceTags(src: Database.Database, tables: Set<string>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  if (!tables.has('tags') || !tables.has('note_tags')) return out;
  const nt = columnsOf(src, 'note_tags');
  const t = columnsOf(src, 'tags');
  if (!nt.has('note_id') || !nt.has('tag_id') || !t.has('id')) return out;
  const label = nt.has('display_name')
    ? 'nt.display_name'
    : t.has('display_name')
      ? 't.display_name'
      : 't.name';
  // Without a position, the order the links were written in (the author's order).
  const order = nt.has('position') ? 'nt.position' : 'nt.rowid';
  const rows = src
    .prepare(
      `SELECT nt.note_id AS note_id, ${label} AS tag FROM note_tags nt JOIN tags t ON t.id = nt.tag_id
       ORDER BY nt.note_id, ${order}`,
    )
    .all() as { note_id: number; tag: string | null }[];
  for (const r of rows) {
    if (typeof r.tag !== 'string' || r.tag.trim() === '') continue;
    const list = out.get(r.note_id) ?? [];
    list.push(r.tag);
    out.set(r.note_id, list);
  }
  return out;
}

/** Former slugs per note id, oldest first, from this StarPunk's `former_slugs` table. */
function readSourceFormerSlugs(src: Database.Database, tables: Set<string>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  if (!tables.has('former_slugs')) return out;
  const cols = columnsOf(src, 'former_slugs');
  if (!cols.has('slug') || !cols.has('note_id')) return out;
  const order = cols.has('replaced_at') ? 'note_id, replaced_at, slug' : 'note_id, slug';
  const rows = src.prepare(`SELECT note_id, slug FROM former_slugs ORDER BY ${order}`).all() as {
    note_id: number;
    slug: unknown;
  }[];
  for (const r of rows) {
    if (typeof r.slug !== 'string') continue;
    out.set(r.note_id, [...(out.get(r.note_id) ?? []), r.slug]);
  }
  return out;
}

/** Media rows (any version that has a media table) and Python 1.x note attachments (note_media). */
function readSourceMedia(
  src: Database.Database,
  tables: Set<string>,
): { copies: MediaCopy[]; photos: Map<number, Photo[]> } {
  const copies: MediaCopy[] = [];
  const photos = new Map<number, Photo[]>();
  if (!tables.has('media')) return { copies, photos };
  const m = columnsOf(src, 'media');
  const pathCol = firstOf(m, ['file_path', 'path', 'stored_path', 'stored_filename']);
  if (!pathCol || !m.has('id')) return { copies, photos };
  const pick = (names: string[]) => {
    const c = firstOf(m, names);
    return c ? `"${c}"` : 'NULL';
  };
  const rows = src
    .prepare(
      `SELECT id, "${pathCol}" AS path, ${pick(['mime_type'])} AS mime, ${pick(['width'])} AS width,
         ${pick(['height'])} AS height, ${pick(['alt'])} AS alt, ${pick(['original_name', 'filename'])} AS original,
         ${pick(['created_at', 'uploaded_at'])} AS created, ${pick(['variants'])} AS variants
       FROM media ORDER BY id`,
    )
    .all() as {
    id: number;
    path: string | null;
    mime: string | null;
    width: number | null;
    height: number | null;
    alt: string | null;
    original: string | null;
    created: string | null;
    variants: string | null;
  }[];
  const pathById = new Map<number, string>();
  for (const r of rows) {
    if (typeof r.path !== 'string' || r.path === '') continue;
    const rel = normaliseMediaRel(r.path);
    pathById.set(r.id, rel);
    let created: Date | undefined;
    try {
      created = parseTime(r.created, 'time') ?? undefined;
    } catch {
      created = undefined;
    }
    copies.push({
      rel,
      ...(r.mime ? { mimeType: r.mime } : {}),
      width: r.width,
      height: r.height,
      alt: r.alt ?? '',
      originalName: r.original,
      ...(created ? { createdAt: created } : {}),
      variants: r.variants ?? '{}',
    });
    // Variants of this StarPunk's media sit beside the main file and are listed in `variants`.
    if (r.variants) {
      try {
        for (const v of Object.values(JSON.parse(r.variants) as Record<string, { path?: unknown }>)) {
          if (v && typeof v.path === 'string') {
            copies.push({ rel: v.path, variants: 'variant' });
          }
        }
      } catch {
        // Unreadable variants: the main file is still copied.
      }
    }
  }
  // Python 1.4+: size variants in their own table, paths relative to media/ like the main file.
  if (tables.has('media_variants')) {
    const mv = columnsOf(src, 'media_variants');
    const kindCol = firstOf(mv, ['variant_type', 'variant', 'type', 'name']);
    const vPath = firstOf(mv, ['path', 'file_path', 'filename']);
    if (kindCol && vPath && mv.has('media_id')) {
      const pick = (n: string[]) => {
        const c = firstOf(mv, n);
        return c ? `"${c}"` : 'NULL';
      };
      const variants = src
        .prepare(
          `SELECT media_id, "${kindCol}" AS kind, "${vPath}" AS path, ${pick(['width'])} AS width,
             ${pick(['height'])} AS height, ${pick(['size_bytes', 'size'])} AS size FROM media_variants ORDER BY rowid`,
        )
        .all() as {
        media_id: number;
        kind: string;
        path: string;
        width: number;
        height: number;
        size: number;
      }[];
      const byMedia = new Map<number, Record<string, unknown>>();
      for (const v of variants) {
        if (typeof v.path !== 'string' || typeof v.kind !== 'string') continue;
        const rel = normaliseMediaRel(v.path);
        const map = byMedia.get(v.media_id) ?? {};
        map[v.kind] = { path: rel, width: v.width, height: v.height, size: v.size };
        byMedia.set(v.media_id, map);
        copies.push({ rel, variants: 'variant' });
      }
      for (const [id, rel] of pathById) {
        const main = copies.find((c) => c.rel === rel && c.variants !== 'variant');
        const map = byMedia.get(id);
        if (main && map) main.variants = JSON.stringify(map);
      }
    }
  }
  if (tables.has('note_media')) {
    const nm = columnsOf(src, 'note_media');
    if (nm.has('note_id') && nm.has('media_id')) {
      const caption = nm.has('caption') ? 'nm.caption' : nm.has('alt') ? 'nm.alt' : 'NULL';
      const order = nm.has('display_order')
        ? 'nm.display_order'
        : nm.has('position')
          ? 'nm.position'
          : 'nm.media_id';
      const links = src
        .prepare(
          `SELECT nm.note_id AS note_id, nm.media_id AS media_id, ${caption} AS alt FROM note_media nm
           ORDER BY nm.note_id, ${order}`,
        )
        .all() as { note_id: number; media_id: number; alt: string | null }[];
      for (const l of links) {
        const rel = pathById.get(l.media_id);
        if (!rel) continue;
        const list = photos.get(l.note_id) ?? [];
        list.push({ url: urlForMedia(rel), alt: l.alt?.trim() ?? '' });
        photos.set(l.note_id, list);
        // The media library's alt text: the first caption the photo was given.
        const main = copies.find((c) => c.rel === rel && c.variants !== 'variant');
        if (main && !main.alt && l.alt?.trim()) main.alt = l.alt.trim();
      }
    }
  }
  return { copies, photos };
}

interface SourceNoteRow {
  id: number;
  slug: string;
  file_path: string;
  published: unknown;
  created_at: string | null;
  updated_at: string | null;
  deleted_at: string | null;
  name: string | null;
  published_at: string | null;
  edited_at: string | null;
  visibility: string | null;
  properties: string | null;
}

/** The mf2 properties a source row stores (this StarPunk's notes.properties), when it has any. */
function rowProperties(row: Pick<SourceNoteRow, 'properties'>): Mf2Properties | undefined {
  if (!row.properties) return undefined;
  try {
    const p = JSON.parse(row.properties) as unknown;
    if (p && typeof p === 'object' && !Array.isArray(p) && Object.keys(p).length > 0)
      return p as Mf2Properties;
  } catch {
    // Unreadable properties: the note comes without them.
  }
  return undefined;
}

function itemFromRow(
  row: SourceNoteRow,
  root: string,
  trash: TrashIndex,
  hasEditedAt: boolean,
  tags: Map<number, string[]>,
  photos: Map<number, Photo[]>,
  formerSlugs: Map<number, string[]>,
  now: Date,
): ImportItem {
  // Python StarPunk stored the path relative to the data directory (notes/2024/11/x.md); this
  // StarPunk relative to the notes folder; hand-made directories anything (legacy/note-paths.ts).
  const roots = { dataPath: root, notesPath: join(root, 'notes') };
  const located = locateNoteFile(row.file_path, roots);
  let file: string | undefined;
  if (located.kind === 'found') file = join(roots.notesPath, located.rel);
  else {
    const hit = findInTrash(row.file_path, { slug: row.slug, createdAt: row.created_at }, roots, trash);
    if (hit) file = hit.trashFile;
  }
  if (!file) throw new Error(`its file ${row.file_path} is missing`);
  const content = readSourceFile(root, file).toString('utf8');
  const createdAt = parseTime(row.created_at, 'created_at') ?? now;
  const updated = parseTime(row.updated_at, 'updated_at');
  // Python StarPunk touched updated_at on every save; like `005_note_metadata.sql`, only a later
  // time is an edit.
  const updatedAt = hasEditedAt
    ? parseTime(row.edited_at, 'edited_at')
    : updated && updated.getTime() - createdAt.getTime() > 1000
      ? updated
      : null;
  const properties = rowProperties(row);
  return {
    source: `notes row ${row.id} (${row.file_path})`,
    slug: importSlug(row.slug),
    content,
    name: row.name,
    createdAt,
    publishedAt: parseTime(row.published_at, 'published_at') ?? createdAt,
    updatedAt,
    deletedAt: parseTime(row.deleted_at, 'deleted_at'),
    published: row.published === 1 || row.published === true || row.published === '1',
    visibility: (VISIBILITIES.includes(row.visibility ?? '') ? row.visibility : 'public') as Visibility,
    tags: tags.get(row.id) ?? [],
    photos: photos.get(row.id) ?? [],
    ...(properties ? { properties } : {}),
    ...(formerSlugs.has(row.id) ? { formerSlugs: formerSlugs.get(row.id)! } : {}),
  };
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * The author profile of the source (a Python 1.2+ `author_profile`, or this StarPunk's `author.*`
 * settings) into the target's settings, unless the target already has one.
 */
function importProfile(src: Database.Database, tables: Set<string>, target: Db, now: Date): void {
  const fields: [string, string][] = [];
  if (tables.has('author_profile')) {
    const cols = columnsOf(src, 'author_profile');
    const order = firstOf(cols, ['discovered_at', 'cached_until']);
    const p = src
      .prepare(`SELECT * FROM author_profile${order ? ` ORDER BY "${order}" DESC` : ''} LIMIT 1`)
      .get() as Record<string, unknown> | undefined;
    if (p) {
      for (const k of ['name', 'photo', 'url', 'note'])
        if (typeof p[k] === 'string' && p[k].trim() !== '') fields.push([`author.${k}`, p[k].trim()]);
      const raw = p.rel_me_links ?? p.rel_me;
      let links: unknown = [];
      try {
        links = typeof raw === 'string' ? JSON.parse(raw) : [];
      } catch {
        links = [];
      }
      const urls = Array.isArray(links)
        ? links.filter((u): u is string => typeof u === 'string' && /^(https?:|mailto:)/i.test(u))
        : [];
      if (urls.length > 0) fields.push(['author.rel_me', JSON.stringify(urls)]);
    }
  } else if (tables.has('settings')) {
    const rows = src.prepare("SELECT key, value FROM settings WHERE key LIKE 'author.%'").all() as {
      key: string;
      value: string;
    }[];
    for (const r of rows) fields.push([r.key, r.value]);
  }
  if (fields.length === 0) return;
  const store = settingsStore(target);
  if (store.findSetting('author.name') !== undefined) return;
  for (const [k, v] of fields) store.upsertSetting(k, v, toDbTime(now));
}

// ---------------------------------------------------------------------------------------------
// Source: a folder of Markdown files (a StarPunk export, a static-site generator's content…)
// ---------------------------------------------------------------------------------------------

function asString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

function asList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(asString).filter((s): s is string => s !== undefined && s.trim() !== '');
  const s = asString(v);
  return s
    ? s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '')
    : [];
}

function asPhotos(v: unknown): Photo[] {
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  const out: Photo[] = [];
  for (const p of list) {
    if (typeof p === 'string' && p.trim() !== '') out.push({ url: p.trim(), alt: '' });
    else if (p && typeof p === 'object') {
      const o = p as Record<string, unknown>;
      const url = asString(o.url) ?? asString(o.value) ?? asString(o.src);
      if (url) out.push({ url, alt: asString(o.alt) ?? '' });
    }
  }
  return out;
}

/** Reads one Markdown file into an ImportItem; front matter keys follow common static-site usage. */
function itemFromMarkdown(root: string, rel: string, mf2: Map<string, Mf2Properties>): ImportItem {
  const full = join(root, rel);
  const { data, body } = parseFrontMatter(readSourceFile(root, full).toString('utf8'));
  let stem = basename(rel, extname(rel));
  // Hugo page bundles (posts/my-post/index.md) are named by their folder.
  if ((stem === 'index' || stem === '_index') && rel.includes('/')) stem = basename(dirname(rel));
  const dated = /^(\d{4}-\d{2}-\d{2})-(.+)$/.exec(stem);
  const slug = importSlug(asString(data.slug) ?? (dated ? dated[2] : stem));
  // `published: false` is Jekyll's way of saying draft; a date there is the publication time.
  const published =
    parseTime(typeof data.published === 'boolean' ? undefined : data.published, 'published') ??
    parseTime(data.date, 'date') ??
    (dated ? parseTime(dated[1], 'date') : null) ??
    statSync(full).mtime;
  const created = parseTime(data.created, 'created') ?? published;
  const status = asString(data.status) ?? asString(data['post-status']);
  const draft = data.draft === true || status === 'draft' || data.published === false;
  const visibility = asString(data.visibility);
  // The slugs the note had before (an export writes them), oldest first.
  const former = asList(data.former_slugs);
  return {
    source: rel,
    slug,
    content: body,
    name: asString(data.title) ?? asString(data.name) ?? null,
    createdAt: created,
    publishedAt: published,
    updatedAt: parseTime(data.updated ?? data.lastmod ?? data.modified, 'updated'),
    deletedAt: parseTime(data.deleted, 'deleted'),
    published: !draft,
    visibility: (visibility && VISIBILITIES.includes(visibility) ? visibility : 'public') as Visibility,
    tags: asList(data.tags ?? data.categories ?? data.category),
    photos: asPhotos(data.photos ?? data.photo),
    ...(slug && mf2.has(slug) ? { properties: mf2.get(slug)! } : {}),
    ...(former.length > 0 ? { formerSlugs: former } : {}),
    ...(asList(data.former_addresses).length > 0 ? { formerAddresses: asList(data.former_addresses) } : {}),
  };
}

/** Parses a JSON file of an export, naming the file when it is not valid JSON. */
function readJson(path: string): { items?: unknown } {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { items?: unknown } | null) ?? {};
  } catch (err) {
    throw new Error(`${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** The stored properties of each note in an export's mf2.json, by slug. */
function readMf2(root: string): Map<string, Mf2Properties> {
  const out = new Map<string, Mf2Properties>();
  const path = join(root, 'mf2.json');
  if (!existsSync(path)) return out;
  const doc = readJson(path);
  if (!Array.isArray(doc.items)) return out;
  for (const item of doc.items as { properties?: Record<string, unknown> }[]) {
    const props = item?.properties;
    const url = Array.isArray(props?.url) ? props.url[0] : undefined;
    if (!props || typeof url !== 'string') continue;
    const m = /\/notes\/([^/?#]+)$/.exec(url);
    if (!m) continue;
    const clean: Mf2Properties = {};
    for (const [k, v] of Object.entries(props))
      if (!DERIVED_PROPERTIES.includes(k) && Array.isArray(v)) clean[k] = v;
    out.set(decodeURIComponent(m[1]!), clean);
  }
  return out;
}

/** The media an export lists in media.json, to be copied from its media/ folder. */
function readMediaJson(root: string): MediaCopy[] {
  const path = join(root, 'media.json');
  if (!existsSync(path)) return [];
  const doc = readJson(path);
  if (!Array.isArray(doc.items)) return [];
  const out: MediaCopy[] = [];
  for (const raw of doc.items as Record<string, unknown>[]) {
    const rel = asString(raw?.path);
    if (!rel) continue;
    const created = asString(raw.created_at);
    out.push({
      rel,
      ...(asString(raw.mime_type) ? { mimeType: asString(raw.mime_type)! } : {}),
      width: typeof raw.width === 'number' ? raw.width : null,
      height: typeof raw.height === 'number' ? raw.height : null,
      alt: asString(raw.alt) ?? '',
      originalName: asString(raw.original_name) ?? null,
      ...(created ? { createdAt: new Date(created) } : {}),
      variants: JSON.stringify(raw.variants ?? {}),
    });
    const variants = raw.variants && typeof raw.variants === 'object' ? Object.values(raw.variants) : [];
    for (const v of variants as { path?: unknown }[]) {
      if (v && typeof v.path === 'string') {
        out.push({ rel: v.path, variants: 'variant' });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing: media files, then notes through the note service
// ---------------------------------------------------------------------------------------------

async function copyMedia(
  copies: MediaCopy[],
  sourceRoot: string,
  opts: ImportOptions,
  now: Date,
  report: ImportReport,
): Promise<void> {
  const store = mediaStore(opts.db);
  for (const c of copies) {
    const line = (outcome: ImportLine['outcome'], detail?: string) => {
      report.mediaLines.push({ source: c.rel, outcome, ...(detail ? { detail } : {}) });
      report.media[outcome === 'imported' ? 'copied' : outcome]++;
    };
    try {
      const rel = c.rel;
      const from = resolveUnder(sourceRoot, rel);
      if (!existsSync(from) && !isLink(from)) {
        line('failed', 'the file is missing in the source');
        continue;
      }
      const bytes = readSourceFile(sourceRoot, from);
      const hash = sha256Hex(bytes);
      const target = resolveUnder(opts.mediaPath, rel);
      let copied = false;
      if (existsSync(target)) {
        if (sha256Hex(readFileSync(target)) !== hash) {
          line('failed', 'a different file already exists at this path; left as it is');
          continue;
        }
      } else {
        await writeMediaFile(opts.mediaPath, rel, bytes);
        copied = true;
      }
      // Variant files are listed in their main file's row, so they get no row of their own.
      if (c.variants !== 'variant' && !store.findByPath(rel)) {
        store.insertMedia({
          file_path: rel,
          mime_type:
            c.mimeType ??
            mediaTypeOf(rel) ??
            OTHER_TYPES[extname(rel).toLowerCase()] ??
            'application/octet-stream',
          size: bytes.length,
          width: c.width ?? null,
          height: c.height ?? null,
          original_name: c.originalName ?? null,
          alt: c.alt ?? '',
          sha256: hash,
          variants: c.variants ?? '{}',
          created_at: toDbTime(c.createdAt ?? now),
        });
        copied = true;
      }
      line(copied ? 'imported' : 'skipped', copied ? undefined : 'already present');
    } catch (err) {
      line('failed', err instanceof Error ? err.message : String(err));
    }
  }
}

/**
 * Gives imported notes their former slugs back, through the same table a slug change writes
 * (`017_note_slug_history.sql`), so each old address answers 301 to the note again. A slug that
 * is already this note's is left as it is (a second import adds nothing); one another note holds,
 * now or as a former slug, stays with that note and is reported.
 */
function formerSlugKeeper(db: Db, report: ImportReport, now: Date) {
  const former = formerSlugsStore(db);
  const notes = notesStore(db);
  /** Keeps one former slug of `noteId`; says why not when it cannot. */
  const keep = (noteId: number, raw: string, at: Date): string | undefined => {
    const v = validateCustomSlug(raw);
    if (!v.ok) return `former slug "${raw}" was not kept: ${v.reason}`;
    const holder = notes.findBySlug(v.slug);
    if (holder)
      return holder.id === noteId ? undefined : `former slug "${v.slug}" was not kept: another note has it`;
    const owner = former.findNoteIdByFormerSlug(v.slug);
    if (owner === noteId) return undefined;
    if (owner !== undefined) return `former slug "${v.slug}" was not kept: it already leads to another note`;
    former.insertFormerSlug(v.slug, noteId, toDbTime(at));
    report.formerSlugs.kept++;
    return undefined;
  };
  return (noteId: number, source: string, slugs: readonly string[]): void => {
    slugs.forEach((raw, i) => {
      // One millisecond apart, so they keep their order (the table sorts by replaced_at).
      const why = keep(noteId, raw, new Date(now.getTime() + i));
      if (why) report.formerSlugs.lines.push({ source, outcome: 'skipped', slug: raw, detail: why });
    });
  };
}

/** Gives an imported note its addresses on an older site back (those no other note or page holds). */
function keepFormerAddresses(db: Db, noteId: number, addresses: readonly string[]): void {
  if (addresses.length === 0) return;
  const store = formerAddressesStore(db);
  const at = toDbTime(new Date());
  for (const raw of addresses) {
    const key = raw.startsWith('/') ? formerAddressKeyOfUrl(raw, 'http://x.invalid') : undefined;
    if (key === undefined || key === '/' || store.findFormerAddress(key)) continue;
    store.insertFormerAddress(key, { noteId }, at);
  }
}

function importItem(
  source: ImportItem,
  notes: NoteService,
  clock: ReturnType<typeof fixedClock>,
  keepFormerSlugs: ReturnType<typeof formerSlugKeeper>,
  db: Db,
): ImportLine {
  const content = source.content.replace(/\r\n/g, '\n');
  // Without a usable slug, the one the service would generate; it depends only on the item, so a
  // second import finds the note again.
  const item = {
    ...source,
    slug: source.slug ?? generateSlug({ name: source.name, content, now: source.createdAt }),
  };
  const existing = notes.getNoteBySlug(item.slug);
  if (existing) {
    if (existing.contentHash === notes.hashOf(content)) {
      // An import from before former slugs travelled left them out: they are added now.
      keepFormerSlugs(existing.id, item.source, item.formerSlugs ?? []);
      keepFormerAddresses(db, existing.id, item.formerAddresses ?? []);
      return { source: item.source, outcome: 'skipped', slug: item.slug, detail: 'already imported' };
    }
    return {
      source: item.source,
      outcome: 'failed',
      slug: item.slug,
      detail: `a different note already uses the slug "${item.slug}"; it was left as it is`,
    };
  }
  clock.set(item.createdAt);
  const note = notes.createNote({
    content,
    name: item.name,
    slug: item.slug,
    published: item.published,
    publishedAt: item.publishedAt,
    visibility: item.visibility,
    tags: item.tags,
    photos: item.photos,
    ...(item.properties ? { properties: item.properties } : {}),
  });
  // The service stamps edits and trashing with its clock, so the clock is set to when they happened.
  if (item.updatedAt && item.updatedAt.getTime() > note.createdAt.getTime()) {
    clock.set(item.updatedAt);
    notes.updateNote(note.id, {});
  }
  if (item.deletedAt) {
    clock.set(item.deletedAt);
    notes.trashNote(note.id);
  }
  keepFormerSlugs(note.id, item.source, item.formerSlugs ?? []);
  keepFormerAddresses(db, note.id, item.formerAddresses ?? []);
  const renamed = note.slug !== item.slug ? `stored as "${note.slug}" (its path was taken)` : undefined;
  return {
    source: item.source,
    outcome: 'imported',
    slug: note.slug,
    ...(renamed ? { detail: renamed } : {}),
  };
}

function record(report: ImportReport, line: ImportLine): void {
  report.lines.push(line);
  report[line.outcome]++;
}

/** Imports a data directory or a Markdown folder into the target; see the module comment. */
export async function importNotes(opts: ImportOptions): Promise<ImportReport> {
  const now = (opts.now ?? (() => new Date()))();
  if (!existsSync(opts.source)) throw new Error(`nothing to import at ${opts.source}`);
  const st = statSync(opts.source);
  let dbPath: string | undefined;
  if (st.isDirectory() && existsSync(join(opts.source, 'starpunk.db')))
    dbPath = join(opts.source, 'starpunk.db');
  else if (st.isFile() && /\.(db|sqlite3?)$/i.test(opts.source)) dbPath = opts.source;
  else if (!st.isDirectory())
    throw new Error(`${opts.source} is neither a data directory nor a folder of Markdown files`);
  if (dbPath && existsSync(opts.databasePath) && realpathSync(dbPath) === realpathSync(opts.databasePath)) {
    throw new Error('refusing to import a data directory into itself');
  }

  const report: ImportReport = {
    kind: dbPath ? 'starpunk-data-directory' : 'markdown-folder',
    imported: 0,
    skipped: 0,
    failed: 0,
    media: { copied: 0, skipped: 0, failed: 0 },
    lines: [],
    mediaLines: [],
    formerSlugs: { kept: 0, lines: [] },
  };
  const clock = fixedClock(now);
  const notes = createNoteService({ db: opts.db, notesPath: opts.notesPath, clock });
  const keepFormerSlugs = formerSlugKeeper(opts.db, report, now);
  const attempt = (source: string, make: () => ImportItem) => {
    try {
      record(report, importItem(make(), notes, clock, keepFormerSlugs, opts.db));
    } catch (err) {
      record(report, { source, outcome: 'failed', detail: err instanceof Error ? err.message : String(err) });
    }
  };

  if (dbPath) {
    const root = dirname(dbPath);
    const { db: src, dispose } = openSourceReadOnly(dbPath);
    try {
      const tables = tableNames(src);
      if (!tables.has('notes')) throw new Error(`${dbPath} has no notes table: is it a StarPunk database?`);
      const cols = columnsOf(src, 'notes');
      if (!cols.has('slug') || !cols.has('file_path'))
        throw new Error(`${dbPath}: the notes table lacks slug or file_path`);
      const pick = (c: string, ...alts: string[]) => {
        const found = firstOf(cols, [c, ...alts]);
        return found ? `"${found}" AS ${c}` : `NULL AS ${c}`;
      };
      const tags = readSourceTags(src, tables);
      const formerSlugs = readSourceFormerSlugs(src, tables);
      const media = readSourceMedia(src, tables);
      await copyMedia(media.copies, join(root, 'media'), opts, now, report);
      const order = cols.has('created_at') ? 'created_at, id' : 'id';
      const rows = src
        .prepare(
          `SELECT id, slug, file_path, ${pick('published')}, ${pick('created_at')}, ${pick('updated_at')},
             ${pick('deleted_at')}, ${pick('name', 'title')}, ${pick('published_at')}, ${pick('edited_at')},
             ${pick('visibility')}, ${pick('properties')} FROM notes ORDER BY ${order}`,
        )
        .all() as SourceNoteRow[];
      // Before the notes, so that a running site never caches a page of theirs without its context.
      replyContexts(
        report,
        replyContextItemsFromDatabase(src),
        citedBy(rows.map(rowProperties)),
        opts.db,
        now,
      );
      const trash = new TrashIndex(join(root, '.trash'));
      for (const row of rows) {
        attempt(`notes row ${row.id} (${row.file_path})`, () =>
          itemFromRow(row, root, trash, cols.has('edited_at'), tags, media.photos, formerSlugs, now),
        );
      }
      importProfile(src, tables, opts.db, now);
      // The author photo the profile names is a settings picture: its files come along.
      await copySettingsPictures(join(root, 'media'), opts.db, opts.mediaPath);
      receivedWebmentions(report, webmentionItemsFromDatabase(src), notes, opts.db, now);
      standalonePages(report, pageItemsFromDatabase(src), opts.db, now);
    } finally {
      dispose();
    }
    return report;
  }

  const root = opts.source;
  const mf2 = readMf2(root);
  await copyMedia(readMediaJson(root), join(root, 'media'), opts, now, report);
  const settings = await importSettings(root, opts.db, opts.mediaPath, now);
  if (settings) report.settings = settings;
  const contextsFile = join(root, REPLY_CONTEXTS_FILE);
  if (existsSync(contextsFile)) {
    // Before the notes, so that a running site never caches a page of theirs without its context.
    const doc = readJson(contextsFile);
    const items = Array.isArray(doc.items) ? doc.items : [];
    replyContexts(report, items, citedBy(mf2.values()), opts.db, now);
  }
  const files = listRegularFiles(root).filter(
    (rel) =>
      /\.(md|markdown)$/i.test(rel) && !(rel.startsWith('media/') && existsSync(join(root, 'media.json'))),
  );
  for (const rel of files) attempt(rel, () => itemFromMarkdown(root, rel, mf2));
  const mentionsFile = join(root, WEBMENTIONS_FILE);
  if (existsSync(mentionsFile)) {
    const doc = readJson(mentionsFile);
    receivedWebmentions(report, Array.isArray(doc.items) ? doc.items : [], notes, opts.db, now);
  }
  const pagesFile = join(root, PAGES_FILE);
  if (existsSync(pagesFile)) {
    const doc = readJson(pagesFile);
    standalonePages(report, Array.isArray(doc.items) ? doc.items : [], opts.db, now);
  }
  // Links are never followed (they could point at any private file); each one is reported.
  for (const rel of linkedMarkdown(root)) {
    record(report, { source: rel, outcome: 'failed', detail: 'a symbolic link; it was not imported' });
  }
  return report;
}

/** The pages a set of notes' properties respond to. */
function citedBy(properties: Iterable<Mf2Properties | undefined>): Set<string> {
  const out = new Set<string>();
  for (const p of properties) if (p) for (const url of responseUrls(p)) out.add(url);
  return out;
}

/** Imports reply contexts of the pages the imported notes respond to, when there are any. */
function replyContexts(report: ImportReport, items: unknown[], cited: Set<string>, db: Db, now: Date): void {
  if (items.length === 0) return;
  report.replyContexts = importReplyContexts({ db, items, cited, now });
}

/** Imports standalone pages into the report, when there are any. */
function standalonePages(report: ImportReport, items: unknown[], db: Db, now: Date): void {
  if (items.length === 0) return;
  report.pages = importPages(db, items, now);
}

/** Imports received Webmentions (after the notes they belong to) into the report, when there are any. */
function receivedWebmentions(
  report: ImportReport,
  items: unknown[],
  notes: NoteService,
  db: Db,
  now: Date,
): void {
  if (items.length === 0) return;
  report.webmentions = importWebmentions({ db, notes, items, now });
}

/** Markdown files under `root` that are symbolic links (not followed, not imported, reported). */
function linkedMarkdown(root: string, dir = ''): string[] {
  const out: string[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...linkedMarkdown(root, rel));
    else if (e.isSymbolicLink() && /\.(md|markdown)$/i.test(e.name)) out.push(rel);
  }
  return out.sort();
}
