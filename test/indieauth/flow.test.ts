import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';

const CLIENT = 'https://client.example/';
const REDIRECT = 'https://client.example/callback';

let t: TestApp;
let admin: Admin;
let clientSite: RemoteSite;
let clientPage: { type: string; body: string; link?: string };

beforeEach(async () => {
  clientPage = {
    type: 'application/json',
    body: JSON.stringify({
      client_id: CLIENT,
      client_name: 'Example Client',
      client_uri: CLIENT,
      logo_uri: 'https://client.example/logo.png',
      redirect_uris: [REDIRECT, 'https://elsewhere.example/cb'],
    }),
  };
  clientSite = await startRemote((_req, _body, res) => {
    const headers: Record<string, string> = { 'Content-Type': clientPage.type };
    if (clientPage.link) headers.Link = clientPage.link;
    res.writeHead(200, headers).end(clientPage.body);
  });
  t = createTestApp({ SITE_URL: 'https://blog.test/' }, undefined, {
    hosts: { 'client.example': clientSite.url },
  });
  admin = await signIn(t);
});
afterEach(async () => {
  t.close();
  await clientSite.close();
});

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/** An authorization request; PKCE (required) with a throwaway verifier unless `params` says otherwise. */
function authorizeUrl(params: Record<string, string>): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT,
    redirect_uri: REDIRECT,
    state: 'st4te',
    scope: 'create update profile',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    ...params,
  });
  return `/auth/authorization?${q}`;
}

/** Shows the consent page and submits it as the signed-in admin; returns the redirect URL. */
async function consent(
  params: Record<string, string>,
  decision = 'approve',
  scopes?: string[],
): Promise<URL> {
  const page = await t.get(authorizeUrl(params), { Cookie: admin.cookie });
  expect(page.status).toBe(200);
  const html = await page.text();
  const hidden = Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [
      m[1]!,
      m[2]!.replace(/&amp;/g, '&'),
    ]),
  );
  const body = new URLSearchParams({ ...hidden, decision });
  for (const s of scopes ?? [...html.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => m[1]!))
    body.append('scope', s);
  const res = await t.request('/auth/authorization', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: admin.cookie },
    body: body.toString(),
  });
  expect(res.status).toBe(303);
  return new URL(res.headers.get('location')!);
}

const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  t.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...headers },
    body: new URLSearchParams(fields).toString(),
  });

async function getTokens(scope = 'create update profile') {
  const { verifier, challenge } = pkce();
  const back = await consent({ code_challenge: challenge, code_challenge_method: 'S256', scope });
  const code = back.searchParams.get('code')!;
  const res = await post('/auth/token', {
    grant_type: 'authorization_code',
    code,
    client_id: CLIENT,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
  });
  return { res, code, verifier };
}

describe('metadata', () => {
  it('is served at the well-known path and linked as indieauth-metadata', async () => {
    const res = await t.get('/.well-known/oauth-authorization-server');
    const m = (await res.json()) as Record<string, unknown>;
    expect(m).toMatchObject({
      issuer: 'https://blog.test/',
      authorization_endpoint: 'https://blog.test/auth/authorization',
      token_endpoint: 'https://blog.test/auth/token',
      introspection_endpoint: 'https://blog.test/auth/introspect',
      revocation_endpoint: 'https://blog.test/auth/revoke',
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      authorization_response_iss_parameter_supported: true,
      revocation_endpoint_auth_methods_supported: ['none'],
    });
    expect(m.scopes_supported).toContain('create');
    expect((await t.get('/')).headers.get('link')).toContain(
      '<https://blog.test/.well-known/oauth-authorization-server>; rel="indieauth-metadata"',
    );
  });
});

