import type { Db } from '../open.js';

/** A reply_contexts row as stored (`016_reply_contexts.sql`). */
export interface ReplyContextRow {
  url: string;
  /** 'ok' when the page was read, 'failed' when it could not be. */
  status: string;
  name: string | null;
  author_name: string | null;
  author_url: string | null;
  error: string | null;
  fetched_at: string;
}

/** Prepared statements for the reply_contexts table. */
export function replyContextsStore(db: Db) {
  const byUrl = db.prepare(
    'SELECT url, status, name, author_name, author_url, error, fetched_at FROM reply_contexts WHERE url = ?',
  );
  const upsert = db.prepare(
    `INSERT INTO reply_contexts (url, status, name, author_name, author_url, error, fetched_at)
     VALUES (@url, @status, @name, @author_name, @author_url, @error, @fetched_at)
     ON CONFLICT(url) DO UPDATE SET status = excluded.status, name = excluded.name,
       author_name = excluded.author_name, author_url = excluded.author_url, error = excluded.error,
       fetched_at = excluded.fetched_at`,
  );
  const byUrls = db.prepare(
    `SELECT url, status, name, author_name, author_url, error, fetched_at FROM reply_contexts
     WHERE url IN (SELECT value FROM json_each(?))`,
  );
  return {
    /** What is known about the page at `url`, or undefined when it was never fetched. */
    findContext: (url: string) => byUrl.get(url) as ReplyContextRow | undefined,
    /** The same for many pages at once (a page of notes), by URL; pages never fetched are absent. */
    findContexts: (urls: readonly string[]): Map<string, ReplyContextRow> =>
      urls.length === 0
        ? new Map()
        : new Map((byUrls.all(JSON.stringify(urls)) as ReplyContextRow[]).map((r) => [r.url, r])),
    /** Stores what a fetch of `url` found (or that it failed), replacing what was known. */
    upsertContext: (row: ReplyContextRow) => {
      upsert.run(row);
    },
  };
}

/** The reply contexts store type. */
export type ReplyContextsStore = ReturnType<typeof replyContextsStore>;
