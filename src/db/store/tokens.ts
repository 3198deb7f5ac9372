import type { Db } from '../open.js';

/** An access token row (the token itself is only stored as its SHA-256). */
export interface TokenRow {
  id: number;
  token_hash: string;
  me: string;
  client_id: string | null;
  scope: string | null;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  kind: string;
  grant_id: string | null;
}

/** Prepared statements for the tokens table. */
export function tokensStore(db: Db) {
  const insert = db.prepare(
    'INSERT INTO tokens (token_hash, me, client_id, scope, created_at, expires_at, kind, grant_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const revokeGrant = db.prepare(
    'UPDATE tokens SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL',
  );
  const list = db.prepare(
    "SELECT * FROM tokens WHERE kind = 'access' ORDER BY created_at DESC, id DESC LIMIT 500",
  );
  const byId = db.prepare('SELECT * FROM tokens WHERE id = ?');
  const byHash = db.prepare('SELECT * FROM tokens WHERE token_hash = ?');
  const revoke = db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  // The token and every token of its grant, in one statement. A token minted by hand has no
  // grant: `grant_id = NULL` matches nothing, so only the token itself goes.
  const revokeWithGrant = db.prepare(
    `UPDATE tokens SET revoked_at = @at
     WHERE revoked_at IS NULL AND (id = @id OR grant_id = (SELECT grant_id FROM tokens WHERE id = @id))`,
  );
  const revokedAccess = db.prepare(
    "SELECT 1 FROM tokens WHERE grant_id = ? AND kind = 'access' AND revoked_at IS NOT NULL LIMIT 1",
  );
  const used = db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?');
  // A rotated refresh token is both used and dead: last_used_at tells it from one revoked unused.
  const spend = db.prepare(
    'UPDATE tokens SET revoked_at = @at, last_used_at = @at WHERE id = @id AND revoked_at IS NULL',
  );
  return {
    /** Stores a token (hash only) and returns its id. */
    insertToken: (
      r: Omit<TokenRow, 'id' | 'last_used_at' | 'revoked_at' | 'kind' | 'grant_id'> & {
        kind?: string;
        grant_id?: string | null;
      },
    ) =>
      Number(
        insert.run(
          r.token_hash,
          r.me,
          r.client_id,
          r.scope,
          r.created_at,
          r.expires_at,
          r.kind ?? 'access',
          r.grant_id ?? null,
        ).lastInsertRowid,
      ),
    /** Revokes every token of a grant; returns how many were live. */
    revokeGrant: (grantId: string, at: string) => revokeGrant.run(at, grantId).changes,
    /** The newest tokens, for the admin. */
    listTokens: () => list.all() as TokenRow[],
    /** One token by id, or undefined. */
    findTokenById: (id: number) => byId.get(id) as TokenRow | undefined,
    /** One token by the hash of its value, or undefined. */
    findTokenByHash: (hash: string) => byHash.get(hash) as TokenRow | undefined,
    /** Revokes a token; false when it already was. */
    revokeToken: (id: number, at: string) => revoke.run(at, id).changes === 1,
    /** Revokes a token and every other token of its grant; returns how many were live. */
    revokeWithGrant: (id: number, at: string) => revokeWithGrant.run({ id, at }).changes,
    /** Whether one of the grant's access tokens was revoked (which, since revoking ends the grant, means the grant was). */
    grantHasRevokedAccess: (grantId: string) => revokedAccess.get(grantId) !== undefined,
    /** Marks a refresh token used up by a rotation (revoked, and used at the same instant); false when it already was revoked. */
    spendToken: (id: number, at: string) => spend.run({ id, at }).changes === 1,
    /** Records that a token was used. */
    updateTokenUse: (id: number, at: string) => used.run(at, id),
  };
}
