import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sessionCookie } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';

/**
 * A real loopback IndieAuth provider playing ADMIN_ME's own site: the profile page links its
 * metadata (HTTP Link header, or HTML only), and its authorization endpoint redeems codes.
 */
interface Provider {
  site: RemoteSite;
  /** What the authorization endpoint answers when redeeming; `me` defaults to the profile URL. */
  answer: { me?: string; status?: number; error?: string };
  codes: Map<string, { challenge: string; clientId: string; redirectUri: string }>;
  redemptions: URLSearchParams[];
  discovery: 'link-header' | 'html-metadata' | 'html-legacy';
}

async function startProvider(discovery: Provider['discovery'] = 'link-header'): Promise<Provider> {
  const p: Provider = {
    site: undefined as unknown as RemoteSite,
    answer: {},
    codes: new Map(),
    redemptions: [],
    discovery,
  };
  p.site = await startRemote((req, body, res) => {
    const base = p.site.url;
    const path = new URL(req.url!, base).pathname;
    if (path === '/') {
      const headers: Record<string, string> = { 'Content-Type': 'text/html; charset=utf-8' };
      let head = '';
      if (p.discovery === 'link-header') headers.Link = `<${base}meta>; rel="indieauth-metadata"`;
      if (p.discovery === 'html-metadata') head = `<link rel="indieauth-metadata" href="/meta">`;
      if (p.discovery === 'html-legacy') head = `<link rel="authorization_endpoint" href="/auth">`;
      res
        .writeHead(200, headers)
        .end(
          `<!doctype html><html><head>${head}</head><body><a class="h-card" href="/">Me</a></body></html>`,
        );
      return;
    }
    if (path === '/meta') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          issuer: base,
          authorization_endpoint: `${base}auth`,
          token_endpoint: `${base}token`,
        }),
      );
      return;
    }
    if (path === '/auth' && req.method === 'POST') {
      const form = new URLSearchParams(body);
      p.redemptions.push(form);
      const code = p.codes.get(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const ok =
        code &&
        createHash('sha256').update(verifier).digest('base64url') === code.challenge &&
        code.clientId === form.get('client_id') &&
        code.redirectUri === form.get('redirect_uri');
      if (p.answer.status || !ok) {
        res
          .writeHead(p.answer.status ?? 400, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ error: p.answer.error ?? 'invalid_grant' }));
        return;
      }
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ me: p.answer.me ?? base }));
      return;
    }
    res.writeHead(404).end();
  });
  return p;
}

let provider: Provider;
let t: TestApp;
beforeEach(async () => {
  provider = await startProvider();
  t = createTestApp({ ADMIN_ME: provider.site.url });
});
afterEach(async () => {
  t.close();
  await provider.site.close();
});

/** Starts sign-in and plays the provider's approval; returns the callback query. */
async function approve(): Promise<{ state: string; iss: string; code: string }> {
  const start = await t.request('/auth/indieauth', { method: 'POST' });
  expect(start.status).toBe(303);
  const to = new URL(start.headers.get('location')!);
  expect(`${to.origin}${to.pathname}`).toBe(`${provider.site.url}auth`);
  expect(to.searchParams.get('code_challenge_method')).toBe('S256');
  expect(to.searchParams.get('client_id')).toBe('http://example.test/');
  expect(to.searchParams.get('redirect_uri')).toBe('http://example.test/auth/callback');
  expect(to.searchParams.get('me')).toBe(provider.site.url);
  const code = `code-${Math.random()}`;
  provider.codes.set(code, {
    challenge: to.searchParams.get('code_challenge')!,
    clientId: to.searchParams.get('client_id')!,
    redirectUri: to.searchParams.get('redirect_uri')!,
  });
  return { state: to.searchParams.get('state')!, iss: provider.site.url, code };
}

const callback = (q: Record<string, string>) => t.get(`/auth/callback?${new URLSearchParams(q)}`);

describe('IndieAuth sign-in as ADMIN_ME', () => {
  it('discovers the server from the Link header, sends PKCE S256, checks iss, redeems the code, signs in', async () => {
    expect(await (await t.get('/auth/login')).text()).toContain('Sign in with IndieAuth');
    const q = await approve();
    const res = await callback(q);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin');
    expect((await t.get('/admin', { Cookie: sessionCookie(res) })).status).toBe(200);
    expect(provider.redemptions[0]!.get('grant_type')).toBe('authorization_code');
  });

  it.each(['html-metadata', 'html-legacy'] as const)('discovers the server from HTML (%s)', async (kind) => {
    provider.discovery = kind;
    const q = await approve();
    if (kind === 'html-legacy') delete (q as Partial<typeof q>).iss;
    expect((await callback(q as Record<string, string>)).status).toBe(303);
  });

  it('refuses a response whose iss is not the discovered issuer', async () => {
    const q = await approve();
    const res = await callback({ ...q, iss: 'https://evil.example/' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('iss mismatch');
  });

  it('uses each state once and only for ten minutes', async () => {
    const q = await approve();
    expect((await callback(q)).status).toBe(303);
    const again = await callback(q);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('expired or was already used');
    const late = await approve();
    t.clock.advance(11 * 60_000);
    expect((await callback(late)).status).toBe(400);
  });

  it('accepts only ADMIN_ME, after normalisation', async () => {
    provider.answer.me = provider.site.url.replace('http://127.0.0.1', 'HTTP://127.0.0.1');
    expect((await callback(await approve())).status).toBe(303);
    provider.answer.me = 'https://someone-else.example/';
    const res = await callback(await approve());
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('is not this site');
  });

  it('reports a refused code and an error from the server, and creates no session', async () => {
    provider.answer = { status: 400, error: 'invalid_grant' };
    const res = await callback(await approve());
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('invalid_grant');
    const denied = await approve();
    expect((await callback({ state: denied.state, error: 'access_denied' })).status).toBe(403);
    expect(t.db.prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 0 });
  });

  it('says clearly when ADMIN_ME cannot be reached', async () => {
    await provider.site.close();
    const res = await t.request('/auth/indieauth', { method: 'POST' });
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('Could not reach');
  });
});
