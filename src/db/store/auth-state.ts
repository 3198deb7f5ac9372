import type { Db } from '../open.js';

/** A pending admin sign-in attempt. */
export interface AuthStateRow {
  state: string;
  code_verifier: string;
  created_at: string;
  expires_at: string;
  redirect_uri: string | null;
  issuer: string | null;
  authorization_endpoint: string | null;
}

/** Prepared statements for auth_state (single-use sign-in states). */
export function authStateStore(db: Db) {
  const insert = db.prepare(
    'INSERT INTO auth_state (state, code_verifier, created_at, expires_at, redirect_uri, issuer, authorization_endpoint) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const get = db.prepare('SELECT * FROM auth_state WHERE state = ?');
  const del = db.prepare('DELETE FROM auth_state WHERE state = ?');
  const expired = db.prepare('DELETE FROM auth_state WHERE expires_at <= ?');
  return {
    /** Stores a new state (its value is the SHA-256 of what the browser carries). */
    insertAuthState: (r: AuthStateRow) =>
      insert.run(
        r.state,
        r.code_verifier,
        r.created_at,
        r.expires_at,
        r.redirect_uri,
        r.issuer,
        r.authorization_endpoint,
      ),
    /** Reads and deletes a state in one go: it can be used once. */
    takeAuthState: (state: string) =>
      db.transaction(() => {
        const row = get.get(state) as AuthStateRow | undefined;
        if (row) del.run(state);
        return row;
      })(),
    /** Removes states that expired before `now`. */
    deleteExpiredAuthStates: (now: string) => expired.run(now).changes,
  };
}
