/** Reads a data directory the way the fault tests check it: rows against files, hashes against bytes. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { filesUnder } from './harness.js';

/** A note as found on disk: its row and the bytes of its file. */
export interface StoredNote {
  id: number;
  slug: string;
  filePath: string;
  contentHash: string | null;
  properties: Record<string, unknown[]>;
  /** The note file's text, or undefined when the file is missing. */
  file: string | undefined;
}

/** A media row with whether its files are whole. */
export interface StoredMedia {
  filePath: string;
  /** True when the main file exists and hashes to the row's sha256. */
  whole: boolean;
  /** Variant files the row names that do not exist. */
  missingVariants: string[];
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Everything stored in a data directory (read-only; safe while a server runs, thanks to WAL). */
export function inspectData(dataPath: string) {
  const db = new Database(join(dataPath, 'starpunk.db'), { readonly: true, fileMustExist: true });
  try {
    const notes = (
      db.prepare('SELECT id, slug, file_path, content_hash, properties FROM notes ORDER BY id').all() as {
        id: number;
        slug: string;
        file_path: string;
        content_hash: string | null;
        properties: string;
      }[]
    ).map((r): StoredNote => {
      const path = join(dataPath, 'notes', r.file_path);
      return {
        id: r.id,
        slug: r.slug,
        filePath: r.file_path,
        contentHash: r.content_hash,
        properties: JSON.parse(r.properties) as Record<string, unknown[]>,
        file: existsSync(path) ? readFileSync(path, 'utf8') : undefined,
      };
    });
    const mediaRows = db.prepare('SELECT file_path, sha256, variants FROM media ORDER BY id').all() as {
      file_path: string;
      sha256: string;
      variants: string;
    }[];
    const media = mediaRows.map((r): StoredMedia => {
      const path = join(dataPath, 'media', r.file_path);
      const variants = Object.values(JSON.parse(r.variants) as Record<string, { path: string }>).map(
        (v) => v.path,
      );
      return {
        filePath: r.file_path,
        whole: existsSync(path) && sha256(readFileSync(path)) === r.sha256,
        missingVariants: variants.filter((v) => !existsSync(join(dataPath, 'media', v))),
      };
    });
    const known = new Set(
      mediaRows.flatMap((r) => [
        r.file_path,
        ...Object.values(JSON.parse(r.variants) as Record<string, { path: string }>).map((v) => v.path),
      ]),
    );
    const mediaFiles = filesUnder(join(dataPath, 'media'));
    const noteFiles = filesUnder(join(dataPath, 'notes'));
    const migrations = db
      .prepare('SELECT migration_name AS name FROM schema_migrations ORDER BY id')
      .all() as {
      name: string;
    }[];
    return {
      notes,
      media,
      /** Files in MEDIA_PATH no row names: temp files of interrupted uploads, or uploads whose row never came. */
      strayMedia: mediaFiles.filter((f) => !known.has(f)),
      /** Leftovers of interrupted note writes (recovery at start-up should leave none). */
      pendingNotes: noteFiles.filter((f) => /\.(pending|purge)$/.test(f)),
      migrations: migrations.map((m) => m.name),
      hashOf: (text: string) => sha256(Buffer.from(text, 'utf8')),
    };
  } finally {
    db.close();
  }
}
