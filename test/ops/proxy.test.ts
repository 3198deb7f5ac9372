import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { firstForwardedFor } from '../../src/http/client-ip.js';
import { PASSWORD } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const apps: TestApp[] = [];
afterEach(() => {
  for (const t of apps.splice(0)) t.close();
});
function app(env: Record<string, string>): TestApp {
  const t = createTestApp(env);
  apps.push(t);
  return t;
}

/** Headers a client (or a proxy) could send to claim another address, scheme and host. */
const FORWARDED = {
  'X-Forwarded-For': '203.0.113.7, 10.0.0.1',
  'X-Forwarded-Proto': 'https',
  'X-Forwarded-Host': 'evil.example',
  'X-Forwarded-Port': '443',
};

async function signInWith(t: TestApp, headers: Record<string, string>, password = PASSWORD) {
  if (!t.app.services.auth.hasPassword()) await t.app.services.auth.setPassword(PASSWORD);
  return t.request('/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ password, next: '/admin' }).toString(),
  });
}

describe('firstForwardedFor', () => {
  it('takes the first hop when it is an IP address', () => {
    expect(firstForwardedFor('203.0.113.7')).toBe('203.0.113.7');
    expect(firstForwardedFor(' 203.0.113.7 , 10.0.0.1')).toBe('203.0.113.7');
    expect(firstForwardedFor('2001:db8::1, 10.0.0.1')).toBe('2001:db8::1');
    expect(firstForwardedFor('[2001:db8::1]:4711')).toBe('2001:db8::1');
    expect(firstForwardedFor('203.0.113.7:4711')).toBe('203.0.113.7');
    expect(firstForwardedFor('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('refuses anything that is not an address', () => {
    for (const bad of [
      undefined,
      '',
      ' , 10.0.0.1',
      'unknown',
      '<script>',
      '127.1',
      '0x7f.0.0.1',
      'a'.repeat(300),
    ]) {
      expect(firstForwardedFor(bad)).toBeUndefined();
    }
  });
});

describe('TRUST_PROXY', () => {
  it('off: X-Forwarded-For is ignored for the session record', async () => {
    const t = app({});
    expect((await signInWith(t, FORWARDED)).status).toBe(303);
    expect(t.app.services.auth.listSessions().map((s) => s.ipAddress)).toEqual(['unknown']);
  });

  it("on: the client address is X-Forwarded-For's first hop", async () => {
    const t = app({ TRUST_PROXY: 'on' });
    expect((await signInWith(t, FORWARDED)).status).toBe(303);
    expect(t.app.services.auth.listSessions().map((s) => s.ipAddress)).toEqual(['203.0.113.7']);
  });

  it('over a real socket: the peer address when off, the forwarded first hop when on', async () => {
    for (const [trust, expected] of [
      ['off', '127.0.0.1'],
      ['on', '203.0.113.7'],
    ] as const) {
      const t = app({ TRUST_PROXY: trust });
      await t.app.services.auth.setPassword(PASSWORD);
      const server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 });
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      try {
        const { port } = server.address() as AddressInfo;
        const res = await fetch(`http://127.0.0.1:${port}/auth/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...FORWARDED },
          body: new URLSearchParams({ password: PASSWORD, next: '/admin' }).toString(),
        });
        expect(res.status).toBe(303);
        const ips = t.app.services.auth.listSessions().map((s) => s.ipAddress);
        expect(ips.map((ip) => ip?.replace(/^::ffff:/, ''))).toEqual([expected]);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }
  });

  it('off: a client cannot dodge the sign-in rate limit by sending a new X-Forwarded-For each time', async () => {
    const t = app({});
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push((await signInWith(t, { 'X-Forwarded-For': `198.51.100.${i}` }, 'wrong')).status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
  });

  it('on: each forwarded client has its own rate-limit budget', async () => {
    const t = app({ TRUST_PROXY: 'on' });
    for (let i = 0; i < 10; i++) await signInWith(t, { 'X-Forwarded-For': '198.51.100.1' }, 'wrong');
    expect((await signInWith(t, { 'X-Forwarded-For': '198.51.100.1' }, 'wrong')).status).toBe(429);
    expect((await signInWith(t, { 'X-Forwarded-For': '198.51.100.2' }, 'wrong')).status).toBe(401);
  });

  for (const trust of ['off', 'on']) {
    it(`${trust}: SITE_URL alone decides absolute URLs and the cookie's Secure flag`, async () => {
      const plain = app({ TRUST_PROXY: trust });
      const home = await plain.get('/', FORWARDED);
      const links = home.headers.get('link') ?? '';
      expect(links).toContain('<http://example.test/micropub>');
      expect(links).not.toContain('evil.example');
      expect(await home.text()).not.toContain('evil.example');
      const cookie = (await signInWith(plain, FORWARDED)).headers.get('set-cookie') ?? '';
      expect(cookie).toContain('starpunk_session=');
      expect(cookie).not.toMatch(/;\s*Secure/i);

      const tls = app({ TRUST_PROXY: trust, SITE_URL: 'https://example.test/' });
      const secureCookie = (await signInWith(tls, {})).headers.get('set-cookie') ?? '';
      expect(secureCookie).toMatch(/;\s*Secure/i);
      const tlsLinks = (await tls.get('/', { 'X-Forwarded-Proto': 'http' })).headers.get('link') ?? '';
      expect(tlsLinks).toContain('<https://example.test/micropub>');
    });
  }
});
