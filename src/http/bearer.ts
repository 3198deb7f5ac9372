import type { Context, MiddlewareHandler } from 'hono';
import { parseScope } from '../indieauth/scopes.js';

/** A verified bearer token: whose, which client, which scopes. */
export interface BearerToken {
  me: string;
  clientId: string | null;
  scopes: Set<string>;
}

/** Variables the bearer middleware provides. */
export interface BearerVars {
  token: BearerToken;
}

/** Verifies a token value (locally, or at ADMIN_ME's own authorization server). */
export type TokenVerifier = (token: string) => Promise<BearerToken | undefined>;

/** An OAuth/Micropub error response (RFC 6750 §3). */
export function bearerError(
  c: Context,
  status: 400 | 401 | 403,
  error: string | undefined,
  description: string,
  scope?: string,
): Response {
  const challenge = error ? `Bearer error="${error}"${scope ? `, scope="${scope}"` : ''}` : 'Bearer';
  c.header('WWW-Authenticate', challenge);
  c.header('Cache-Control', 'no-store');
  if (!error) return c.json({ error: 'unauthorized', error_description: description }, status);
  const body: Record<string, string> = { error, error_description: description };
  if (scope) body.scope = scope;
  return c.json(body, status);
}

/**
 * Reads the token from the Authorization header or the form/JSON `access_token` field — not
 * both, never the URL query (Micropub §4, RFC 6750 §2) — verifies it, and sets `c.var.token`.
 */
export function requireToken(
  verify: TokenVerifier,
  readBodyToken: (c: Context) => Promise<string | undefined>,
): MiddlewareHandler<{ Variables: BearerVars }> {
  return async (c, next) => {
    if (new URL(c.req.url).searchParams.has('access_token')) {
      return bearerError(
        c,
        400,
        'invalid_request',
        'Access tokens are not accepted in the URL; send an Authorization header.',
      );
    }
    const header = c.req.header('authorization');
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (header && !m)
      return bearerError(c, 401, 'invalid_token', 'The Authorization header must be "Bearer <token>".');
    const fromBody = c.req.method === 'POST' ? await readBodyToken(c) : undefined;
    if (m && fromBody !== undefined) {
      return bearerError(
        c,
        400,
        'invalid_request',
        'Send the token in the Authorization header or in access_token, not both.',
      );
    }
    const value = m?.[1] ?? fromBody;
    if (!value) return bearerError(c, 401, undefined, 'An access token is required.');
    const token = await verify(value);
    if (!token)
      return bearerError(c, 401, 'invalid_token', 'The access token is not valid, expired or revoked.');
    c.set('token', token);
    return next();
  };
}

/** True when the token carries any of `scopes` (exact membership). */
export function hasScope(token: BearerToken, ...scopes: string[]): boolean {
  return scopes.some((s) => token.scopes.has(s));
}

export { parseScope };
