import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { bulkWriteHeld } from '../db/bulk-write.js';
import type { Db } from '../db/open.js';
import { authStateStore } from '../db/store/auth-state.js';
import { type SessionRow, sessionsStore } from '../db/store/sessions.js';
import { settingsStore } from '../db/store/settings.js';
import { hmac, randomToken, s256, safeEqual, sha256Hex } from '../lib/crypto.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../logger.js';
import type { FetchLike } from '../outbound/safe-fetch.js';
import { readLimited } from '../outbound/safe-fetch.js';
import { discoverAuthServer } from './discovery.js';
import { normaliseProfileUrl, sameProfile } from './urls.js';

/** Sessions last 30 days from their last use. */
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
/** A sign-in attempt (state) lives 10 minutes. */
export const STATE_TTL_MS = 10 * 60 * 1000;
/** The first-run setup link works for one hour, once. */
export const SETUP_TTL_MS = 60 * 60 * 1000;
// A use less than this long after the previous one does not rewrite the row.
const TOUCH_EVERY_MS = 60 * 1000;

const PASSWORD_KEY = 'admin_password_hash';
const SETUP_KEY = 'setup_token';

/** A signed-in admin session as the web layer sees it. */
export interface AdminSession {
  id: number;
  me: string;
  /** Per-session CSRF token for every state-changing form. */
  csrf: string;
  createdAt: Date;
}

/** How the admin signs in on this site. */
export type SignInMethod = 'password' | 'indieauth';

/** Everything admin authentication needs. */
export interface AdminAuthDeps {
  db: Db;
  config: Config;
  clock: Clock;
  secret: string;
  fetch: FetchLike;
  logger?: Logger;
}

