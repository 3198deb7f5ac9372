/**
 * Finding 3 (medium): `/auth/login?next=/%09/evil.example/` answered `Location: /\t/evil.example/`,
 * which a browser strips to `//evil.example/`; `next=/%0a…` crashed with a 500. `next` is now
 * resolved against SITE_URL with the WHATWG parser (the one browsers use on Location) and only a
 * same-origin path survives; anything else goes to /admin.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeNext } from '../../src/routes/auth/index.js';
import { budget } from '../fuzz/budget.js';
import { PASSWORD, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const SITE = 'http://example.test/';

/** Values of `next` an attacker would try (as the server sees them, after query decoding). */
const HOSTILE: string[] = [
  '//evil.example/',
  '///evil.example/',
  '////evil.example/',
  '/\\evil.example/',
  '\\/evil.example/',
  '\\\\evil.example/',
  '/%5cevil.example/',
  '/%5Cevil.example/',
  '/%2f%2fevil.example/',
  '/\t/evil.example/',
  '/\t/',
  '\t//evil.example/',
  '/\n/evil.example/',
  '/\r\n/evil.example/',
  '/\r/evil.example/',
  '/\n',
  'Location: //evil.example/\r\nX: y',
  ' //evil.example/',
  '\u0000//evil.example/',
  '/\u0000/evil.example/',
  '/.//evil.example/',
  '/..//evil.example/',
  '/a/../..//evil.example/',
  '/%2e//evil.example/',
  'https://evil.example/',
  'http://evil.example/',
  'HTTP://evil.example/',
  'http://example.test.evil.example/',
  'http://example.test@evil.example/',
  'http://evil.example\\@example.test/',
  'http://example.test:8080/admin',
  'https://example.test/admin',
  'http://example.test//evil.example/',
  'http:evil.example',
  'https:evil.example',
  'https:/evil.example/',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  'java\tscript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  '/\u3000/evil.example/',
  '/\u2028/evil.example/',
  '/\ufeff/evil.example/',
  '/ã/évil',
  '%2F%2Fevil.example%2F',
  '%252F%252Fevil.example',
  '/%09/evil.example/',
  '/%0a/evil.example/',
  '/admin?x=\n',
  '/admin#\n//evil',
  '',
  ' ',
  '/',
  'x'.repeat(10_000),
  `/${'a/'.repeat(3000)}`,
];

/** True when a browser following `location` from the site would stay on the site. */
function staysOnSite(location: string): boolean {
  // Browsers resolve Location with this parser against the request URL.
  const url = new URL(location, SITE);
  return url.origin === new URL(SITE).origin;
}

/** A Location we emit: a plain same-origin path, nothing a lenient parser could read otherwise. */
function expectSafeLocation(location: string | null, what: string): void {
  expect(location, what).not.toBeNull();
  const loc = location!;
  expect(loc, what).toMatch(/^\/(?![/\\])/);
  // No whitespace, control characters or backslashes: the same bytes mean the same thing everywhere.
  const odd = [...loc].filter((ch) => ch.charCodeAt(0) <= 0x20 || ch === '\u007f' || ch === '\\');
  expect(odd, what).toEqual([]);
  expect(staysOnSite(loc), what).toBe(true);
}

describe('safeNext', () => {
  it('turns every hostile value into /admin or a same-origin path', () => {
    for (const next of HOSTILE) expectSafeLocation(safeNext(next, SITE), JSON.stringify(next));
  });

  it('keeps ordinary same-site paths, with their query and fragment', () => {
    expect(safeNext('/admin/new', SITE)).toBe('/admin/new');
    expect(safeNext('/admin/edit/3?flash=saved', SITE)).toBe('/admin/edit/3?flash=saved');
    expect(safeNext('/auth/authorization?client_id=https%3A%2F%2Fa.example%2F&state=x', SITE)).toBe(
      '/auth/authorization?client_id=https%3A%2F%2Fa.example%2F&state=x',
    );
    expect(safeNext('/admin#notes', SITE)).toBe('/admin#notes');
    expect(safeNext(`${SITE}admin/tokens`, SITE)).toBe('/admin/tokens');
  });

  it('sends anything that is not a string, or names another origin, to /admin', () => {
    for (const v of [undefined, null, 3, ['/admin/new'], {}, 'https://evil.example/', '//evil.example'])
      expect(safeNext(v, SITE)).toBe('/admin');
  });

  it('holds for any string (property)', () => {
    const piece = fc.constantFrom(
      '/',
      '\\',
      '\t',
      '\n',
      '\r',
      ' ',
      '.',
      '..',
      '%',
      '%2f',
      '%5c',
      ':',
      '@',
      '?',
      '#',
    );
    const hostileish = fc.array(fc.oneof(piece, fc.string({ maxLength: 4 }), fc.constant('evil.example')), {
      maxLength: 12,
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          hostileish.map((p) => p.join('')),
        ),
        (next) => {
          expectSafeLocation(safeNext(next, SITE), JSON.stringify(next));
        },
      ),
      budget(2000),
    );
  });
});

describe('the sign-in routes', () => {
  let t: TestApp;
  let cookie: string;
  beforeAll(async () => {
    t = createTestApp({ SITE_URL: SITE });
    cookie = (await signIn(t)).cookie;
  });
  afterAll(() => t.close());

  it('GET /auth/login?next=… for a signed-in admin: never off-site, never a 500', async () => {
    for (const next of HOSTILE) {
      const res = await t.get(`/auth/login?next=${encodeURIComponent(next)}`, { Cookie: cookie });
      expect(res.status, JSON.stringify(next)).toBe(303);
      expectSafeLocation(res.headers.get('location'), JSON.stringify(next));
    }
    // The audit's exact probes, with the query written by hand.
    for (const raw of [
      '/%09/evil.example/',
      '/%0a/evil.example/',
      '/%0d%0a/evil.example/',
      '%2F%2Fevil.example',
    ]) {
      const res = await t.get(`/auth/login?next=${raw}`, { Cookie: cookie });
      expect(res.status, raw).toBe(303);
      expectSafeLocation(res.headers.get('location'), raw);
    }
  });

  it('POST /auth/login with the right password: never off-site, never a 500', async () => {
    for (const next of HOSTILE) {
      const res = await t.request('/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ password: PASSWORD, next }).toString(),
      });
      expect(res.status, JSON.stringify(next)).toBe(303);
      expectSafeLocation(res.headers.get('location'), JSON.stringify(next));
    }
  });

  it('the sign-in page carries only the cleaned next in its form', async () => {
    const html = await (await t.get(`/auth/login?next=${encodeURIComponent('/\t/evil.example/')}`)).text();
    expect(html).toContain('name="next" value="/admin"');
    expect(html).not.toContain('evil.example');
  });

  it('still brings the owner back to where they were going', async () => {
    const res = await t.get(`/auth/login?next=${encodeURIComponent('/admin/edit/7?flash=saved')}`, {
      Cookie: cookie,
    });
    expect(res.headers.get('location')).toBe('/admin/edit/7?flash=saved');
  });
});

describe('the development sign-in', () => {
  it('cleans next the same way', async () => {
    const t = createTestApp({ SITE_URL: SITE, DEV_MODE: 'true', DEV_ADMIN_ME: SITE });
    try {
      for (const next of HOSTILE) {
        const res = await t.request('/auth/dev-login', {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ next }).toString(),
        });
        expect(res.status, JSON.stringify(next)).toBe(303);
        expectSafeLocation(res.headers.get('location'), JSON.stringify(next));
      }
    } finally {
      t.close();
    }
  });
});
