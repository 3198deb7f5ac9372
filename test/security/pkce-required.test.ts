/**
 * Hardening (PKCE): the README promised "PKCE S256 only", yet an authorization request without a
 * code_challenge got a code, and that code was redeemed without a verifier. IndieAuth §5.2 says
 * clients MUST use PKCE; StarPunk now requires it at both ends: the authorization endpoint refuses
 * a request without a valid S256 challenge (a redirect with invalid_request once the redirect_uri is
 * trusted, RFC 6749 §4.1.2.1; an error page before that), and no code without a challenge is
 * ever redeemed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authCodesStore } from '../../src/db/store/auth-codes.js';
import { sha256Hex } from '../../src/lib/crypto.js';
import { type Admin, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

// A loopback client_id is never fetched, so no client site is needed.
const CLIENT = 'http://127.0.0.1:9/';
const REDIRECT = 'http://127.0.0.1:9/callback';

let t: TestApp;
let admin: Admin;
beforeEach(async () => {
  t = createTestApp({ SITE_URL: 'https://blog.test/' });
  admin = await signIn(t);
});
afterEach(() => t.close());

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

function authorize(params: Record<string, string | undefined>): Promise<Response> {
  const q = new URLSearchParams();
  const all = {
    response_type: 'code',
    client_id: CLIENT,
    redirect_uri: REDIRECT,
    state: 'st',
    scope: 'create',
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) q.set(k, v);
  return t.get(`/auth/authorization?${q}`, { Cookie: admin.cookie });
}

function post(path: string, fields: Record<string, string>, cookie?: string): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (cookie) headers.Cookie = cookie;
  return t.request(path, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
}

describe('the authorization endpoint requires a code_challenge', () => {
  it('refuses a request without one: back to the client with invalid_request, state and iss', async () => {
    const res = await authorize({});
    expect(res.status).toBe(303);
    const to = new URL(res.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(REDIRECT);
    expect(to.searchParams.get('error')).toBe('invalid_request');
    expect(to.searchParams.get('error_description')).toMatch(/code_challenge/);
    expect(to.searchParams.get('state')).toBe('st');
    expect(to.searchParams.get('iss')).toBe('https://blog.test/');
    expect(to.searchParams.get('code')).toBeNull();
  });

  it('refuses a challenge that is not an S256 value, or a method other than S256', async () => {
    const { challenge } = pkce();
    for (const params of [
      { code_challenge: '', code_challenge_method: 'S256' },
      { code_challenge: 'too-short', code_challenge_method: 'S256' },
      { code_challenge: `${challenge}=`, code_challenge_method: 'S256' },
      { code_challenge: challenge.replace(/.$/, '+'), code_challenge_method: 'S256' },
      { code_challenge: challenge },
      { code_challenge: challenge, code_challenge_method: 'plain' },
      { code_challenge: challenge, code_challenge_method: 's256' },
      { code_challenge_method: 'S256' },
    ]) {
      const res = await authorize(params);
      expect(res.status, JSON.stringify(params)).toBe(303);
      expect(new URL(res.headers.get('location')!).searchParams.get('error'), JSON.stringify(params)).toBe(
        'invalid_request',
      );
    }
  });

  it('shows an error page, never a redirect, when the redirect_uri is not trusted', async () => {
    const res = await authorize({ redirect_uri: 'https://evil.example/cb' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('accepts a proper S256 challenge and shows the consent page', async () => {
    const res = await authorize({ code_challenge: pkce().challenge, code_challenge_method: 'S256' });
    expect(res.status).toBe(200);
    expect(await res.text()).not.toContain('did not use PKCE');
  });

  it('issues no code when the consent form comes back without a challenge', async () => {
    const res = await post(
      '/auth/authorization',
      {
        _csrf: admin.csrf,
        client_id: CLIENT,
        redirect_uri: REDIRECT,
        state: 'st',
        requested_scope: 'create',
        scope: 'create',
        code_challenge: '',
        code_challenge_method: '',
        decision: 'approve',
      },
      admin.cookie,
    );
    expect(res.status).toBe(303);
    const to = new URL(res.headers.get('location')!);
    expect(to.searchParams.get('error')).toBe('invalid_request');
    expect(to.searchParams.get('code')).toBeNull();
    expect(t.db.prepare('SELECT count(*) AS n FROM authorization_codes').get()).toEqual({ n: 0 });
  });
});

describe('a code without a challenge is never redeemed', () => {
  /** A code stored without PKCE, as a version that allowed it would have left behind. */
  function legacyCode(scope: string | null): string {
    const code = randomBytes(32).toString('base64url');
    const now = t.clock.now();
    authCodesStore(t.db).insertCode({
      code_hash: sha256Hex(code),
      me: 'https://blog.test/',
      client_id: CLIENT,
      redirect_uri: REDIRECT,
      scope,
      state: null,
      code_challenge: null,
      code_challenge_method: null,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + 60_000).toISOString(),
      grant_id: randomBytes(8).toString('hex'),
    });
    return code;
  }

  it('at the token endpoint', async () => {
    const res = await post('/auth/token', {
      grant_type: 'authorization_code',
      code: legacyCode('create'),
      client_id: CLIENT,
      redirect_uri: REDIRECT,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.error).toBe('invalid_grant');
    expect(body.access_token).toBeUndefined();
    expect(t.db.prepare('SELECT count(*) AS n FROM tokens').get()).toEqual({ n: 0 });
  });

  it('nor with any verifier', async () => {
    const res = await post('/auth/token', {
      grant_type: 'authorization_code',
      code: legacyCode('create'),
      client_id: CLIENT,
      redirect_uri: REDIRECT,
      code_verifier: pkce().verifier,
    });
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('at the authorization endpoint (profile redemption)', async () => {
    const res = await post('/auth/authorization', {
      grant_type: 'authorization_code',
      code: legacyCode(null),
      client_id: CLIENT,
      redirect_uri: REDIRECT,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.error).toBe('invalid_grant');
    expect(body.me).toBeUndefined();
  });
});

describe('the whole flow with PKCE still works', () => {
  it('challenge at authorization, verifier at the token endpoint', async () => {
    const { verifier, challenge } = pkce();
    const page = await (await authorize({ code_challenge: challenge, code_challenge_method: 'S256' })).text();
    const hidden = Object.fromEntries(
      [...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    expect(hidden.code_challenge).toBe(challenge);
    expect(hidden.code_challenge_method).toBe('S256');
    const back = await post(
      '/auth/authorization',
      { ...hidden, scope: 'create', decision: 'approve' },
      admin.cookie,
    );
    const code = new URL(back.headers.get('location')!).searchParams.get('code')!;
    expect(code).toBeTruthy();
    const missing = await post('/auth/token', {
      grant_type: 'authorization_code',
      code,
      client_id: CLIENT,
      redirect_uri: REDIRECT,
    });
    expect(((await missing.json()) as { error: string }).error).toBe('invalid_grant');
    const res = await post('/auth/token', {
      grant_type: 'authorization_code',
      code,
      client_id: CLIENT,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { scope: string }).scope).toBe('create');
  });
});
