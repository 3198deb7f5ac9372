import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import { type TokenRow, tokensStore } from '../db/store/tokens.js';
import { randomToken, sha256Hex } from '../lib/crypto.js';
import { AppError, storageFailure } from '../lib/errors.js';
import { formatScope, parseScope } from './scopes.js';

/** Tokens without an expiry are stored with this far-future date (the column is NOT NULL). */
export const NEVER = '9999-12-31T23:59:59.999Z';

/** A verified bearer token: whose, which client, which scopes. */
export interface BearerToken {
  me: string;
  clientId: string | null;
  scopes: Set<string>;
}

/** Verifies a token value (locally, or at ADMIN_ME's own authorization server). */
export type TokenVerifier = (token: string) => Promise<BearerToken | undefined>;

/** A verified access token. */
export interface AccessToken {
  id: number;
  me: string;
  clientId: string | null;
  scopes: Set<string>;
  expiresAt: Date | null;
}

/** How finely a token's last use is recorded. */
const USE_RESOLUTION_MS = 60_000;

/** Access tokens: minted, verified and revoked by hash; the token itself is never stored. */
export function createTokenService(deps: { db: Db; clock: Clock }) {
  const store = tokensStore(deps.db);
  const iso = () => deps.clock.now().toISOString();
  const present = (r: TokenRow): AccessToken => ({
    id: r.id,
    me: r.me,
    clientId: r.client_id,
    scopes: parseScope(r.scope),
    expiresAt: r.expires_at === NEVER ? null : new Date(r.expires_at),
  });
  /**
   * Notes when a token was last used, to the minute: a client polling q=source does not turn every
   * read into a write. Bookkeeping only: when the disk is full or read-only the request goes on.
   */
  const recordUse = (r: TokenRow) => {
    const now = deps.clock.now();
    if (r.last_used_at && now.getTime() - Date.parse(r.last_used_at) < USE_RESOLUTION_MS) return;
    try {
      store.updateTokenUse(r.id, now.toISOString());
    } catch (err) {
      // A full or read-only disk, or a writer holding the lock past the busy timeout.
      if (!storageFailure(err) && (err as { code?: unknown }).code !== 'SQLITE_BUSY') throw err;
    }
  };
  return {
    /** Mints a token; returns its value (shown once) and id. */
    mintToken(p: { me: string; clientId: string | null; scope: string; expiresInSeconds: number | null }) {
      const scopes = parseScope(p.scope);
      if (scopes.size === 0) throw new AppError('invalid_request', 'A token needs at least one scope.');
      const token = randomToken();
      const now = deps.clock.now();
      const expires = p.expiresInSeconds
        ? new Date(now.getTime() + p.expiresInSeconds * 1000).toISOString()
        : NEVER;
      const id = store.insertToken({
        token_hash: sha256Hex(token),
        me: p.me,
        client_id: p.clientId,
        scope: formatScope(scopes),
        created_at: now.toISOString(),
        expires_at: expires,
      });
      return {
        token,
        id,
        scope: formatScope(scopes),
        expiresAt: expires === NEVER ? null : new Date(expires),
      };
    },
    /** The live token for a bearer value, or undefined (unknown, expired or revoked). */
    verifyToken(token: string): AccessToken | undefined {
      if (!token || token.length > 512) return undefined;
      const row = store.findTokenByHash(sha256Hex(token));
      if (row?.kind !== 'access' || row.revoked_at || new Date(row.expires_at) <= deps.clock.now())
        return undefined;
      recordUse(row);
      return present(row);
    },
    /**
     * Revokes a token by id and, with it, the grant it belongs to: a client's access and refresh
     * tokens end together (a revoked access token whose refresh token still works revokes
     * nothing). False when nothing was live.
     */
    revokeToken(id: number): boolean {
      return store.revokeWithGrant(id, iso()) > 0;
    },
    /** Every token for the admin list. */
    listTokens() {
      return store.listTokens().map((r) => ({
        ...present(r),
        scope: r.scope ?? '',
        createdAt: new Date(r.created_at),
        lastUsedAt: r.last_used_at ? new Date(r.last_used_at) : null,
        revoked: r.revoked_at !== null,
      }));
    },
  };
}

/** The token service type. */
export type TokenService = ReturnType<typeof createTokenService>;
