import type { Db } from '../open.js';

/** A connected remote account (secrets sealed). */
export interface SyndicationAccountRow {
  id: number;
  service: 'mastodon' | 'bluesky';
  uid: string;
  name: string;
  user_name: string;
  user_url: string;
  user_photo: string | null;
  default_on: number;
  secrets: string;
  created_at: string;
  updated_at: string;
}

/** The copy of one note on one account. */
export interface SyndicationCopyRow {
  id: number;
  note_id: number;
  account_id: number | null;
  service: string;
  /** queued: waiting for its job; posted: live remotely; failed: the last job failed; removed: deleted remotely. */
  state: 'queued' | 'posted' | 'failed' | 'removed';
  url: string | null;
  remote_id: string | null;
  /** The CID of the Bluesky record this site wrote (migration 021): a removal deletes only that record. */
  remote_cid: string | null;
  job_id: number | null;
  last_error: string | null;
  posted_at: string | null;
  created_at: string;
  updated_at: string;
}

/** Prepared statements for syndication_accounts, syndication_copies and syndication_pending. */
export function syndicationStore(db: Db) {
  const accounts = db.prepare('SELECT * FROM syndication_accounts ORDER BY id');
  const account = db.prepare('SELECT * FROM syndication_accounts WHERE id = ?');
  const accountByUid = db.prepare('SELECT * FROM syndication_accounts WHERE uid = ?');
  const upsertAccount = db.prepare(
    `INSERT INTO syndication_accounts (service, uid, name, user_name, user_url, user_photo, default_on,
       secrets, created_at, updated_at)
     VALUES (@service, @uid, @name, @userName, @userUrl, @userPhoto, 0, @secrets, @now, @now)
     ON CONFLICT(uid) DO UPDATE SET name = excluded.name, user_name = excluded.user_name,
       user_url = excluded.user_url, user_photo = excluded.user_photo, secrets = excluded.secrets,
       updated_at = excluded.updated_at
     RETURNING *`,
  );
  const setDefault = db.prepare(
    'UPDATE syndication_accounts SET default_on = ?, updated_at = ? WHERE id = ?',
  );
  const deleteAccount = db.prepare('DELETE FROM syndication_accounts WHERE id = ?');
  const copiesOfNote = db.prepare('SELECT * FROM syndication_copies WHERE note_id = ? ORDER BY id');
  const copy = db.prepare('SELECT * FROM syndication_copies WHERE note_id = ? AND account_id = ?');
  const copyById = db.prepare('SELECT * FROM syndication_copies WHERE id = ?');
  const copiesOfAccount = db.prepare('SELECT * FROM syndication_copies WHERE account_id = ? ORDER BY id');
  const recentCopies = db.prepare(
    'SELECT * FROM syndication_copies ORDER BY updated_at DESC, id DESC LIMIT ?',
  );
  const upsertCopy = db.prepare(
    `INSERT INTO syndication_copies (note_id, account_id, service, state, job_id, created_at, updated_at)
     VALUES (@noteId, @accountId, @service, 'queued', @jobId, @now, @now)
     ON CONFLICT(note_id, account_id) DO UPDATE SET job_id = excluded.job_id,
       state = CASE WHEN syndication_copies.state IN ('failed', 'removed') THEN 'queued' ELSE syndication_copies.state END,
       updated_at = excluded.updated_at
     RETURNING *`,
  );
  const recordCopy = db.prepare(
    `UPDATE syndication_copies SET state = @state, url = COALESCE(@url, url),
       remote_cid = CASE WHEN @remoteId IS NULL THEN remote_cid ELSE @cid END, remote_id = COALESCE(@remoteId, remote_id),
       last_error = @error, posted_at = CASE WHEN @state = 'posted' AND posted_at IS NULL THEN @now ELSE posted_at END,
       updated_at = @now WHERE id = @id`,
  );
  const setJob = db.prepare('UPDATE syndication_copies SET job_id = ?, updated_at = ? WHERE id = ?');
  const insertPending = db.prepare(
    'INSERT INTO syndication_pending (state, service, data, created_at) VALUES (?, ?, ?, ?)',
  );
  const takePending = db.prepare('DELETE FROM syndication_pending WHERE state = ? RETURNING *');
  const prunePending = db.prepare('DELETE FROM syndication_pending WHERE created_at < ?');

  return {
    /** Every connected account, oldest first. */
    listAccounts: () => accounts.all() as SyndicationAccountRow[],
    /** One account, or undefined. */
    findAccount: (id: number) => account.get(id) as SyndicationAccountRow | undefined,
    /** The account with this uid, or undefined. */
    findAccountByUid: (uid: string) => accountByUid.get(uid) as SyndicationAccountRow | undefined,
    /** Adds an account, or refreshes the one with the same uid (reconnecting keeps its copies). */
    upsertAccount: (r: {
      service: string;
      uid: string;
      name: string;
      userName: string;
      userUrl: string;
      userPhoto: string | null;
      secrets: string;
      now: string;
    }) => upsertAccount.get(r) as SyndicationAccountRow,
    /** Ticks or unticks an account in the editor by default. */
    updateAccountDefault: (id: number, on: boolean, now: string) =>
      setDefault.run(on ? 1 : 0, now, id).changes > 0,
    /** Disconnects an account (its copies stay, unlinked). */
    deleteAccount: (id: number) => deleteAccount.run(id).changes > 0,
    /** The copies of a note. */
    listCopiesForNote: (noteId: number) => copiesOfNote.all(noteId) as SyndicationCopyRow[],
    /** The copies on an account. */
    listCopiesForAccount: (accountId: number) => copiesOfAccount.all(accountId) as SyndicationCopyRow[],
    /** The most recently changed copies (the admin's overview). */
    listRecentCopies: (limit: number) => recentCopies.all(limit) as SyndicationCopyRow[],
    /** The copy of a note on an account, or undefined. */
    findCopy: (noteId: number, accountId: number) =>
      copy.get(noteId, accountId) as SyndicationCopyRow | undefined,
    /** A copy by id, or undefined. */
    findCopyById: (id: number) => copyById.get(id) as SyndicationCopyRow | undefined,
    /** Adds the copy row of a note and account (or points it at a new job). */
    upsertCopy: (r: { noteId: number; accountId: number; service: string; jobId: number; now: string }) =>
      upsertCopy.get(r) as SyndicationCopyRow,
    /** Records what a job found out (a new remote id comes with its CID, or none). */
    recordCopy: (r: {
      id: number;
      state: SyndicationCopyRow['state'];
      url: string | null;
      remoteId: string | null;
      cid?: string | null;
      error: string | null;
      now: string;
    }) => {
      recordCopy.run({ ...r, cid: r.cid ?? null });
    },
    /** Points a copy at the job now working on it. */
    updateCopyJob: (id: number, jobId: number, now: string) => {
      setJob.run(jobId, now, id);
    },
    /** Remembers an OAuth authorization under way. */
    insertPending: (state: string, service: string, data: string, now: string) => {
      insertPending.run(state, service, data, now);
    },
    /** Takes (and forgets) an OAuth authorization under way, or undefined. */
    takePending: (state: string) =>
      takePending.get(state) as
        | { state: string; service: string; data: string; created_at: string }
        | undefined,
    /** Forgets authorizations started before `before`. */
    prunePending: (before: string) => {
      prunePending.run(before);
    },
  };
}

