import { type Context, type Env, Hono } from 'hono';
import type { AdminAuth } from '../../auth/admin-auth.js';
import type { Config } from '../../config.js';
import type { TokenRow } from '../../db/store/tokens.js';
import { requireCsrf, type SessionVars } from '../../http/session.js';
import { type ClientInfo, fetchClientInfo, sameOrigin, validateClientId } from '../../indieauth/client.js';
import { KNOWN_SCOPES, parseScope } from '../../indieauth/scopes.js';
import { type IndieAuthServer, OAuthError, type Redemption } from '../../indieauth/server.js';
import { AppError } from '../../lib/errors.js';
import { siteUrls } from '../../lib/site-urls.js';
import type { FetchLike } from '../../outbound/safe-fetch.js';
import type { SiteContext } from '../../site/context.js';
import { renderConsentPage } from '../../views/indieauth/consent.js';

/** Dependencies of the IndieAuth server routes. */
export interface IndieAuthDeps {
  config: Config;
  auth: AdminAuth;
  server: IndieAuthServer;
  fetch: FetchLike;
  /** The site facts in force (settings and the menu change without a restart). */
  site: Pick<SiteContext, 'current'>;
}

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

function oauthError(c: Context, err: OAuthError): Response {
  const headers: Record<string, string> = { ...NO_STORE };
  if (err.status === 401) headers['WWW-Authenticate'] = `Bearer error="${err.error}"`;
  return c.json({ error: err.error, error_description: err.message }, err.status as 400, headers);
}

/**
 * Reads an OAuth request body (form, multipart or a JSON object) as its string fields. A body that
 * cannot be read — broken multipart, JSON that is not an object — is an `invalid_request`
 * (RFC 6749 §5.2); other content types carry no fields.
 */
async function formBody(c: Context): Promise<Record<string, string>> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  let parsed: unknown;
  try {
    if (type === 'application/json') parsed = await c.req.json();
    else if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data')
      parsed = await c.req.parseBody();
    else return {};
  } catch {
    throw new OAuthError('invalid_request', `The request body is not valid ${type}.`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new OAuthError('invalid_request', 'A JSON request body must be an object.');
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') fields[k] = v;
  return fields;
}

/** The parameters a client redeems a code with, the same at both endpoints (IndieAuth §5.3). */
function redemptionOf(body: Record<string, string>): Redemption {
  return {
    code: body.code,
    clientId: body.client_id,
    redirectUri: body.redirect_uri,
    codeVerifier: body.code_verifier,
  };
}

/**
 * Why an authorization request's PKCE parameters are refused, or undefined when they are fine.
 * IndieAuth §5.2 requires PKCE; only S256 is supported, whose challenge is the base64url SHA-256
 * of the verifier: exactly 43 characters (RFC 7636 §4.2). A missing method means "plain" (§4.3).
 */
function pkceProblem(challenge: string | undefined, method: string | undefined): string | undefined {
  if (!challenge) return 'code_challenge is required: use PKCE with the S256 method.';
  if (method !== 'S256') return 'Only the S256 code_challenge_method is supported.';
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge))
    return 'code_challenge must be the base64url SHA-256 of the code_verifier (43 characters).';
  return undefined;
}

/** Wraps a protocol handler so that its OAuthErrors are answered in OAuth JSON. */
function protocol<E extends Env>(handler: (c: Context<E>) => Promise<Response> | Response) {
  return async (c: Context<E>): Promise<Response> => {
    try {
      return await handler(c);
    } catch (err) {
      if (err instanceof OAuthError) return oauthError(c, err);
      throw err;
    }
  };
}

function bearer(c: Context): string | undefined {
  const h = c.req.header('authorization');
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h.trim()) : null;
  return m?.[1];
}

/**
 * The live access token a request to a token-protected endpoint carries, or the answer to give
 * instead (RFC 6750 §3.1): a request with no Bearer credentials at all (no Authorization header,
 * or another scheme) gets a bare `Bearer` challenge with no error code; a malformed Bearer header
 * is an invalid_request; an unknown, expired or revoked token is an invalid_token.
 */
function requireAccessToken(c: Context, server: IndieAuthServer): TokenRow | Response {
  const header = c.req.header('authorization')?.trim();
  if (header === undefined || !/^Bearer(\s|$)/i.test(header)) {
    return c.body(null, 401, { ...NO_STORE, 'WWW-Authenticate': 'Bearer' });
  }
  const token = bearer(c);
  if (token === undefined) {
    return c.json(
      { error: 'invalid_request', error_description: 'The Authorization header must be "Bearer <token>".' },
      400,
      { ...NO_STORE, 'WWW-Authenticate': 'Bearer error="invalid_request"' },
    );
  }
  const row = server.findAccessToken(token);
  if (!row)
    return oauthError(
      c,
      new OAuthError('invalid_token', 'The access token is unknown, expired or revoked.', 401),
    );
  return row;
}

