/**
 * The Python StarPunk's own migrations after v1.0.0-rc.3, and the data they created.
 *
 * From rc.4 on the Python project shipped migrations under its own names, with numbers this product
 * also uses (003–009). They are a foreign lineage: recognised by exact name, never mistaken for ours.
 * Converting such a database happens in two steps around the ordinary runner (ADR 0007):
 *
 * 1. `stashPythonData`, before planning: the Python-only tables are copied aside as plain
 *    `legacy_python_<table>` tables (no constraints, no indexes, no triggers), the originals and the
 *    Python search index are dropped, and the Python rows of `schema_migrations` are renamed
 *    `python:<name>`. The database is then an rc.3-like StarPunk database that the runner upgrades
 *    by its usual rules (adopting what is there, running what is not).
 * 2. `carryPythonData`, once every migration is applied: tags, photos (with captions, order and
 *    size variants) and the author profile are written into this product's tables, and the stash
 *    is dropped. It runs in one transaction; a crash between the steps leaves the stash for the next run.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Db } from '../db/open.js';
import { parseDbTime, toDbTime } from '../lib/db-time.js';
import { resolveUnder } from '../lib/files.js';
import { mediaTypeOf } from '../lib/media-types.js';
import { tagKey } from '../lib/tags.js';

/** Every migration name the Python StarPunk shipped after rc.3, with the release that shipped it. */
export const PYTHON_MIGRATIONS: ReadonlyMap<string, string> = new Map([
  ['003_remove_code_verifier_from_auth_state.sql', '1.0.0-rc.4'],
  ['004_drop_token_tables.sql', '1.0.0-rc.4'],
  ['005_add_fts5_search.sql', '1.1'],
  ['006_add_author_profile.sql', '1.2'],
  ['007_add_media_support.sql', '1.2'],
  ['008_add_tags.sql', '1.3'],
  ['009_add_media_variants.sql', '1.4'],
]);

/** The prefix under which Python rows of `schema_migrations` are kept as history once converted. */
export const FOREIGN_PREFIX = 'python:';

/** The tables the Python StarPunk 1.x created, in the order they are stashed. */
const PYTHON_TABLES = [
  'author_profile',
  'note_media',
  'media_variants',
  'note_tags',
  'tags',
  'media',
] as const;
type PythonTable = (typeof PYTHON_TABLES)[number];

/** Tables no migration of ours creates: present means Python 1.x. */
const PYTHON_ONLY: ReadonlySet<string> = new Set(['author_profile', 'note_media', 'media_variants']);

/** Our migration that creates a table of the same name, when there is one. */
const OURS_CREATING: Readonly<Record<string, string>> = {
  tags: '006_tags.sql',
  note_tags: '006_tags.sql',
  notes_fts: '007_search.sql',
  media: '008_media.sql',
};

const STASH_PREFIX = 'legacy_python_';

/** What stashing found and did. */
export interface PythonStashPlan {
  /**
   * Python migration names recorded in schema_migrations (with
   * `001_add_code_verifier_to_auth_state.sql` and `002_secure_tokens_and_authorization_codes.sql`
   * when the lineage is Python's).
   */
  recorded: string[];
  /** Python tables to copy aside. */
  tables: PythonTable[];
  /** The Python full-text index (rebuilt from the note files by `serve`). */
  dropFts: boolean;
  /** Triggers that belong to the Python tables or its search index. */
  triggers: string[];
}

/** What the conversion carried over, and what it could not. */
export interface PythonCarryReport {
  /** The Python releases recognised from the recorded migrations. */
  releases: string[];
  tags: number;
  noteTags: number;
  media: number;
  variants: number;
  photos: number;
  profile: boolean;
  /** Each thing that could not be carried over, said exactly. */
  lost: string[];
}

function tableExists(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

function columnsOf(db: Db, table: string): Set<string> {
  return new Set(
    (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) =>
      c.name.toLowerCase(),
    ),
  );
}

/**
 * Looks for Python StarPunk 1.x data (read-only). `recordedOurs` says whether one of our migrations is
 * recorded; `oursShape(table)` whether a table already has exactly our shape (then it is ours to adopt).
 */
