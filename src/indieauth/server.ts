import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Db } from '../db/open.js';
import { type AuthCodeRow, authCodesStore } from '../db/store/auth-codes.js';
import { type TokenRow, tokensStore } from '../db/store/tokens.js';
import { randomToken, s256, safeEqual, sha256Hex } from '../lib/crypto.js';
import { AppError } from '../lib/errors.js';
import { formatScope, parseScope } from './scopes.js';

/** Authorization codes live ten minutes (IndieAuth §5.2). */
export const CODE_TTL_MS = 10 * 60 * 1000;
/** Refresh tokens die after 90 days without use; each use rotates them (so the clock restarts). */
export const REFRESH_TTL_S = 90 * 24 * 3600;

/** An OAuth error the protocol routes answer as JSON (RFC 6749 §5.2). */
export class OAuthError extends Error {
  readonly error: string;
  readonly status: number;
  constructor(error: string, description: string, status = 400) {
    super(description);
    this.name = 'OAuthError';
    this.error = error;
    this.status = status;
  }
}

/** What the consent form approved. */
export interface CodeRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string | null;
  /** The S256 PKCE challenge: required, every code is bound to one. */
  codeChallenge: string;
}

/** The parameters a code is redeemed with. */
export interface Redemption {
  code: string | undefined;
  clientId: string | undefined;
  redirectUri: string | undefined;
  codeVerifier: string | undefined;
}

