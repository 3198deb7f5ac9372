/**
 * RFC 6750 §3.1: a request to a token-protected resource that carries no authentication at all
 * gets 401 with a `WWW-Authenticate: Bearer` challenge and no error code; a token that is not
 * valid gets `invalid_token`, a malformed Bearer header `invalid_request`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let profileToken: string;
beforeAll(() => {
  t = createTestApp({ SITE_URL: 'https://blog.test/' });
  profileToken = t.app.services.tokens.mintToken({
    me: t.config.adminMe,
    clientId: 'https://client.example/',
    scope: 'profile',
    expiresInSeconds: null,
  }).token;
});
afterAll(() => t.close());

describe.each(['/auth/userinfo', '/auth/token'])('GET %s', (path) => {
  it('without any credentials: 401, a bare Bearer challenge, no error code', async () => {
    for (const headers of [{}, { Authorization: 'Basic YWxpY2U6c2VjcmV0' }] as Record<string, string>[]) {
      const res = await t.get(path, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.text()).not.toMatch(/error/);
    }
  });

  it('with a token that is not valid: 401 invalid_token', async () => {
    const res = await t.get(path, { Authorization: 'Bearer not-a-token' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(((await res.json()) as { error: string }).error).toBe('invalid_token');
  });

  it('with a malformed Bearer header: 400 invalid_request', async () => {
    for (const value of ['Bearer', 'Bearer two words']) {
      const res = await t.get(path, { Authorization: value });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    }
  });

  it('with a live token: 200', async () => {
    const res = await t.get(path, { Authorization: `Bearer ${profileToken}` });
    expect(res.status).toBe(200);
  });
});