describe('authorization endpoint', () => {
  it('shows the consent page with the client name, logo, every scope and the contract form', async () => {
    const html = await (
      await t.get(authorizeUrl({ scope: 'create weird:scope' }), { Cookie: admin.cookie })
    ).text();
    expect(html).toContain('Example Client');
    expect(html).toContain('https://client.example/logo.png');
    expect(html).toContain('<code>https://client.example/</code>');
    expect(html).toContain('weird:scope');
    expect(html).toMatch(/<form method="post"/);
    expect(html).toContain('name="decision" value="approve"');
    expect(html).toContain('name="decision" value="deny"');
  });

  it('falls back to h-app microformats for client information', async () => {
    clientPage = {
      type: 'text/html',
      body: '<div class="h-app"><img class="u-logo" src="/app.png" alt=""><a class="p-name u-url" href="/">Old App</a></div>',
    };
    const html = await (await t.get(authorizeUrl({}), { Cookie: admin.cookie })).text();
    expect(html).toContain('Old App');
    expect(html).toContain('https://client.example/app.png');
  });

  it('validates client_id and redirect_uri before anything else: error page, never a redirect', async () => {
    const bads: Record<string, string>[] = [
      { client_id: 'ftp://client.example/' },
      { client_id: 'https://client.example/#frag' },
      { client_id: 'https://user:pw@client.example/' },
      { client_id: 'https://10.0.0.1/' },
      { client_id: 'https://client.example/a/../b' },
      { redirect_uri: 'https://evil.example/steal' },
      { redirect_uri: 'not a url' },
    ];
    for (const bad of bads) {
      const res = await t.get(authorizeUrl(bad), { Cookie: admin.cookie });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    }
  });

  it('accepts a redirect_uri on another origin when the client declares it, and shows it', async () => {
    const html = await (
      await t.get(authorizeUrl({ redirect_uri: 'https://elsewhere.example/cb' }), { Cookie: admin.cookie })
    ).text();
    expect(html).toContain('https://elsewhere.example/cb');
    expect(html).toContain('declared by the application');
  });

  it('never fetches a loopback client_id, but accepts it', async () => {
    let fetched = 0;
    const local = await startRemote((_req, _b, res) => {
      fetched++;
      res
        .writeHead(200, { 'Content-Type': 'text/html' })
        .end('<div class="h-app"><span class="p-name">Local</span></div>');
    });
    const cid = local.url;
    const res = await t.get(authorizeUrl({ client_id: cid, redirect_uri: `${cid}cb` }), {
      Cookie: admin.cookie,
    });
    expect(res.status).toBe(200);
    expect(fetched).toBe(0);
    await local.close();
  });

  it('sends a signed-out owner to sign in first, then back', async () => {
    const res = await t.get(authorizeUrl({}));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/auth\/login\?next=%2Fauth%2Fauthorization%3F/);
  });

  it('refuses plain PKCE and other response types by redirecting with an error', async () => {
    const plain = await t.get(authorizeUrl({ code_challenge: 'abc', code_challenge_method: 'plain' }), {
      Cookie: admin.cookie,
    });
    expect(plain.status).toBe(303);
    const to = new URL(plain.headers.get('location')!);
    expect(to.searchParams.get('error')).toBe('invalid_request');
    expect(to.searchParams.get('iss')).toBe('https://blog.test/');
    const token = await t.get(authorizeUrl({ response_type: 'token' }), { Cookie: admin.cookie });
    expect(new URL(token.headers.get('location')!).searchParams.get('error')).toBe(
      'unsupported_response_type',
    );
  });

  it('redirects with code, the unchanged state and iss on approval; access_denied on denial', async () => {
    const ok = await consent({ state: 'a&b=c 1' });
    expect(`${ok.origin}${ok.pathname}`).toBe(REDIRECT);
    expect(ok.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ok.searchParams.get('state')).toBe('a&b=c 1');
    expect(ok.searchParams.get('iss')).toBe('https://blog.test/');
    const denied = await consent({}, 'deny');
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe('st4te');
    expect(denied.searchParams.get('code')).toBeNull();
  });

  it('requires the CSRF token on the consent form', async () => {
    const res = await postForm(t, { ...admin, csrf: 'nope' }, '/auth/authorization', {
      client_id: CLIENT,
      redirect_uri: REDIRECT,
      decision: 'approve',
    });
    expect(res.status).toBe(403);
  });

  it('stores codes only hashed', async () => {
    const back = await consent({});
    const code = back.searchParams.get('code')!;
    expect(JSON.stringify(t.db.prepare('SELECT * FROM authorization_codes').all())).not.toContain(code);
  });
});

