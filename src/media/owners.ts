/**
 * Who owns each file under MEDIA_PATH. Several parts of StarPunk keep files there (the media
 * library, the settings' pictures); each one says which files its records name and which names
 * are its own. A survey of the folder then puts every file in one of five states, and every
 * command that touches the folder goes by that survey: start-up removes only provable debris of
 * an interrupted upload, `doctor` reports what is missing or nobody's, backup and export skip
 * debris. The list of owners is in src/ops/file-owners.ts.
 */
import { existsSync } from 'node:fs';
import type { Db } from '../db/open.js';
import { mediaStore } from '../db/store/media.js';
import { resolveUnder, walkNoteFiles } from '../lib/files.js';
import { variantPaths } from './service.js';
import { isRunningElsewhere, readUploadIntents, UPLOADS_FOLDER } from './upload-intents.js';

/** A file an owner's records name, with what it is (doctor says so when it is missing). */
export interface NamedFile {
  path: string;
  what: string;
}

/** Something that keeps files under MEDIA_PATH. */
export interface MediaFileOwner {
  /** What `doctor` calls it. */
  name: string;
  /** The files its records name right now. */
  named(db: Db): NamedFile[];
  /** Whether `rel` is one of its names, even when no record names that file now. */
  claims(rel: string): boolean;
  /**
   * Whether a file it claims but no record names is still kept as the owner's (an earlier site
   * icon: the owner uploaded it) rather than stray (a library file whose row is gone).
   */
  keepsUnnamed: boolean;
}

/** What one file under MEDIA_PATH is. */
export type MediaFileState =
  | { kind: 'named'; owner: string; what: string }
  | { kind: 'kept'; owner: string }
  | { kind: 'stray'; owner: string }
  | { kind: 'debris'; detail: string; removable: boolean }
  | { kind: 'unknown' };

/** A file named by a record but not there (or named by an unsafe path). */
export interface MissingFile extends NamedFile {
  owner: string;
  unsafe: boolean;
}

/** The media folder compared with every owner's records. */
export interface MediaSurvey {
  /** Every file under MEDIA_PATH (dot files included), by relative path. */
  files: Map<string, MediaFileState>;
  missing: MissingFile[];
  /** Per owner: the files its records name (present), and those it keeps besides. */
  counts: Map<string, { named: number; kept: number }>;
}

/** The names the media library gives its files: YYYY/MM/<uuid>[_<variant>].<ext> (see mediaPathFor). */
const LIBRARY_NAME =
  /^\d{4}\/\d{2}\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(_[a-z0-9]+)?\.[a-z0-9]+$/;

/** The temp file writeMediaFile writes beside its target: `.<name>.<12 hex>.tmp`. */
const TEMP_FILE = /(^|\/)\.[^/]+\.[0-9a-f]{12}\.tmp$/;

/** The media library: one row per upload, naming its main file and its size variants. */
export const mediaLibraryOwner: MediaFileOwner = {
  name: 'media library',
  named(db) {
    const out: NamedFile[] = [];
    const store = mediaStore(db);
    const total = store.countMedia();
    for (let offset = 0; offset < total; offset += 500) {
      for (const row of store.listMedia(500, offset)) {
        out.push({ path: row.file_path, what: `media ${row.id}` });
        for (const [name, path] of Object.entries(variantPaths(row.variants)))
          out.push({ path, what: `media ${row.id} (${name})` });
      }
    }
    return out;
  },
  claims: (rel) => LIBRARY_NAME.test(rel),
  keepsUnnamed: false,
};

/**
 * The records of uploads under way and, for those whose row (per `hasRow`) never committed, their
 * files: only the ones the library's naming claims and no owner's record names (`named`).
 */
export function interruptedUploads(
  mediaPath: string,
  hasRow: (path: string) => boolean,
  named: ReadonlyMap<string, unknown> = new Map(),
): Map<string, MediaFileState & { kind: 'debris' }> {
  const out = new Map<string, MediaFileState & { kind: 'debris' }>();
  for (const { record, intent } of readUploadIntents(mediaPath)) {
    if (!intent) {
      out.set(record, { kind: 'debris', detail: 'an unreadable upload record', removable: true });
      continue;
    }
    const live = isRunningElsewhere(intent);
    const committed = hasRow(intent.main);
    out.set(record, {
      kind: 'debris',
      detail: committed ? 'the record of an upload that completed' : 'the record of an interrupted upload',
      removable: !live,
    });
    if (committed) continue;
    for (const path of intent.files) {
      if (named.has(path) || !mediaLibraryOwner.claims(path)) continue;
      out.set(path, {
        kind: 'debris',
        detail: live
          ? 'an upload under way in another process'
          : 'written by an upload interrupted before its row was saved',
        removable: !live,
      });
    }
  }
  return out;
}

/**
 * Surveys MEDIA_PATH: each file is named by an owner's record, kept by its owner, stray (an
 * owner's name, but no record and not kept), debris of an interrupted upload, or unknown (nobody's:
 * put there by hand).
 */
export function surveyMedia(db: Db, mediaPath: string, owners: readonly MediaFileOwner[]): MediaSurvey {
  const files = new Map<string, MediaFileState>();
  const missing: MissingFile[] = [];
  const counts = new Map<string, { named: number; kept: number }>();
  const named = new Map<string, { owner: string; what: string }>();
  for (const owner of owners) {
    const count = { named: 0, kept: 0 };
    counts.set(owner.name, count);
    for (const f of owner.named(db)) {
      if (named.has(f.path)) continue;
      named.set(f.path, { owner: owner.name, what: f.what });
      let exists = false;
      let unsafe = false;
      try {
        exists = existsSync(resolveUnder(mediaPath, f.path));
      } catch {
        unsafe = true;
      }
      if (exists) count.named++;
      else missing.push({ ...f, owner: owner.name, unsafe });
    }
  }

  const store = mediaStore(db);
  const interrupted = interruptedUploads(mediaPath, (p) => store.findByPath(p) !== undefined, named);

  for (const rel of walkNoteFiles(mediaPath)) {
    const name = named.get(rel);
    if (name) {
      files.set(rel, { kind: 'named', ...name });
      continue;
    }
    const debris = interrupted.get(rel);
    if (debris) {
      files.set(rel, debris);
      continue;
    }
    if (TEMP_FILE.test(rel)) {
      files.set(rel, { kind: 'debris', detail: 'a partly written file (interrupted)', removable: true });
      continue;
    }
    const owner = rel.startsWith(`${UPLOADS_FOLDER}/`) ? undefined : owners.find((o) => o.claims(rel));
    if (!owner) files.set(rel, { kind: 'unknown' });
    else if (owner.keepsUnnamed) {
      files.set(rel, { kind: 'kept', owner: owner.name });
      counts.get(owner.name)!.kept++;
    } else files.set(rel, { kind: 'stray', owner: owner.name });
  }
  return { files, missing, counts };
}
