/**
 * Hardening: IndieAuth §3.3 forbids single-dot and double-dot path segments in a client_id, but the
 * check compared the raw segments case-sensitively (`%2E`, `%2e%2E` slipped through) and split
 * only on "/" (the URL parser also treats "\" as a separator in http(s) URLs). The WHATWG parser
 * resolves all of these away, so a client_id shown as one path could be fetched as another.
 */
import { describe, expect, it } from 'vitest';
import { validateClientId } from '../../src/indieauth/client.js';
import { signIn } from '../helpers/admin.js';
import { createTestApp } from '../helpers/app.js';

const DOTTED = [
  'https://app.example/a/./b',
  'https://app.example/a/../b',
  'https://app.example/.',
  'https://app.example/..',
  'https://app.example/a/%2e/b',
  'https://app.example/a/%2E/b',
  'https://app.example/a/%2e%2e/b',
  'https://app.example/a/%2E%2E/b',
  'https://app.example/a/%2e%2E/b',
  'https://app.example/a/%2E%2e/b',
  'https://app.example/a/.%2e/b',
  'https://app.example/a/.%2E/b',
  'https://app.example/a/%2e./b',
  'https://app.example/a/%2E./b',
  'https://app.example/a/%2E%2E',
  'https://app.example/a/%2E%2E?x=1',
  'https://app.example/a\\..\\b',
  'https://app.example/a\\%2E%2E\\b',
  'https://app.example/a/..\\b',
  'HTTPS://APP.EXAMPLE/A/%2E%2E/B',
  'https://app.example/a/.\t./b',
  'https://app.example/a/%2\ne/b',
  'https://app.example\\..\\b',
];

describe('validateClientId', () => {
  it.each(DOTTED)('refuses %s', (id) => {
    const r = validateClientId(id);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/\. or \.\. path segments/);
  });

  it('still accepts dots that are not whole segments, and dots in the query', () => {
    for (const id of [
      'https://app.example/',
      'https://app.example/a.b/c..d/.well-known/x',
      'https://app.example/%2e%2ex/',
      'https://app.example/a/?next=../..',
      'https://app.example/a/?p=%2E%2E',
    ])
      expect(validateClientId(id).ok, id).toBe(true);
  });
});

describe('the authorization endpoint', () => {
  it('answers a mixed-case encoded dot-segment client_id with an error page, never a redirect', async () => {
    const t = createTestApp();
    try {
      const admin = await signIn(t);
      const q = new URLSearchParams({
        response_type: 'code',
        client_id: 'https://app.example/a/%2e%2E/b',
        redirect_uri: 'https://app.example/cb',
        state: 's',
      });
      const res = await t.get(`/auth/authorization?${q}`, { Cookie: admin.cookie });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('path segments');
    } finally {
      t.close();
    }
  });
});
