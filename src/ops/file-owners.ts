/**
 * Every file StarPunk writes under the data directory has a known owner, listed here. Start-up
 * recovery, `doctor`, backup, restore, export and import go by this list, so a new kind of file
 * is added once, here, and every one of them knows it. (A file nobody owned was once taken for
 * debris: a restart deleted the owner's settings pictures, issue 20.)
 *
 * DATA_PATH holds:
 *   starpunk.db (+ -wal, -shm)  the database: everything with a row, including what looks like a
 *                               file but is not one (the Webmention authors' photos are cached in
 *                               the database, src/webmention/avatars.ts, so they travel with it)
 *   notes/                      the note service's Markdown files (src/notes/, checked by checkNotes)
 *   media/                      MEDIA_OWNERS below
 *   keys/                       the site's keys (src/keys/): the sealing key of connected accounts
 *   .secret                     the session secret (signs CSRF tokens; a restored site makes a new one)
 *   backups/                    archives `backup` writes and copies `migrate` takes before it runs
 *   imports/                    files the admin's Import screen staged for its import jobs
 *                               (src/import/staging.ts: start-up removes those no job needs)
 */
import { IMPORTS_FOLDER } from '../import/staging.js';
import { KEYS_FOLDER } from '../keys/key-files.js';
import { type MediaFileOwner, mediaLibraryOwner } from '../media/owners.js';
import { settingsPicturesOwner } from '../settings/images.js';

/** Everything that keeps files under MEDIA_PATH. A new one (say, an import's attachments) goes here. */
export const MEDIA_OWNERS: readonly MediaFileOwner[] = [mediaLibraryOwner, settingsPicturesOwner];

/** A folder of the data directory, and which copies of the site carry it. */
export interface DataFolder {
  /** Its name under DATA_PATH, and in archives and exports. */
  name: string;
  /** Who writes there. */
  owners: string;
  /** `backup` carries it and `restore` brings it back. */
  backup: boolean;
  /** `export` carries it (portable formats for other software: never keys). */
  export: boolean;
}

/** The folders a copy of the site may carry, besides the database. */
export const DATA_FOLDERS: readonly DataFolder[] = [
  { name: 'notes', owners: 'the note service', backup: true, export: true },
  { name: 'media', owners: MEDIA_OWNERS.map((o) => o.name).join(', '), backup: true, export: true },
  { name: KEYS_FOLDER, owners: 'the site keys', backup: true, export: false },
  // Uploads waiting for their import: the site they become is in the database and notes/media.
  { name: IMPORTS_FOLDER, owners: 'the admin Import screen', backup: false, export: false },
];

/** The folders `backup` carries and `restore` accepts. */
export function backupFolders(): string[] {
  return DATA_FOLDERS.filter((f) => f.backup).map((f) => f.name);
}
