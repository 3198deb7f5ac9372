/**
 * Finding 8 (low): a JSON `null` body or a malformed multipart body to /auth/token,
 * /auth/introspect, /auth/revoke or /auth/authorization (POST) crashed the handler into a 500,
 * without any credentials. Malformed input is now a 400 `invalid_request` in OAuth JSON
 * (RFC 6749 §5.2); well-formed JSON objects keep working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const ROUTES = ['/auth/token', '/auth/introspect', '/auth/revoke', '/auth/authorization'] as const;

const MALFORMED: { name: string; type: string; body: string | Uint8Array }[] = [
  { name: 'JSON null', type: 'application/json', body: 'null' },
  { name: 'JSON array', type: 'application/json', body: '["grant_type","authorization_code"]' },
  { name: 'JSON number', type: 'application/json', body: '42' },
  { name: 'JSON string', type: 'application/json', body: '"grant_type=authorization_code"' },
  { name: 'JSON true', type: 'application/json', body: 'true' },
  { name: 'broken JSON', type: 'application/json', body: '{"grant_type":' },
  { name: 'JSON with a charset', type: 'application/json; charset=utf-8', body: 'null' },
  {
    name: 'multipart without a boundary parameter',
    type: 'multipart/form-data',
    body: '--x\r\nContent-Disposition: form-data; name="token"\r\n\r\nabc\r\n--x--\r\n',
  },
  {
    name: 'multipart cut off mid-part',
    type: 'multipart/form-data; boundary=xyz',
    body: '--xyz\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nauthoriz',
  },
  {
    name: 'multipart whose body uses another boundary',
    type: 'multipart/form-data; boundary=abc',
    body: '--xyz\r\nContent-Disposition: form-data; name="token"\r\n\r\nabc\r\n--xyz--\r\n',
  },
  {
    name: 'multipart of random bytes',
    type: 'multipart/form-data; boundary=q',
    body: new Uint8Array([0xff, 0, 13, 10, 45, 45]),
  },
];

let t: TestApp;
let cookie: string;
/** Introspection wants a bearer token before it reads anything (§6.1); the others need none. */
const credentials: Record<string, Record<string, string>> = {};
beforeAll(async () => {
  t = createTestApp();
  cookie = (await signIn(t)).cookie;
  const token = t.app.services.tokens.mintToken({
    me: t.config.adminMe,
    clientId: 'https://client.example/',
    scope: 'create',
    expiresInSeconds: null,
  }).token;
  credentials['/auth/introspect'] = { Authorization: `Bearer ${token}` };
});
afterAll(() => t.close());

describe.each(ROUTES)('POST %s', (path) => {
  it.each(MALFORMED)('$name: 400 invalid_request in OAuth JSON', async ({ type, body }) => {
    const headers = { 'Content-Type': type, ...credentials[path] };
    const res = await t.request(path, { method: 'POST', headers, body });
    expect(res.status, await res.clone().text()).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const json = (await res.json()) as { error: unknown; error_description: unknown };
    expect(json.error).toBe('invalid_request');
    expect(typeof json.error_description).toBe('string');
  });
});

describe('POST /auth/introspect without credentials', () => {
  it.each(MALFORMED)('$name: 401 invalid_token, the body unread', async ({ type, body }) => {
    const res = await t.request('/auth/introspect', {
      method: 'POST',
      headers: { 'Content-Type': type },
      body,
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_token');
  });
});

describe('the consent form (POST /auth/authorization with the owner signed in)', () => {
  it('answers a malformed multipart body with a 4xx, not a 500', async () => {
    const res = await t.request('/auth/authorization', {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=xyz', Cookie: cookie },
      body: '--xyz\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nabc',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe('well-formed JSON still works', () => {
  it('a JSON object body to /auth/revoke is accepted (RFC 7009: unknown tokens are fine)', async () => {
    const res = await t.request('/auth/revoke', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: 'never-issued' }),
    });
    expect(res.status).toBe(200);
  });

  it('a JSON object with non-string values is read as if those fields were absent', async () => {
    const res = await t.request('/auth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: ['authorization_code'], code: 1 }),
    });
    expect(res.status).toBe(400);
    // grant_type is then missing: invalid_request (RFC 6749 §5.2).
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });
});
