/**
 * Finding 8 (low), kept closed for every route: random content types and bodies — JSON that is not
 * an object, truncated or mismatched multipart, charsets nobody supports, huge field names, bad
 * percent-encoding, random bytes — POSTed to every route that takes a POST from anyone on the
 * internet. No answer is a 5xx; protocol routes answer errors in their JSON format.
 *
 * The routes are the POST routes of src/routes (read from src/app.ts): the IndieAuth and sign-in
 * routes, Micropub and its media endpoint, and the admin routes (which must refuse before they
 * parse). A request carries no credentials, a wrong bearer token, or the admin's session cookie
 * without its CSRF token, or a live token that grants only `profile`.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyText } from '../fuzz/arbitraries.js';
import { budget } from '../fuzz/budget.js';
import { signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

/** Every POST route in src/routes, with the error format a client of it expects. */
const ROUTES: { path: string; format: 'oauth' | 'micropub' | 'any' }[] = [
  { path: '/auth/token', format: 'oauth' },
  { path: '/auth/introspect', format: 'oauth' },
  { path: '/auth/revoke', format: 'oauth' },
  // Client redemption (OAuth JSON) and the consent form (HTML) share this path.
  { path: '/auth/authorization', format: 'any' },
  { path: '/auth/userinfo', format: 'oauth' },
  { path: '/auth/login', format: 'any' },
  { path: '/auth/indieauth', format: 'any' },
  { path: '/auth/logout', format: 'any' },
  { path: '/auth/setup', format: 'any' },
  { path: '/auth/dev-login', format: 'any' },
  { path: '/micropub', format: 'micropub' },
  { path: '/micropub/media', format: 'micropub' },
  { path: '/admin', format: 'any' },
  { path: '/admin/new', format: 'any' },
  { path: '/admin/edit/1', format: 'any' },
  { path: '/admin/preview', format: 'any' },
  { path: '/admin/notes/1/delete', format: 'any' },
  { path: '/admin/media', format: 'any' },
  { path: '/admin/media/1/delete', format: 'any' },
  { path: '/admin/tokens', format: 'any' },
  { path: '/admin/tokens/1/revoke', format: 'any' },
  { path: '/admin/sessions/1/end', format: 'any' },
  { path: '/admin/sessions/end-all', format: 'any' },
  { path: '/', format: 'any' },
  { path: '/search', format: 'any' },
  // Webmention: its errors are JSON like the other protocol routes.
  { path: '/webmention', format: 'oauth' },
  { path: '/admin/webmentions/1/approve', format: 'any' },
  { path: '/admin/webmentions/domains', format: 'any' },
  { path: '/admin/webmentions/settings', format: 'any' },
];

/** Routes where the session cookie would be rotated or ended: sent without it. */
const NO_COOKIE = new Set(['/auth/login', '/auth/dev-login', '/auth/setup']);

let t: TestApp;
let cookie: string;
/** A live access token with only the profile scope: it opens introspection and nothing else. */
let token: string;
let ip = 0;

beforeAll(async () => {
  // TRUST_PROXY: each request comes from its own address, so the sign-in rate limit (10 per
  // address) does not stop the fuzzing of those bodies after ten runs. DEV_MODE: /auth/dev-login
  // is a public POST route on such a site.
  t = createTestApp({ TRUST_PROXY: 'true', DEV_MODE: 'true' });
  cookie = (await signIn(t)).cookie;
  token = t.app.services.tokens.mintToken({
    me: t.config.adminMe,
    clientId: 'https://client.example/',
    scope: 'profile',
    expiresInSeconds: null,
  }).token;
});
afterAll(() => t.close());

const BOUNDARY = fc.constantFrom(
  'xyz',
  'a b',
  '',
  '----WebKitFormBoundary7MA4YWxkTrZu0gW',
  '"q"',
  'x'.repeat(80),
);

/** Content-Type values, well-formed or not (every one a legal header value). */
const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=utf-16',
    'application/json; charset=bogus',
    'APPLICATION/JSON',
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=utf-8',
    'application/x-www-form-urlencoded; charset=shift_jis',
    'application/x-www-form-urlencoded; charset=utf-16le',
    'application/x-www-form-urlencoded;;;',
    'multipart/form-data',
    'multipart/form-data; boundary=',
    'multipart/form-data; boundary=xyz',
    'multipart/form-data; boundary="xyz"',
    'multipart/form-data; boundary=xyz; charset=latin1',
    'multipart/mixed; boundary=xyz',
    'text/plain',
    'text/plain; charset=utf-8',
    'application/octet-stream',
    'image/png',
    '*/*',
    '',
    ';',
  ),
  BOUNDARY.map((b) => `multipart/form-data; boundary=${b}`),
  fc.string({ maxLength: 40 }),
);

