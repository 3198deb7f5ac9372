import type { Db } from '../open.js';

/** An admin session row (token stored only as its SHA-256). */
export interface SessionRow {
  id: number;
  session_token_hash: string;
  me: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  user_agent: string | null;
  ip_address: string | null;
}

/** Prepared statements for the sessions table. */
export function sessionsStore(db: Db) {
  const insert = db.prepare(
    'INSERT INTO sessions (session_token_hash, me, created_at, expires_at, last_used_at, user_agent, ip_address) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const byHash = db.prepare('SELECT * FROM sessions WHERE session_token_hash = ?');
  const touch = db.prepare('UPDATE sessions SET last_used_at = ?, expires_at = ? WHERE id = ?');
  const del = db.prepare('DELETE FROM sessions WHERE id = ?');
  const list = db.prepare(
    'SELECT * FROM sessions WHERE expires_at > ? ORDER BY coalesce(last_used_at, created_at) DESC',
  );
  const expired = db.prepare('DELETE FROM sessions WHERE expires_at <= ?');
  const all = db.prepare('DELETE FROM sessions');
  return {
    /** Stores a new session and returns its id. */
    insertSession: (r: Omit<SessionRow, 'id'>) =>
      Number(
        insert.run(
          r.session_token_hash,
          r.me,
          r.created_at,
          r.expires_at,
          r.last_used_at,
          r.user_agent,
          r.ip_address,
        ).lastInsertRowid,
      ),
    /** The session with this token hash, or undefined. */
    findSessionByHash: (hash: string) => byHash.get(hash) as SessionRow | undefined,
    /** Records a use and slides the expiry. */
    updateSessionUse: (id: number, at: string, expiresAt: string) => touch.run(at, expiresAt, id),
    /** Ends a session. */
    deleteSession: (id: number) => del.run(id).changes === 1,
    /** Sessions still valid at `now`, most recently used first. */
    listSessions: (now: string) => list.all(now) as SessionRow[],
    /** Ends every session; returns how many there were. */
    deleteAllSessions: () => all.run().changes,
    /** Removes sessions that expired before `now`. */
    deleteExpiredSessions: (now: string) => expired.run(now).changes,
  };
}