describe('redeeming a code at the authorization endpoint', () => {
  it('returns the profile (me, and profile data for the profile scope) without a token', async () => {
    const { verifier, challenge } = pkce();
    const back = await consent({ code_challenge: challenge, code_challenge_method: 'S256' });
    const res = await post('/auth/authorization', {
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      client_id: CLIENT,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.me).toBe('https://blog.test/');
    expect(body.profile).toMatchObject({ name: 'Ada Lovelace', url: 'https://blog.test/' });
    expect(body.access_token).toBeUndefined();
  });
});

describe('token endpoint', () => {
  it('exchanges a code for access and refresh tokens, no-store, bound to the request', async () => {
    const { res } = await getTokens();
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      token_type: 'Bearer',
      scope: 'create update profile',
      me: 'https://blog.test/',
    });
    expect(typeof body.access_token).toBe('string');
    expect(typeof body.refresh_token).toBe('string');
    expect(body.expires_in).toBe(90 * 86400);
    const dump = JSON.stringify(t.db.prepare('SELECT * FROM tokens').all());
    expect(dump).not.toContain(body.access_token as string);
    expect(dump).not.toContain(body.refresh_token as string);
  });

  it('checks client_id, redirect_uri and the PKCE verifier against the code', async () => {
    for (const [field, value] of [
      ['client_id', 'https://other.example/'],
      ['redirect_uri', 'https://client.example/other'],
      ['code_verifier', 'wrong-verifier-wrong-verifier-wrong-verifier'],
    ] as const) {
      const { verifier, challenge } = pkce();
      const back = await consent({ code_challenge: challenge, code_challenge_method: 'S256' });
      const fields = {
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
        client_id: CLIENT,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
        [field]: value,
      };
      const res = await post('/auth/token', fields);
      expect(res.status, field).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
    }
  });

  it('expires codes after ten minutes', async () => {
    const { verifier, challenge } = pkce();
    const back = await consent({ code_challenge: challenge, code_challenge_method: 'S256' });
    t.clock.advance(10 * 60_000 + 1);
    const res = await post('/auth/token', {
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      client_id: CLIENT,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    expect(((await res.json()) as { error_description: string }).error_description).toMatch(/expired/);
  });

  it('fails a second redemption and revokes the tokens the first produced', async () => {
    const { res, code, verifier } = await getTokens();
    const first = (await res.json()) as { access_token: string; refresh_token: string };
    expect(t.app.services.indieauth.findAccessToken(first.access_token)).toBeDefined();
    const again = await post('/auth/token', {
      grant_type: 'authorization_code',
      code,
      client_id: CLIENT,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    expect(again.status).toBe(400);
    expect(t.app.services.indieauth.findAccessToken(first.access_token)).toBeUndefined();
    const refresh = await post('/auth/token', {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      client_id: CLIENT,
    });
    expect(refresh.status).toBe(400);
    // The refresh token was never used: the answer says its grant was revoked, not that it was used.
    const { error, error_description } = (await refresh.json()) as {
      error: string;
      error_description: string;
    };
    expect(error).toBe('invalid_grant');
    expect(error_description).toMatch(/never used, but its grant was revoked/);
    expect(error_description).not.toMatch(/already used/);
  });

  it('issues no access token for a code without scope', async () => {
    const { verifier, challenge } = pkce();
    const back = await consent({ code_challenge: challenge, code_challenge_method: 'S256' }, 'approve', []);
    const res = await post('/auth/token', {
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      client_id: CLIENT,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.error).toBe('invalid_grant');
    expect(body.access_token).toBeUndefined();
  });

  it('lets the owner untick scopes on the consent page', async () => {
    const { verifier, challenge } = pkce();
    const back = await consent({ code_challenge: challenge, code_challenge_method: 'S256' }, 'approve', [
      'create',
    ]);
    const res = await post('/auth/token', {
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      client_id: CLIENT,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    expect(((await res.json()) as { scope: string }).scope).toBe('create');
  });

  it('has no path for an older client without PKCE: the request goes back with invalid_request', async () => {
    const res = await t.get(authorizeUrl({ code_challenge: '', code_challenge_method: '' }), {
      Cookie: admin.cookie,
    });
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
  });

  it('rejects unknown grant types with unsupported_grant_type', async () => {
    const res = await post('/auth/token', { grant_type: 'password' });
    expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });
});

describe('refresh tokens', () => {
  it('rotate: the old refresh token dies, reuse revokes the whole grant, scope can only narrow', async () => {
    const first = (await (await getTokens()).res.json()) as { access_token: string; refresh_token: string };
    const wider = await post('/auth/token', {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      client_id: CLIENT,
      scope: 'create delete',
    });
    expect(((await wider.json()) as { error: string }).error).toBe('invalid_scope');
    const r1 = await post('/auth/token', {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      client_id: CLIENT,
      scope: 'create',
    });
    expect(r1.status).toBe(200);
    const second = (await r1.json()) as { access_token: string; refresh_token: string; scope: string };
    expect(second.scope).toBe('create');
    expect(second.refresh_token).not.toBe(first.refresh_token);
    // Reusing the rotated-out token: everything from this grant dies.
    const reuse = await post('/auth/token', {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      client_id: CLIENT,
    });
    expect(reuse.status).toBe(400);
    expect(((await reuse.json()) as { error_description: string }).error_description).toMatch(
      /already used; every token of this grant has been revoked/,
    );
    expect(t.app.services.indieauth.findAccessToken(second.access_token)).toBeUndefined();
    expect(t.app.services.indieauth.findAccessToken(first.access_token)).toBeUndefined();
    const next = await post('/auth/token', {
      grant_type: 'refresh_token',
      refresh_token: second.refresh_token,
      client_id: CLIENT,
    });
    expect(next.status).toBe(400);
  });
});

describe('introspection, revocation, verification, userinfo', () => {
  it('introspects with a bearer credential; active:false for unknown, revoked or expired', async () => {
    const a = (await (await getTokens()).res.json()) as { access_token: string; refresh_token: string };
    const b = (await (await getTokens('create')).res.json()) as { access_token: string };
    const noAuth = await post('/auth/introspect', { token: a.access_token });
    expect(noAuth.status).toBe(401);
    const auth = { Authorization: `Bearer ${b.access_token}` };
    const live = (await (await post('/auth/introspect', { token: a.access_token }, auth)).json()) as Record<
      string,
      unknown
    >;
    expect(live).toMatchObject({
      active: true,
      me: 'https://blog.test/',
      client_id: CLIENT,
      scope: 'create update profile',
    });
    expect(typeof live.exp).toBe('number');
    expect(await (await post('/auth/introspect', { token: 'nonsense' }, auth)).json()).toEqual({
      active: false,
    });
    // Revoking the refresh token takes its access token with it (RFC 7009 §2.1).
    expect((await post('/auth/revoke', { token: a.refresh_token })).status).toBe(200);
    expect(await (await post('/auth/introspect', { token: a.access_token }, auth)).json()).toEqual({
      active: false,
    });
    expect((await post('/auth/revoke', { token: 'never-existed' })).status).toBe(200);
    t.clock.advance(91 * 86400_000);
    expect((await post('/auth/introspect', { token: b.access_token }, auth)).status).toBe(401);
  });

  it('supports legacy action=revoke and GET verification on the token endpoint', async () => {
    const a = (await (await getTokens()).res.json()) as { access_token: string };
    const verify = await t.get('/auth/token', { Authorization: `Bearer ${a.access_token}` });
    expect(await verify.json()).toEqual({
      me: 'https://blog.test/',
      client_id: CLIENT,
      scope: 'create update profile',
    });
    expect((await post('/auth/token', { action: 'revoke', token: a.access_token })).status).toBe(200);
    expect((await t.get('/auth/token', { Authorization: `Bearer ${a.access_token}` })).status).toBe(401);
  });

  it('answers userinfo for the profile scope only', async () => {
    const withProfile = (await (await getTokens()).res.json()) as { access_token: string };
    const info = await t.get('/auth/userinfo', { Authorization: `Bearer ${withProfile.access_token}` });
    expect(await info.json()).toMatchObject({ name: 'Ada Lovelace', url: 'https://blog.test/' });
    const without = (await (await getTokens('create')).res.json()) as { access_token: string };
    const refused = await t.get('/auth/userinfo', { Authorization: `Bearer ${without.access_token}` });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toBe('insufficient_scope');
  });
});
