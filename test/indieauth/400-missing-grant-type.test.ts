/**
 * RFC 6749 §5.2: a token request without `grant_type` is missing a required parameter
 * (invalid_request); unsupported_grant_type is for a grant type the server does not know.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(() => {
  t = createTestApp({ SITE_URL: 'https://blog.test/' });
});
afterAll(() => t.close());

const post = (path: string, fields: Record<string, string>) =>
  t.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams(fields).toString(),
  });

describe('a token request without grant_type', () => {
  it('is invalid_request at the token endpoint, with or without other parameters', async () => {
    const cases: Record<string, string>[] = [
      {},
      { code: 'abc', client_id: 'https://client.example/' },
      { grant_type: '' },
    ];
    for (const fields of cases) {
      const res = await post('/auth/token', fields);
      expect(res.status).toBe(400);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({
        error: 'invalid_request',
        error_description: 'grant_type is required.',
      });
    }
  });

  it('is invalid_request for a code redemption at the authorization endpoint', async () => {
    const res = await post('/auth/authorization', { code: 'abc', client_id: 'https://client.example/' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('while an unknown grant type stays unsupported_grant_type', async () => {
    for (const path of ['/auth/token', '/auth/authorization']) {
      const res = await post(path, { grant_type: 'password', code: 'abc' });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
    }
  });
});