/** A multipart body, possibly cut short, with odd field names and parts. */
const multipartBody = fc
  .record({
    boundary: BOUNDARY,
    parts: fc.array(
      fc.record({
        name: fc.oneof(
          fc.constantFrom(
            'token',
            'code',
            'grant_type',
            'password',
            '_csrf',
            'next',
            'h',
            'content',
            'file',
            'photo',
          ),
          anyText,
          fc.nat({ max: 200_000 }).map((n) => 'n'.repeat(n)),
        ),
        filename: fc.option(fc.oneof(fc.constantFrom('a.png', '../x', ''), anyText)),
        value: fc.oneof(
          anyText,
          fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')),
        ),
        headers: fc.constantFrom(
          '',
          'Content-Type: image/png\r\n',
          'Content-Type: text/plain; charset=utf-16\r\n',
          'X: y\n',
        ),
      }),
      { maxLength: 4 },
    ),
    close: fc.boolean(),
    cut: fc.option(fc.nat()),
    eol: fc.constantFrom('\r\n', '\n'),
  })
  .map(({ boundary, parts, close, cut, eol }) => {
    let text = '';
    for (const p of parts) {
      const file = p.filename === null ? '' : `; filename="${p.filename}"`;
      text += `--${boundary}${eol}Content-Disposition: form-data; name="${p.name}"${file}${eol}${p.headers}${eol}${p.value}${eol}`;
    }
    if (close) text += `--${boundary}--${eol}`;
    return cut === null ? text : text.slice(0, cut % (text.length + 1));
  });

/** Bodies: JSON values of every kind, broken JSON, forms, multipart, random bytes. */
const body = fc.oneof(
  fc.constantFrom(
    'null',
    '[]',
    '[null]',
    '0',
    '-1e999',
    '"x"',
    'true',
    '{',
    '{"token":',
    '{"__proto__":{"grant_type":"authorization_code"}}',
    '{"constructor":{"prototype":{}}}',
    'grant_type=authorization_code&code=%E0%A4%A',
    'token=%&x=%zz',
    'a=1&&&=&b',
    '=',
    '%',
    '\uFEFF{"token":"x"}',
    '--xyz--\r\n',
    '--xyz\r\nContent-Disposition: form-data; name="token"\r\n\r\nabc',
  ),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc
    .dictionary(
      fc.oneof(fc.constantFrom('token', 'code', 'grant_type', 'client_id', 'password', 'next'), anyText),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .map((o) => JSON.stringify(o)),
  fc
    .array(fc.tuple(anyText, anyText), { maxLength: 6 })
    .map((pairs) => new URLSearchParams(pairs).toString()),
  multipartBody,
  anyText,
  fc.uint8Array({ maxLength: 256 }),
);

/** Credentials a stranger might send along (and a profile-only token, so introspection reads its body). */
const credentials = fc.constantFrom('none', 'bearer', 'cookie', 'both', 'profile-token');

describe('every public POST route, random content types and bodies', () => {
  it('never answers 5xx; protocol routes answer errors in their JSON format', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        contentType,
        body,
        credentials,
        async (route, type, data, who) => {
          ip++;
          const headers: Record<string, string> = {
            'X-Forwarded-For': `198.51.${(ip >> 8) & 255}.${ip & 255}`,
          };
          // Header values cannot hold every character; such requests never leave a real client.
          const safeType = type.replace(/[^\t\x20-\x7e]/g, '');
          if (safeType.trim() !== '') headers['Content-Type'] = safeType;
          if (who === 'bearer' || who === 'both') headers.Authorization = 'Bearer not-a-token';
          if (who === 'profile-token') headers.Authorization = `Bearer ${token}`;
          if ((who === 'cookie' || who === 'both') && !NO_COOKIE.has(route.path)) headers.Cookie = cookie;
          const res = await t.request(route.path, { method: 'POST', headers, body: data });
          const text = await res.text();
          const what = `${route.path} ${JSON.stringify(safeType)} ${who}: ${text.slice(0, 300)}`;
          expect(res.status, what).toBeLessThan(500);
          if (res.status >= 400 && route.format !== 'any') {
            expect(res.headers.get('content-type'), what).toContain('application/json');
            expect(typeof (JSON.parse(text) as { error?: unknown }).error, what).toBe('string');
          }
        },
      ),
      budget(600, 2),
    );
  });
});
