import { discoverAuthServer } from '../auth/discovery.js';
import { normaliseProfileUrl, sameProfile } from '../auth/urls.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { parseScope } from '../indieauth/scopes.js';
import type { BearerToken, TokenService, TokenVerifier } from '../indieauth/tokens.js';
import { sha256Hex } from '../lib/crypto.js';
import type { Logger } from '../logger.js';
import { type FetchLike, readLimited } from '../outbound/safe-fetch.js';

const POSITIVE_TTL_MS = 2 * 60_000;
const NEGATIVE_TTL_MS = 30_000;
const SERVER_TTL_MS = 10 * 60_000;

/**
 * Verifies bearer tokens for ADMIN_ME: tokens StarPunk issued itself, and — when ADMIN_ME's own
 * page names another authorization server — tokens from that server, checked at its token
 * (legacy verification) or introspection endpoint. Results are cached briefly; any failure to
 * verify counts as "not valid" (fail closed).
 */
export function createTokenVerifier(deps: {
  config: Config;
  tokens: TokenService;
  fetch: FetchLike;
  clock: Clock;
  logger?: Logger;
  external: boolean;
}): TokenVerifier {
  const cache = new Map<string, { at: number; token: BearerToken | undefined }>();
  let server: { at: number; value: Awaited<ReturnType<typeof discoverAuthServer>> } | undefined;

  async function remote(token: string): Promise<BearerToken | undefined> {
    const now = deps.clock.now().getTime();
    if (!server || now - server.at > SERVER_TTL_MS) {
      server = { at: now, value: await discoverAuthServer(deps.config.adminMe, deps.fetch) };
    }
    const s = server.value;
    let data: Record<string, unknown> | undefined;
    if (s.tokenEndpoint) {
      const res = await deps.fetch(s.tokenEndpoint, {
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      });
      if (res.ok) data = JSON.parse(await readLimited(res, 64 * 1024)) as Record<string, unknown>;
    }
    if (!data && s.introspectionEndpoint) {
      const res = await deps.fetch(s.introspectionEndpoint, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: new URLSearchParams({ token }).toString(),
      });
      if (res.ok) {
        const d = JSON.parse(await readLimited(res, 64 * 1024)) as Record<string, unknown>;
        if (d.active === true || d.active === 'true') data = d;
      }
    }
    if (!data || typeof data.me !== 'string') return undefined;
    const me = normaliseProfileUrl(data.me);
    if (!me || !sameProfile(me, deps.config.adminMe)) return undefined;
    return {
      me,
      clientId: typeof data.client_id === 'string' ? data.client_id : null,
      scopes: parseScope(String(data.scope ?? '')),
    };
  }

  return async (token) => {
    const local = deps.tokens.verifyToken(token);
    if (local) {
      // A token minted for some other identity never acts for this site.
      return sameProfile(local.me, deps.config.adminMe)
        ? { me: local.me, clientId: local.clientId, scopes: local.scopes }
        : undefined;
    }
    if (!deps.external) return undefined;
    const key = sha256Hex(token);
    const now = deps.clock.now().getTime();
    const hit = cache.get(key);
    if (hit && now - hit.at < (hit.token ? POSITIVE_TTL_MS : NEGATIVE_TTL_MS)) return hit.token;
    let result: BearerToken | undefined;
    try {
      result = await remote(token);
    } catch (err) {
      deps.logger?.warn(
        { err: (err as Error).message },
        'could not verify a token at the external authorization server',
      );
      result = undefined;
    }
    cache.set(key, { at: now, token: result });
    if (cache.size > 1000) cache.delete(cache.keys().next().value as string);
    return result;
  };
}