/** The token endpoint's success response (IndieAuth §5.3.3). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  scope: string;
  me: string;
  expires_in: number;
  refresh_token: string;
  profile?: Record<string, string>;
}

/** StarPunk's IndieAuth authorization server: codes, token exchange, refresh, introspection, revocation. */
export function createIndieAuthServer(deps: {
  db: Db;
  clock: Clock;
  config: Config;
  /** The configuration with the saved settings applied, read when a profile is given out. */
  current?: () => Config;
}) {
  const { db, clock, config } = deps;
  const codes = authCodesStore(db);
  const tokens = tokensStore(db);
  const iso = (d: Date) => d.toISOString();
  const me = config.adminMe;
  // Many Micropub clients never refresh, so access tokens are long-lived (TOKEN_LIFETIME_DAYS).
  const ACCESS_TTL_S = config.tokenLifetimeDays * 24 * 3600;

  function profileFor(scopes: Set<string>): Record<string, string> | undefined {
    if (!scopes.has('profile')) return undefined;
    const profile: Record<string, string> = { url: me };
    const c = deps.current?.() ?? config;
    profile.name = c.siteAuthor || c.siteName;
    // IndieAuth §5.3.4: photo is an absolute URL.
    if (c.author?.photo) profile.photo = new URL(c.author.photo, c.siteUrl).href;
    return profile;
  }

  function issue(grantId: string, clientId: string, scope: string, now: Date): TokenResponse {
    const access = randomToken();
    const refresh = randomToken();
    const base = { me, client_id: clientId, scope, created_at: iso(now), grant_id: grantId };
    tokens.insertToken({
      ...base,
      token_hash: sha256Hex(access),
      kind: 'access',
      expires_at: iso(new Date(now.getTime() + ACCESS_TTL_S * 1000)),
    });
    tokens.insertToken({
      ...base,
      token_hash: sha256Hex(refresh),
      kind: 'refresh',
      expires_at: iso(new Date(now.getTime() + REFRESH_TTL_S * 1000)),
    });
    const response: TokenResponse = {
      access_token: access,
      token_type: 'Bearer',
      scope,
      me,
      expires_in: ACCESS_TTL_S,
      refresh_token: refresh,
    };
    const profile = profileFor(parseScope(scope));
    if (profile) response.profile = profile;
    return response;
  }

  /**
   * Checks a redemption against the code's row — client_id, redirect_uri, PKCE, expiry — and
   * consumes it. Runs inside the caller's transaction and returns (not throws) its error, so that
   * what it revokes on a replay is committed: a second redemption fails and revokes what the
   * first produced (RFC 6749 §4.1.2).
   */
  function consumeIn(r: Redemption): AuthCodeRow | OAuthError {
    if (!r.code || !r.clientId || !r.redirectUri) {
      return new OAuthError('invalid_request', 'code, client_id and redirect_uri are required.');
    }
    const row = codes.findCodeByHash(sha256Hex(r.code));
    const now = clock.now();
    if (!row) return new OAuthError('invalid_grant', 'The authorization code is not valid.');
    if (row.used_at) {
      if (row.grant_id) tokens.revokeGrant(row.grant_id, iso(now));
      return new OAuthError(
        'invalid_grant',
        'The authorization code was already used; its tokens have been revoked.',
      );
    }
    if (new Date(row.expires_at) <= now)
      return new OAuthError('invalid_grant', 'The authorization code has expired.');
    if (row.client_id !== r.clientId)
      return new OAuthError('invalid_grant', 'client_id does not match the authorization request.');
    if (row.redirect_uri !== r.redirectUri) {
      return new OAuthError('invalid_grant', 'redirect_uri does not match the authorization request.');
    }
    // PKCE is required (IndieAuth §5.2): a code without a challenge (left by an older version) is
    // never redeemed, whatever verifier comes with it.
    if (!row.code_challenge || row.code_challenge_method !== 'S256')
      return new OAuthError('invalid_grant', 'This code was issued without PKCE and cannot be redeemed.');
    if (!r.codeVerifier) return new OAuthError('invalid_grant', 'code_verifier is required (PKCE).');
    if (!safeEqual(s256(r.codeVerifier), row.code_challenge))
      return new OAuthError('invalid_grant', 'code_verifier does not match.');
    codes.markCodeUsed(row.id, iso(now));
    return row;
  }

  /** Runs `fn` in one BEGIN IMMEDIATE transaction that commits even when `fn` returns an error. */
  function atomically<T>(fn: () => T | OAuthError): T {
    const result = db.transaction(fn).immediate();
    if (result instanceof OAuthError) throw result;
    return result;
  }

  function findLive(token: string | undefined, kind: 'access' | 'refresh'): TokenRow | undefined {
    if (!token || token.length > 512) return undefined;
    const row = tokens.findTokenByHash(sha256Hex(token));
    if (!row || row.kind !== kind || row.revoked_at || new Date(row.expires_at) <= clock.now())
      return undefined;
    return row;
  }

  return {
    /** Issues a code for an approved request; returns the code to send back (stored hashed). */
    issueCode(req: CodeRequest): string {
      const code = randomToken();
      const now = clock.now();
      codes.insertCode({
        code_hash: sha256Hex(code),
        me,
        client_id: req.clientId,
        redirect_uri: req.redirectUri,
        scope: req.scope || null,
        state: req.state,
        code_challenge: req.codeChallenge,
        code_challenge_method: 'S256',
        created_at: iso(now),
        expires_at: iso(new Date(now.getTime() + CODE_TTL_MS)),
        grant_id: randomToken(16),
      });
      return code;
    },

    /** Redemption at the authorization endpoint: the profile, no token (IndieAuth §5.3.2). */
    redeemForProfile(r: Redemption): { me: string; profile?: Record<string, string> } {
      const row = atomically(() => consumeIn(r));
      const profile = profileFor(parseScope(row.scope));
      return profile ? { me, profile } : { me };
    },

    /** Redemption at the token endpoint: access + refresh token (IndieAuth §5.3.3). */
    exchangeCode(r: Redemption): TokenResponse {
      return atomically(() => {
        const row = consumeIn(r);
        if (row instanceof OAuthError) return row;
        const scopes = parseScope(row.scope);
        // §5.3.3: a code issued without scope must not yield an access token.
        if (scopes.size === 0) {
          return new OAuthError(
            'invalid_grant',
            'This code was issued without any scope; redeem it at the authorization endpoint instead.',
          );
        }
        return issue(row.grant_id ?? randomToken(16), row.client_id, formatScope(scopes), clock.now());
      });
    },

    /**
     * Refresh (IndieAuth §5.5, RFC 6749 §6) with rotation: the old refresh token dies; using a
     * dead one again revokes the whole grant. The scope can only narrow.
     */
    refresh(p: {
      refreshToken: string | undefined;
      clientId: string | undefined;
      scope: string | undefined;
    }): TokenResponse {
      if (!p.refreshToken || !p.clientId)
        throw new OAuthError('invalid_request', 'refresh_token and client_id are required.');
      return atomically(() => {
        const now = clock.now();
        const row = tokens.findTokenByHash(sha256Hex(p.refreshToken!));
        if (row?.kind !== 'refresh')
          return new OAuthError('invalid_grant', 'The refresh token is not valid.');
        // A grant one of whose access tokens was revoked is over, even if an older version left
        // its refresh token live (it revoked the access token alone): it ends now.
        const grantEnded = !row.revoked_at && row.grant_id && tokens.grantHasRevokedAccess(row.grant_id);
        if (row.revoked_at || grantEnded) {
          // A dead refresh token presented again may be a stolen copy: the whole grant dies either way.
          if (row.grant_id) tokens.revokeGrant(row.grant_id, iso(now));
          // A rotation records when the token was used; a token revoked unused went with its grant.
          return new OAuthError(
            'invalid_grant',
            row.last_used_at
              ? 'The refresh token was already used; every token of this grant has been revoked.'
              : 'The refresh token was never used, but its grant was revoked (its authorization code was ' +
                  'used twice, or one of its tokens was revoked); authorize again.',
          );
        }
        if (new Date(row.expires_at) <= now)
          return new OAuthError('invalid_grant', 'The refresh token has expired.');
        if (row.client_id !== p.clientId)
          return new OAuthError('invalid_grant', 'client_id does not match the refresh token.');
        const granted = parseScope(row.scope);
        let scopes = granted;
        if (p.scope !== undefined && p.scope.trim() !== '') {
          scopes = parseScope(p.scope);
          for (const s of scopes) {
            if (!granted.has(s))
              return new OAuthError(
                'invalid_scope',
                `The scope "${s}" was not granted; a refresh can only narrow it.`,
              );
          }
        }
        tokens.spendToken(row.id, iso(now));
        return issue(row.grant_id ?? randomToken(16), row.client_id ?? p.clientId!, formatScope(scopes), now);
      });
    },

    /** Token introspection (RFC 7662 + IndieAuth §6): active:false for anything unknown, expired or revoked. */
    introspect(token: string | undefined): Record<string, unknown> {
      const row = findLive(token, 'access');
      if (!row) return { active: false };
      return {
        active: true,
        me: row.me,
        client_id: row.client_id,
        scope: row.scope ?? '',
        iat: Math.floor(new Date(row.created_at).getTime() / 1000),
        exp: row.expires_at.startsWith('9999')
          ? undefined
          : Math.floor(new Date(row.expires_at).getTime() / 1000),
      };
    },

    /** The live access token for a bearer value, or undefined. */
    findAccessToken(token: string | undefined): TokenRow | undefined {
      return findLive(token, 'access');
    },

    /**
     * Revocation (RFC 7009, IndieAuth §7): unknown tokens are fine. Either token of a grant ends
     * the whole grant, as the admin's Revoke does: a refresh token takes its access tokens with it
     * (§2.1: SHOULD), and an access token its refresh tokens (§2.1: MAY) — a client that signs out,
     * or is signed out, cannot quietly get a new access token.
     */
    revoke(token: string | undefined): void {
      if (!token || token.length > 512) return;
      const row = tokens.findTokenByHash(sha256Hex(token));
      if (!row) return;
      tokens.revokeWithGrant(row.id, iso(clock.now()));
    },

    /** Userinfo (IndieAuth §9) for a token with the profile scope. */
    userinfo(row: TokenRow): Record<string, string> {
      const scopes = parseScope(row.scope);
      if (!scopes.has('profile')) {
        throw new AppError('insufficient_scope', 'This token lacks the profile scope.', {
          details: { scope: 'profile' },
        });
      }
      return profileFor(scopes)!;
    },

    /** Deletes expired unused codes. */
    cleanup(): number {
      return codes.deleteExpiredCodes(iso(clock.now()));
    },
  };
}

/** The IndieAuth server type. */
export type IndieAuthServer = ReturnType<typeof createIndieAuthServer>;
