import type { Db } from '../open.js';

/** An authorization code row, bound to everything the request said (only its hash is stored). */
export interface AuthCodeRow {
  id: number;
  code_hash: string;
  me: string;
  client_id: string;
  redirect_uri: string;
  scope: string | null;
  state: string | null;
  code_challenge: string | null;
  code_challenge_method: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  grant_id: string | null;
}

/** Prepared statements for authorization_codes. */
export function authCodesStore(db: Db) {
  const insert =
    db.prepare(`INSERT INTO authorization_codes (code_hash, me, client_id, redirect_uri, scope, state,
      code_challenge, code_challenge_method, created_at, expires_at, grant_id)
    VALUES (@code_hash, @me, @client_id, @redirect_uri, @scope, @state, @code_challenge, @code_challenge_method,
      @created_at, @expires_at, @grant_id)`);
  const byHash = db.prepare('SELECT * FROM authorization_codes WHERE code_hash = ?');
  const markUsed = db.prepare('UPDATE authorization_codes SET used_at = ? WHERE id = ? AND used_at IS NULL');
  const expired = db.prepare('DELETE FROM authorization_codes WHERE expires_at <= ? AND used_at IS NULL');
  return {
    /** Stores a new code. */
    insertCode: (r: Omit<AuthCodeRow, 'id' | 'used_at'>) => insert.run(r),
    /** The code with this hash, or undefined. */
    findCodeByHash: (hash: string) => byHash.get(hash) as AuthCodeRow | undefined,
    /** Marks a code used; false when it already was (a replay). */
    markCodeUsed: (id: number, at: string) => markUsed.run(at, id).changes === 1,
    /** Deletes unused codes that expired. */
    deleteExpiredCodes: (now: string) => expired.run(now).changes,
  };
}