/** Admin authentication: password, IndieAuth sign-in as ADMIN_ME, sessions, CSRF, first-run setup. */
export function createAdminAuth(deps: AdminAuthDeps) {
  const { config, clock, secret } = deps;
  const sessions = sessionsStore(deps.db);
  const settings = settingsStore(deps.db);
  const states = authStateStore(deps.db);
  const iso = (d: Date) => d.toISOString();
  const callbackUrl = new URL('auth/callback', config.siteUrl).toString();
  const clientId = config.siteUrl;

  function toSession(row: SessionRow): AdminSession {
    return {
      id: row.id,
      me: row.me,
      csrf: hmac(secret, `csrf:${row.session_token_hash}`),
      createdAt: new Date(row.created_at),
    };
  }

  return {
    /** Password when ADMIN_ME is this site itself; otherwise IndieAuth against ADMIN_ME's server. */
    signInMethod(): SignInMethod {
      return sameProfile(config.adminMe, config.siteUrl) ? 'password' : 'indieauth';
    },

    /** True once a password has been set. */
    hasPassword(): boolean {
      return settings.findSetting(PASSWORD_KEY) !== undefined;
    },

    /**
     * Stores a new admin password (argon2id; at least 10 characters) and ends every admin session
     * in the same transaction: a password change is how an owner locks out a stolen cookie.
     * Returns how many sessions were ended.
     */
    async setPassword(password: string): Promise<number> {
      if (password.length < 10)
        throw new AppError('invalid_request', 'Choose a password of at least 10 characters.');
      if (password.length > 1024) throw new AppError('invalid_request', 'That password is too long.');
      const hashed = await argonHash(password, { algorithm: 2 });
      return deps.db
        .transaction(() => {
          settings.upsertSetting(PASSWORD_KEY, hashed, iso(clock.now()));
          settings.deleteSetting(SETUP_KEY);
          return sessions.deleteAllSessions();
        })
        .immediate();
    },

    /** Checks a password; argon2 verification is constant-time and slow on purpose. */
    async verifyPassword(password: string): Promise<boolean> {
      const stored = settings.findSetting(PASSWORD_KEY);
      if (!stored || password.length > 1024) {
        // Same cost whether or not a password exists, so timing tells nothing.
        await argonHash('not-the-password', { algorithm: 2 });
        return false;
      }
      try {
        return await argonVerify(stored, password);
      } catch {
        return false;
      }
    },

    /** Mints a one-time setup token (stored hashed); returns the URL to print. */
    createSetupLink(): string {
      const token = randomToken();
      const expires = new Date(clock.now().getTime() + SETUP_TTL_MS);
      settings.upsertSetting(
        SETUP_KEY,
        JSON.stringify({ hash: sha256Hex(token), expires: iso(expires) }),
        iso(clock.now()),
      );
      return new URL(`auth/setup?token=${token}`, config.siteUrl).toString();
    },

    /** True when `token` is the current, unexpired setup token. */
    isSetupTokenValid(token: string): boolean {
      const raw = settings.findSetting(SETUP_KEY);
      if (!raw || !token) return false;
      const { hash, expires } = JSON.parse(raw) as { hash: string; expires: string };
      return new Date(expires) > clock.now() && safeEqual(hash, sha256Hex(token));
    },

    /** Starts a session for `me`; returns the cookie value (only ever stored hashed). */
    createSession(
      me: string,
      userAgent: string | undefined,
      ip: string | undefined,
    ): { token: string; session: AdminSession } {
      const token = randomToken();
      const now = clock.now();
      const row: Omit<SessionRow, 'id'> = {
        session_token_hash: sha256Hex(token),
        me,
        created_at: iso(now),
        expires_at: iso(new Date(now.getTime() + SESSION_TTL_MS)),
        last_used_at: iso(now),
        user_agent: userAgent?.slice(0, 300) ?? null,
        ip_address: ip?.slice(0, 64) ?? null,
      };
      const id = sessions.insertSession(row);
      return { token, session: toSession({ ...row, id }) };
    },

    /** The live session for a cookie value, sliding its expiry; undefined when unknown or expired. */
    findSession(token: string | undefined): AdminSession | undefined {
      if (!token || token.length > 200) return undefined;
      const row = sessions.findSessionByHash(sha256Hex(token));
      if (!row) return undefined;
      const now = clock.now();
      if (new Date(row.expires_at) <= now) {
        sessions.deleteSession(row.id);
        return undefined;
      }
      const last = row.last_used_at ? new Date(row.last_used_at).getTime() : 0;
      // Not while an import holds the write lock: the touch would wait on it (src/db/bulk-write.ts).
      if (now.getTime() - last > TOUCH_EVERY_MS && !bulkWriteHeld(deps.db.name)) {
        sessions.updateSessionUse(row.id, iso(now), iso(new Date(now.getTime() + SESSION_TTL_MS)));
      }
      return toSession(row);
    },

    /** Ends one session. */
    endSession(id: number): boolean {
      return sessions.deleteSession(id);
    },

    /** Ends every session ("sign out everywhere"); returns how many there were. */
    endAllSessions(): number {
      return sessions.deleteAllSessions();
    },

    /** Live sessions, for the admin's session list. */
    listSessions() {
      return sessions.listSessions(iso(clock.now())).map((r) => ({
        id: r.id,
        me: r.me,
        createdAt: new Date(r.created_at),
        lastUsedAt: r.last_used_at ? new Date(r.last_used_at) : null,
        userAgent: r.user_agent,
        ipAddress: r.ip_address,
      }));
    },

    /** True when `token` is the CSRF token of `session` (constant-time). */
    isValidCsrf(session: AdminSession, token: string | undefined): boolean {
      return typeof token === 'string' && safeEqual(token, session.csrf);
    },

    /** Deletes expired sessions and sign-in states. */
    cleanup(): { sessions: number; states: number } {
      const now = iso(clock.now());
      return { sessions: sessions.deleteExpiredSessions(now), states: states.deleteExpiredAuthStates(now) };
    },

    /**
     * Step 1 of IndieAuth sign-in as ADMIN_ME: discover its authorization server, store a
     * single-use state with the PKCE verifier, and return the URL to send the browser to.
     */
    async beginIndieAuth(): Promise<string> {
      const server = await discoverAuthServer(config.adminMe, deps.fetch);
      const state = randomToken();
      const verifier = randomToken(48);
      const now = clock.now();
      states.insertAuthState({
        state: sha256Hex(state),
        code_verifier: verifier,
        created_at: iso(now),
        expires_at: iso(new Date(now.getTime() + STATE_TTL_MS)),
        redirect_uri: callbackUrl,
        issuer: server.issuer ?? null,
        authorization_endpoint: server.authorizationEndpoint,
      });
      const url = new URL(server.authorizationEndpoint);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', clientId);
      url.searchParams.set('redirect_uri', callbackUrl);
      url.searchParams.set('state', state);
      url.searchParams.set('code_challenge', s256(verifier));
      url.searchParams.set('code_challenge_method', 'S256');
      url.searchParams.set('me', config.adminMe);
      return url.toString();
    },

    /**
     * Step 2: the authorization server sent the browser back. Checks state (single use, fresh),
     * `iss`, redeems the code at the authorization endpoint for the profile, and accepts only
     * ADMIN_ME. Returns the verified `me`.
     */
    async completeIndieAuth(params: {
      state?: string;
      code?: string;
      iss?: string;
      error?: string;
    }): Promise<string> {
      if (!params.state) throw new AppError('invalid_request', 'The sign-in response has no state.');
      const row = states.takeAuthState(sha256Hex(params.state));
      if (!row || new Date(row.expires_at) <= clock.now()) {
        throw new AppError(
          'invalid_request',
          'This sign-in attempt expired or was already used. Please sign in again.',
        );
      }
      if (params.error) {
        // Anyone holding a fresh state can build this link: show a well-formed OAuth error code
        // (RFC 6749 §4.1.2.1: access_denied, …), never free text from the URL.
        const code = /^[a-z_]{1,64}$/.test(params.error) ? params.error : 'an unrecognised error';
        throw new AppError('forbidden', `The authorization server said: ${code}.`);
      }
      if (!params.code) throw new AppError('invalid_request', 'The sign-in response has no code.');
      if (row.issuer && params.iss !== row.issuer) {
        throw new AppError(
          'forbidden',
          'The sign-in response came from a different authorization server (iss mismatch).',
        );
      }
      const res = await deps.fetch(row.authorization_endpoint!, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: params.code,
          client_id: clientId,
          redirect_uri: row.redirect_uri ?? callbackUrl,
          code_verifier: row.code_verifier,
        }).toString(),
      });
      let body: { me?: unknown; error?: unknown };
      try {
        body = JSON.parse(await readLimited(res, 256 * 1024)) as typeof body;
      } catch {
        throw new AppError(
          'forbidden',
          `The authorization server answered ${res.status} without a JSON profile.`,
        );
      }
      if (!res.ok || typeof body.me !== 'string') {
        throw new AppError(
          'forbidden',
          `The authorization server refused the code (${String(body.error ?? res.status)}).`,
        );
      }
      const me = normaliseProfileUrl(body.me);
      if (!me || !sameProfile(me, config.adminMe)) {
        deps.logger?.warn({ me: body.me }, 'sign-in refused: not the admin');
        throw new AppError('forbidden', `${body.me} is not this site's owner.`);
      }
      return me;
    },
  };
}

/** The admin authentication service type. */
export type AdminAuth = ReturnType<typeof createAdminAuth>;