export function planPythonStash(
  db: Db,
  recordedNames: readonly string[],
  recordedOurs: (name: string) => boolean,
  oursShape: (table: string) => boolean,
): PythonStashPlan | undefined {
  const foreign = recordedNames.filter((n) => PYTHON_MIGRATIONS.has(n));
  const present = PYTHON_TABLES.filter((t) => tableExists(db, t));
  const pythonFts = tableExists(db, 'notes_fts') && columnsOf(db, 'notes_fts').has('slug');
  const marked = foreign.length > 0 || present.some((t) => PYTHON_ONLY.has(t)) || pythonFts;
  const tables = present.filter((t) => {
    if (PYTHON_ONLY.has(t)) return true;
    const ours = OURS_CREATING[t];
    if (ours && recordedOurs(ours)) return false;
    return marked || !oursShape(t);
  });
  const dropFts =
    tableExists(db, 'notes_fts') && !recordedOurs('007_search.sql') && (pythonFts || !oursShape('notes_fts'));
  if (!marked && tables.length === 0 && !dropFts) return undefined;
  const stashed = new Set<string>([...tables, ...(dropFts ? ['notes_fts'] : [])]);
  const triggers = (
    db.prepare("SELECT name, tbl_name AS tbl, sql FROM sqlite_schema WHERE type = 'trigger'").all() as {
      name: string;
      tbl: string;
      sql: string | null;
    }[]
  )
    .filter((t) => stashed.has(t.tbl) || [...stashed].some((s) => new RegExp(`\\b${s}\\b`).test(t.sql ?? '')))
    .map((t) => t.name);
  // Once the lineage is Python's, `001_add_code_verifier_to_auth_state.sql` and
  // `002_secure_tokens_and_authorization_codes.sql` as recorded there may have been undone by its
  // `003_remove_code_verifier_from_auth_state.sql` and `004_drop_token_tables.sql`: every Python
  // row becomes history and our runner re-derives each migration by adoption.
  const recorded = foreign.length > 0 ? [...recordedNames] : [];
  return { recorded, tables, dropFts, triggers };
}

/** Step 1 (inside the caller's transaction): copies the Python tables aside and renames the Python rows. */
export function stashPythonData(db: Db, plan: PythonStashPlan): void {
  for (const t of plan.triggers) db.exec(`DROP TRIGGER IF EXISTS "${t}"`);
  for (const t of plan.tables) {
    if (tableExists(db, `${STASH_PREFIX}${t}`)) db.exec(`DROP TABLE "${STASH_PREFIX}${t}"`);
    // CREATE TABLE … AS SELECT keeps every row and column, and no constraint, index or trigger.
    db.exec(`CREATE TABLE "${STASH_PREFIX}${t}" AS SELECT rowid AS legacy_rowid, * FROM "${t}"`);
  }
  for (const t of plan.tables) db.exec(`DROP TABLE "${t}"`);
  if (plan.dropFts) db.exec('DROP TABLE notes_fts');
  const rename = db.prepare(
    'UPDATE schema_migrations SET migration_name = ? WHERE migration_name = ? AND NOT EXISTS (SELECT 1 FROM schema_migrations WHERE migration_name = ?)',
  );
  for (const name of plan.recorded) rename.run(FOREIGN_PREFIX + name, name, FOREIGN_PREFIX + name);
}

/** True when a stash from step 1 is waiting to be carried over. */
export function hasPythonStash(db: Db): boolean {
  return (
    db
      .prepare(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name LIKE 'legacy\\_python\\_%' ESCAPE '\\'",
      )
      .get() !== undefined
  );
}

/** The Python releases whose migrations a database records (as history, after conversion). */
export function pythonReleasesOf(db: Db): string[] {
  if (!tableExists(db, 'schema_migrations')) return [];
  const names = (
    db.prepare('SELECT migration_name FROM schema_migrations').all() as { migration_name: string }[]
  ).map((r) =>
    r.migration_name.startsWith(FOREIGN_PREFIX)
      ? r.migration_name.slice(FOREIGN_PREFIX.length)
      : r.migration_name,
  );
  return [...new Set(names.map((n) => PYTHON_MIGRATIONS.get(n)).filter((r): r is string => r !== undefined))];
}

type Row = Record<string, unknown>;

/** Reads a stashed table (rows keyed by lower-case column name), or [] when it was not there. */
function readStash(db: Db, table: PythonTable): Row[] {
  const name = `${STASH_PREFIX}${table}`;
  if (!tableExists(db, name)) return [];
  return (db.prepare(`SELECT * FROM "${name}" ORDER BY legacy_rowid`).all() as Row[]).map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v])),
  );
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : undefined;
const num = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.round(v);
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v.trim());
  return null;
};
const first = (row: Row, ...names: string[]): unknown => {
  for (const n of names) if (row[n] !== undefined && row[n] !== null) return row[n];
  return undefined;
};

/** A media path as this product stores it: relative to the media folder, forward slashes. */
function mediaRel(value: string): string {
  return value
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '')
    .replace(/^(?:.*\/)?media\//, '');
}

function mediaUrl(rel: string): string {
  return `/media/${rel.split('/').map(encodeURIComponent).join('/')}`;
}

function dbTime(v: unknown, fallback: string): string {
  const s = text(v);
  if (!s) return fallback;
  try {
    return toDbTime(parseDbTime(s));
  } catch {
    return fallback;
  }
}