/** StarPunk's IndieAuth server: metadata, authorization (consent + redemption), token, introspection, revocation, userinfo. */
export function indieAuthRoutes(deps: IndieAuthDeps): Hono<{ Variables: SessionVars }> {
  const app = new Hono<{ Variables: SessionVars }>();
  const { config, server } = deps;
  const urls = siteUrls(config);
  const currentSite = () => deps.site.current().page;
  const issuer = config.siteUrl;
  const endpoints = {
    introspection: urls.abs('auth/introspect'),
    revocation: urls.abs('auth/revoke'),
    userinfo: urls.abs('auth/userinfo'),
  };

  app.get('/.well-known/oauth-authorization-server', (c) =>
    c.json(
      {
        issuer,
        authorization_endpoint: urls.authorization,
        token_endpoint: urls.token,
        introspection_endpoint: endpoints.introspection,
        introspection_endpoint_auth_methods_supported: ['bearer'],
        revocation_endpoint: endpoints.revocation,
        revocation_endpoint_auth_methods_supported: ['none'],
        userinfo_endpoint: endpoints.userinfo,
        scopes_supported: [...KNOWN_SCOPES],
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
        service_documentation: 'https://indieauth.spec.indieweb.org/',
      },
      200,
      { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'public, max-age=3600' },
    ),
  );

  /**
   * Validates client_id and redirect_uri as written, before anything else (IndieAuth §5.2): an
   * invalid one gets an error page, never a redirect. Nothing is fetched here.
   */
  function parseClient(q: Record<string, string | undefined>): { client: URL; redirect: URL } {
    const client = validateClientId(q.client_id);
    if (!client.ok)
      throw new AppError('invalid_request', `This sign-in request is not valid: ${client.reason}.`);
    let redirect: URL;
    try {
      redirect = new URL(q.redirect_uri ?? '');
    } catch {
      throw new AppError(
        'invalid_request',
        'This sign-in request is not valid: redirect_uri is missing or not a URL.',
      );
    }
    if (redirect.hash)
      throw new AppError(
        'invalid_request',
        'This sign-in request is not valid: redirect_uri has a fragment.',
      );
    return { client: client.url, redirect };
  }

  /**
   * Reads what the client says about itself and checks the redirect_uri against it: one on another
   * origin must be declared by the client. This fetches and parses a page from elsewhere, so it is
   * done only for the signed-in owner (issue 22: never for an anonymous visitor).
   */
  async function checkClient(parsed: { client: URL; redirect: URL }) {
    const { client, redirect } = parsed;
    const info: ClientInfo = await fetchClientInfo(client, deps.fetch);
    const same = sameOrigin(client, redirect);
    const declared = info.redirectUris.includes(redirect.toString());
    if (!same && !declared) {
      throw new AppError(
        'invalid_request',
        `This sign-in request is not valid: ${redirect.toString()} is on another site than ${client.toString()} and the application does not declare it.`,
      );
    }
    return { clientId: client.toString(), redirect, info, same, declared };
  }

  function redirectWith(redirect: URL, params: Record<string, string | undefined>): string {
    const u = new URL(redirect.toString());
    for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
    u.searchParams.set('iss', issuer);
    return u.toString();
  }

  app.get('/auth/authorization', async (c) => {
    const q = c.req.query();
    const parsed = parseClient(q);
    const session = c.get('session');
    if (!session) {
      const here = c.req.path + new URL(c.req.url).search;
      return c.redirect(`/auth/login?next=${encodeURIComponent(here)}`, 303);
    }
    const checked = await checkClient(parsed);
    // From here on the client and redirect are trusted enough to send errors back there.
    if (q.response_type !== undefined && q.response_type !== 'code') {
      return c.redirect(
        redirectWith(checked.redirect, { error: 'unsupported_response_type', state: q.state }),
        303,
      );
    }
    const pkce = pkceProblem(q.code_challenge, q.code_challenge_method);
    if (pkce) {
      return c.redirect(
        redirectWith(checked.redirect, { error: 'invalid_request', error_description: pkce, state: q.state }),
        303,
      );
    }
    c.header('Cache-Control', 'no-store');
    return c.html(
      renderConsentPage({
        site: currentSite(),
        csrf: session.csrf,
        client: checked.info,
        me: config.adminMe,
        redirectDeclared: checked.declared,
        sameOriginRedirect: checked.same,
        request: {
          response_type: 'code',
          client_id: checked.clientId,
          redirect_uri: checked.redirect.toString(),
          state: q.state ?? '',
          code_challenge: q.code_challenge!,
          code_challenge_method: 'S256',
          me: q.me ?? '',
          scopes: [...parseScope(q.scope)],
        },
      }),
    );
  });

  app.post('/auth/authorization', async (c, next) => {
    try {
      // An unreadable body is never a consent form: it is a client's redemption gone wrong.
      const body = await formBody(c);
      if (body.grant_type === undefined && body.code === undefined) return next();
      // Redemption by the client for the profile (§5.3.2): no session, no CSRF.
      if (!body.grant_type)
        throw new OAuthError('invalid_request', 'grant_type is required (authorization_code).');
      if (body.grant_type !== 'authorization_code')
        throw new OAuthError('unsupported_grant_type', 'Only authorization_code is supported here.');
      return c.json(server.redeemForProfile(redemptionOf(body)), 200, NO_STORE);
    } catch (err) {
      if (err instanceof OAuthError) return oauthError(c, err);
      throw err;
    }
  });

  app.post('/auth/authorization', requireCsrf(deps.auth), async (c) => {
    if (!c.get('session')) throw new AppError('unauthorized', 'Please sign in first.');
    const body = await c.req.parseBody({ all: true });
    const one = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
    const checked = await checkClient(
      parseClient({ client_id: one('client_id'), redirect_uri: one('redirect_uri') }),
    );
    const state = one('state');
    if (one('decision') !== 'approve') {
      return c.redirect(redirectWith(checked.redirect, { error: 'access_denied', state }), 303);
    }
    const requested = parseScope(one('requested_scope'));
    const ticked = ([] as unknown[])
      .concat(body.scope ?? [])
      .filter((s): s is string => typeof s === 'string');
    const granted = ticked.filter((s) => requested.has(s));
    const challenge = one('code_challenge');
    const pkce = pkceProblem(challenge, one('code_challenge_method'));
    if (pkce || challenge === undefined) {
      return c.redirect(
        redirectWith(checked.redirect, { error: 'invalid_request', error_description: pkce, state }),
        303,
      );
    }
    const code = server.issueCode({
      clientId: checked.clientId,
      redirectUri: checked.redirect.toString(),
      scope: granted.join(' '),
      state: state ?? null,
      codeChallenge: challenge,
    });
    return c.redirect(redirectWith(checked.redirect, { code, state }), 303);
  });

  app.post(
    '/auth/token',
    protocol(async (c) => {
      const body = await formBody(c);
      if (body.action === 'revoke') {
        // Legacy revocation on the token endpoint.
        server.revoke(body.token);
        return c.body(null, 200, NO_STORE);
      }
      if (body.grant_type === 'authorization_code') {
        return c.json(server.exchangeCode(redemptionOf(body)), 200, NO_STORE);
      }
      if (body.grant_type === 'refresh_token') {
        return c.json(
          server.refresh({ refreshToken: body.refresh_token, clientId: body.client_id, scope: body.scope }),
          200,
          NO_STORE,
        );
      }
      // RFC 6749 §5.2: a missing parameter is invalid_request; only a value we do not know is
      // unsupported_grant_type.
      if (!body.grant_type) throw new OAuthError('invalid_request', 'grant_type is required.');
      throw new OAuthError(
        'unsupported_grant_type',
        'grant_type must be authorization_code or refresh_token.',
      );
    }),
  );

  // Legacy token verification: GET the token endpoint with the bearer token.
  app.get('/auth/token', (c) => {
    const row = requireAccessToken(c, server);
    if (row instanceof Response) return row;
    return c.json({ me: row.me, client_id: row.client_id, scope: row.scope ?? '' }, 200, NO_STORE);
  });

  app.post(
    '/auth/introspect',
    protocol(async (c) => {
      // §6.1: the endpoint requires authorization — here, any live access token of ours, checked
      // from the header before the body is read.
      if (!server.findAccessToken(bearer(c)))
        throw new OAuthError('invalid_token', 'Introspection requires a valid bearer token.', 401);
      const body = await formBody(c);
      return c.json(server.introspect(body.token), 200, NO_STORE);
    }),
  );

  app.post(
    '/auth/revoke',
    protocol(async (c) => {
      const body = await formBody(c);
      server.revoke(body.token);
      return c.body(null, 200, NO_STORE);
    }),
  );

  app.get('/auth/userinfo', (c) => {
    const row = requireAccessToken(c, server);
    if (row instanceof Response) return row;
    try {
      return c.json(server.userinfo(row), 200, NO_STORE);
    } catch (err) {
      if (err instanceof AppError && err.code === 'insufficient_scope') {
        return c.json(
          { error: 'insufficient_scope', error_description: err.message, scope: 'profile' },
          403,
          NO_STORE,
        );
      }
      throw err;
    }
  });

  return app;
}
