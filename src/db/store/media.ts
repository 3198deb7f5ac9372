import type { Db } from '../open.js';

/** A media row as stored. */
export interface MediaRow {
  id: number;
  file_path: string;
  mime_type: string;
  size: number;
  width: number | null;
  height: number | null;
  original_name: string | null;
  alt: string;
  sha256: string;
  /** JSON object: variant name → { path, width, height, size }. */
  variants: string;
  created_at: string;
}

/** Columns written when a media item is recorded. */
export type NewMediaRow = Omit<MediaRow, 'id'>;

const COLUMNS =
  'id, file_path, mime_type, size, width, height, original_name, alt, sha256, variants, created_at';

/** Prepared statements for the media table; build once per connection (after migrations). */
export function mediaStore(db: Db) {
  const byId = db.prepare(`SELECT ${COLUMNS} FROM media WHERE id = ?`);
  const byPath = db.prepare(`SELECT ${COLUMNS} FROM media WHERE file_path = ?`);
  const insert = db.prepare(
    `INSERT INTO media (file_path, mime_type, size, width, height, original_name, alt, sha256, variants,
      created_at)
     VALUES (@file_path, @mime_type, @size, @width, @height, @original_name, @alt, @sha256, @variants,
      @created_at)`,
  );
  const remove = db.prepare('DELETE FROM media WHERE id = ?');
  // Uses idx_media_created_at; the id breaks ties between uploads in the same millisecond.
  const page = db.prepare(`SELECT ${COLUMNS} FROM media ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`);
  const countAll = db.prepare('SELECT count(*) AS n FROM media');
  // Any number of paths in one statement (a JSON array), each looked up through the file_path index.
  const byPaths = db.prepare(
    `SELECT ${COLUMNS} FROM media WHERE file_path IN (SELECT value FROM json_each(?))`,
  );

  return {
    /** The media item with this id, or undefined. */
    findById: (id: number) => byId.get(id) as MediaRow | undefined,
    /** The media item stored at this path (relative to MEDIA_PATH), or undefined. */
    findByPath: (path: string) => byPath.get(path) as MediaRow | undefined,
    /** The media items stored at these paths (relative to MEDIA_PATH); unknown paths are left out. */
    findByPaths: (paths: readonly string[]) =>
      paths.length === 0 ? [] : (byPaths.all(JSON.stringify(paths)) as MediaRow[]),
    /** Inserts a media row and returns its id. */
    insertMedia: (row: NewMediaRow) => {
      try {
        return Number(insert.run(row).lastInsertRowid);
      } catch (err) {
        throw new Error(`could not record media ${row.file_path}`, { cause: err });
      }
    },
    /** Deletes a media row; returns whether one was deleted. */
    deleteMedia: (id: number) => remove.run(id).changes === 1,
    /** One page of media, newest first. */
    listMedia: (limit: number, offset: number) => page.all(limit, offset) as MediaRow[],
    /** How many media items there are. */
    countMedia: () => (countAll.get() as { n: number }).n,
  };
}

/** The prepared media store type. */
export type MediaStore = ReturnType<typeof mediaStore>;