function parseJsonObject(v: unknown): Record<string, unknown> {
  if (typeof v !== 'string') return {};
  try {
    const p = JSON.parse(v) as unknown;
    return p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The rel-me links of a Python author profile: a JSON array of URLs (or of {url}/{value} objects). */
function relMeLinks(v: unknown): string[] {
  let parsed: unknown = v;
  if (typeof v === 'string') {
    try {
      parsed = JSON.parse(v);
    } catch {
      parsed = v.split(/[\s,]+/);
    }
  }
  if (!Array.isArray(parsed)) return [];
  const out: string[] = [];
  for (const item of parsed) {
    const url =
      typeof item === 'string'
        ? item
        : item && typeof item === 'object'
          ? text((item as Row).url ?? (item as Row).value ?? (item as Row).href)
          : undefined;
    if (url && /^(https?:|mailto:)/i.test(url.trim()) && !out.includes(url.trim())) out.push(url.trim());
  }
  return out;
}

/**
 * Step 2 (inside the caller's transaction, after every migration): writes the stashed Python data
 * into this product's tables and drops the stash. `mediaPath` is read to hash each media file.
 */
export function carryPythonData(db: Db, mediaPath: string, at: string): PythonCarryReport {
  const report: PythonCarryReport = {
    releases: pythonReleasesOf(db),
    tags: 0,
    noteTags: 0,
    media: 0,
    variants: 0,
    photos: 0,
    profile: false,
    lost: [],
  };
  const noteExists = db.prepare('SELECT 1 FROM notes WHERE id = ?');
  const readProps = db.prepare('SELECT properties FROM notes WHERE id = ?');
  const writeProps = db.prepare('UPDATE notes SET properties = ? WHERE id = ?');
  const mergeProps = (noteId: number, patch: Record<string, unknown[]>) => {
    const row = readProps.get(noteId) as { properties: string } | undefined;
    if (!row) return;
    const props = parseJsonObject(row.properties);
    for (const [k, v] of Object.entries(patch)) if (props[k] === undefined) props[k] = v;
    writeProps.run(JSON.stringify(props), noteId);
  };

  // Tags: our key is our own normalisation of the name the author wrote (display_name).
  const tagIds = new Map<number, { id: number; label: string }>();
  const findTag = db.prepare('SELECT id FROM tags WHERE name = ?');
  const insertTag = db.prepare('INSERT INTO tags (name, display_name) VALUES (?, ?)');
  for (const t of readStash(db, 'tags')) {
    const legacyId = num(first(t, 'id', 'legacy_rowid'));
    const label = (text(first(t, 'display_name', 'name', 'label')) ?? '').normalize('NFC').trim();
    const key = tagKey(label);
    if (legacyId === null || key === '') {
      report.lost.push(`tag row ${String(legacyId)} ("${label}"): it has no usable name`);
      continue;
    }
    const found = findTag.get(key) as { id: number } | undefined;
    const id = found ? found.id : Number(insertTag.run(key, label).lastInsertRowid);
    if (!found) report.tags++;
    tagIds.set(legacyId, { id, label });
  }
  const insertNoteTag = db.prepare(
    'INSERT OR IGNORE INTO note_tags (note_id, tag_id, position, display_name) VALUES (?, ?, ?, ?)',
  );
  const categories = new Map<number, string[]>();
  for (const nt of readStash(db, 'note_tags')) {
    const noteId = num(nt.note_id);
    const tag = tagIds.get(num(nt.tag_id) ?? -1);
    if (noteId === null || !tag) {
      report.lost.push(
        `note_tags row (note ${String(nt.note_id)}, tag ${String(nt.tag_id)}): its tag is unknown`,
      );
      continue;
    }
    if (!noteExists.get(noteId)) {
      report.lost.push(`tag "${tag.label}" of note ${noteId}: that note no longer exists`);
      continue;
    }
    const list = categories.get(noteId) ?? [];
    if (insertNoteTag.run(noteId, tag.id, list.length, tag.label).changes === 1) {
      list.push(tag.label);
      report.noteTags++;
    }
    categories.set(noteId, list);
  }
  for (const [noteId, list] of categories) if (list.length > 0) mergeProps(noteId, { category: list });

  // Media, its size variants and the photos of each note (caption = alt text, display order kept).
  const variantsByMedia = new Map<number, Record<string, unknown>>();
  for (const v of readStash(db, 'media_variants')) {
    const mediaId = num(v.media_id);
    const kind = text(first(v, 'variant_type', 'variant', 'type', 'name'));
    const path = text(first(v, 'path', 'file_path', 'filename'));
    if (mediaId === null || !kind || !path) {
      report.lost.push(`media_variants row ${String(v.legacy_rowid)}: it names no media, variant or path`);
      continue;
    }
    const map = variantsByMedia.get(mediaId) ?? {};
    map[kind] = {
      path: mediaRel(path),
      width: num(v.width),
      height: num(v.height),
      size: num(first(v, 'size_bytes', 'size')),
    };
    variantsByMedia.set(mediaId, map);
    report.variants++;
  }
  const links = readStash(db, 'note_media');
  const captionOf = new Map<number, string>();
  for (const l of links) {
    const mediaId = num(l.media_id);
    const caption = text(first(l, 'caption', 'alt'));
    if (mediaId !== null && caption && !captionOf.has(mediaId)) captionOf.set(mediaId, caption);
  }
  const insertMedia = db.prepare(
    `INSERT INTO media (file_path, mime_type, size, width, height, original_name, alt, sha256, variants, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const findMedia = db.prepare('SELECT id FROM media WHERE file_path = ?');
  const urlByMedia = new Map<number, string>();
  for (const m of readStash(db, 'media')) {
    const legacyId = num(first(m, 'id', 'legacy_rowid'));
    const stored = text(first(m, 'path', 'file_path', 'stored_path', 'filename'));
    if (legacyId === null || !stored) {
      report.lost.push(`media row ${String(legacyId)}: it has no file path`);
      continue;
    }
    const rel = mediaRel(stored);
    urlByMedia.set(legacyId, mediaUrl(rel));
    if (findMedia.get(rel)) continue;
    let size = num(first(m, 'size', 'size_bytes')) ?? 0;
    let hash = '';
    try {
      const full = resolveUnder(mediaPath, rel);
      const bytes = readFileSync(full);
      hash = createHash('sha256').update(bytes).digest('hex');
      size = statSync(full).size;
    } catch {
      report.lost.push(
        `media file ${rel}: it is missing from the media folder (its record and photo links are kept)`,
      );
    }
    insertMedia.run(
      rel,
      text(m.mime_type) ?? mediaTypeOf(rel) ?? 'application/octet-stream',
      size,
      num(m.width),
      num(m.height),
      text(first(m, 'original_name', 'filename')) ?? null,
      captionOf.get(legacyId) ?? '',
      hash,
      JSON.stringify(variantsByMedia.get(legacyId) ?? {}),
      dbTime(first(m, 'uploaded_at', 'created_at'), at),
    );
    report.media++;
  }
  const photosByNote = new Map<number, { order: number; seq: number; photo: unknown }[]>();
  for (const l of links) {
    const noteId = num(l.note_id);
    const url = urlByMedia.get(num(l.media_id) ?? -1);
    if (noteId === null || !url) {
      report.lost.push(
        `photo link (note ${String(l.note_id)}, media ${String(l.media_id)}): its media row is unknown`,
      );
      continue;
    }
    if (!noteExists.get(noteId)) {
      report.lost.push(`photo ${url} of note ${noteId}: that note no longer exists`);
      continue;
    }
    const caption = text(first(l, 'caption', 'alt'))?.trim() ?? '';
    const list = photosByNote.get(noteId) ?? [];
    list.push({
      order: num(first(l, 'display_order', 'position', 'sort_order')) ?? list.length,
      seq: list.length,
      photo: caption ? { value: url, alt: caption } : url,
    });
    photosByNote.set(noteId, list);
  }
  for (const [noteId, list] of photosByNote) {
    list.sort((a, b) => a.order - b.order || a.seq - b.seq);
    mergeProps(noteId, { photo: list.map((p) => p.photo) });
    report.photos += list.length;
  }

  // The author profile (Python discovered it from the author's h-card): kept as settings.
  const profiles = readStash(db, 'author_profile').sort((a, b) =>
    String(first(b, 'discovered_at', 'cached_until') ?? '').localeCompare(
      String(first(a, 'discovered_at', 'cached_until') ?? ''),
    ),
  );
  const profile = profiles[0];
  if (profile) {
    const put = db.prepare(
      'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO NOTHING',
    );
    const fields: [string, string | undefined][] = [
      ['author.name', text(profile.name)],
      ['author.photo', text(profile.photo)],
      ['author.url', text(first(profile, 'url', 'me'))],
      ['author.note', text(profile.note)],
    ];
    const rel = relMeLinks(first(profile, 'rel_me_links', 'rel_me'));
    if (rel.length > 0) fields.push(['author.rel_me', JSON.stringify(rel)]);
    for (const [k, v] of fields) if (v !== undefined && v.trim() !== '') put.run(k, v.trim(), at);
    report.profile = true;
    for (const other of profiles.slice(1))
      report.lost.push(`author profile of ${String(other.me)}: only the most recent profile is kept`);
  }

  for (const t of PYTHON_TABLES)
    if (tableExists(db, `${STASH_PREFIX}${t}`)) db.exec(`DROP TABLE "${STASH_PREFIX}${t}"`);
  return report;
}