/** The syndication store's type. */
export type SyndicationStore = ReturnType<typeof syndicationStore>;

/**
 * The URLs of a note's live copies, for the note presenter (u-syndication, q=source). Prepared on
 * first use, so a note service built on a database that predates syndication still starts.
 */
export function syndicationUrlsOf(db: Db): (noteId: number) => string[] {
  let stmt: ReturnType<Db['prepare']> | undefined;
  return (noteId) => {
    stmt ??= db.prepare(
      "SELECT url FROM syndication_copies WHERE note_id = ? AND url IS NOT NULL AND state <> 'removed' ORDER BY id",
    );
    return (stmt.all(noteId) as { url: string }[]).map((r) => r.url);
  };
}

/**
 * The same for many notes in one query (a page of a list or a search): URLs by note id, only for
 * notes that have any. Prepared on first use, like syndicationUrlsOf.
 */
export function syndicationUrlsOfMany(db: Db): (noteIds: readonly number[]) => Map<number, string[]> {
  let stmt: ReturnType<Db['prepare']> | undefined;
  return (noteIds) => {
    const out = new Map<number, string[]>();
    if (noteIds.length === 0) return out;
    stmt ??= db
      .prepare(
        `SELECT note_id, url FROM syndication_copies WHERE note_id IN (SELECT value FROM json_each(?))
         AND url IS NOT NULL AND state <> 'removed' ORDER BY note_id, id`,
      )
      .raw();
    for (const [id, url] of stmt.all(JSON.stringify(noteIds)) as [number, string][]) {
      const list = out.get(id);
      if (list) list.push(url);
      else out.set(id, [url]);
    }
    return out;
  };
}
