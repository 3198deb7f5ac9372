import type { Context, MiddlewareHandler } from 'hono';
import { parseScope } from '../indieauth/scopes.js';
import type { BearerToken, TokenVerifier } from '../indieauth/tokens.js';
import { BODY_LIMITS, capRequestBody, contentType } from './body-limit.js';

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

/** Variables the bearer middleware provides. */
export interface BearerVars {
  token: BearerToken;
  /** Where the token came from: the Authorization header or a form-encoded body. */
  tokenFrom: 'header' | 'body';
}

/**
 * Reads the body of an unauthenticated form-encoded request far enough to find its `access_token`
 * (RFC 6750 §2.2). The bearer middleware caps the body at BODY_LIMITS.form before calling it.
 */
export type BodyTokenReader = (c: Context) => Promise<string | undefined>;

/**
 * Authenticates a protocol request before its body is read. A token in the Authorization header
 * is verified without touching the body. Without the header, only an
 * application/x-www-form-urlencoded body may carry `access_token` (RFC 6750 §2.2, Micropub §4):
 * it is read up to BODY_LIMITS.form; any other request without a header is refused unread.
 * Never from the URL query. Sets `c.var.token` and `c.var.tokenFrom`.
 */
export function requireToken(
  verify: TokenVerifier,
  readBodyToken: BodyTokenReader,
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
    let value: string | undefined;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m)
        return bearerError(c, 401, 'invalid_token', 'The Authorization header must be "Bearer <token>".');
      value = m[1];
      c.set('tokenFrom', 'header');
    } else if (c.req.method === 'POST' && contentType(c) === 'application/x-www-form-urlencoded') {
      capRequestBody(
        c,
        BODY_LIMITS.form,
        'Send larger requests with the token in an Authorization header, not in the body.',
      );
      value = await readBodyToken(c);
      c.set('tokenFrom', 'body');
    }
    if (!value)
      return bearerError(c, 401, undefined, 'An access token is required (Authorization: Bearer <token>).');
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
