/**
 * Finding 10 (low): reading a client's metadata followed redirects to any origin, so a client_id
 * that redirects elsewhere (an open redirect on a trusted site, say) let that other origin declare
 * the redirect URIs — and the consent page then called them "declared by the application".
 * Client metadata is now read only from the client_id's own origin (same-origin redirects are
 * still followed), and declared redirect URIs are compared against the client_id the request named.
 *
 * Real loopback servers play the client and the other site; the test app maps the client's
 * public-looking host name to its server, as DNS would.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';

const CLIENT = 'https://client.example/';
const EVIL_CB = 'https://evil.example/cb';

let t: TestApp;
let admin: Admin;
let client: RemoteSite;
let evil: RemoteSite;
/** How the client site answers a path: a redirect target, or a document. */
let clientRoutes: Record<string, { location?: string; status?: number; type?: string; body?: string }>;
let evilHits: string[];

/**
 * Where the client's redirects point: the other site's loopback address itself, since the fetch
 * under test, not the host mapping, decides whether a redirect is followed.
 */
const evilAt = (path: string) => new URL(path, evil.url).toString();

/** What the other site serves: metadata claiming to be the client, declaring its own callback. */
const EVIL_JSON = JSON.stringify({ client_id: CLIENT, client_name: 'Trusted App', redirect_uris: [EVIL_CB] });
const EVIL_HTML = `<link rel="redirect_uri" href="${EVIL_CB}"><div class="h-app"><span class="p-name">Trusted App</span></div>`;

beforeEach(async () => {
  clientRoutes = {};
  evilHits = [];
  client = await startRemote((req, _body, res) => {
    const route = clientRoutes[req.url ?? '/'];
    if (!route) return res.writeHead(404).end();
    if (route.location) return res.writeHead(route.status ?? 302, { Location: route.location }).end();
    res.writeHead(200, { 'Content-Type': route.type ?? 'application/json' }).end(route.body ?? '');
  });
  evil = await startRemote((req, _body, res) => {
    evilHits.push(req.url ?? '');
    const html = (req.url ?? '').includes('html');
    res
      .writeHead(200, { 'Content-Type': html ? 'text/html' : 'application/json' })
      .end(html ? EVIL_HTML : EVIL_JSON);
  });
  t = createTestApp({ SITE_URL: 'https://blog.test/' }, undefined, {
    hosts: { 'client.example': client.url },
  });
  admin = await signIn(t);
});
afterEach(async () => {
  t.close();
  await client.close();
  await evil.close();
});

function authorize(clientId: string, redirectUri: string): Promise<Response> {
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    state: 's',
    scope: 'create',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  return t.get(`/auth/authorization?${q}`, { Cookie: admin.cookie });
}

describe('a client_id that redirects to another origin', () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it(`(${status}) does not let that origin declare redirect URIs: error page, no redirect`, async () => {
      clientRoutes['/'] = { status, location: evilAt('/app.json') };
      const res = await authorize(CLIENT, EVIL_CB);
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      const html = await res.text();
      expect(html).toContain('does not declare it');
      expect(html).not.toContain('declared by the application');
      expect(evilHits).toEqual([]);
    });
  }

  it('nor through an HTML page with rel=redirect_uri on the other origin', async () => {
    clientRoutes['/'] = { location: evilAt('/app.html') };
    const res = await authorize(CLIENT, EVIL_CB);
    expect(res.status).toBe(400);
    expect(evilHits).toEqual([]);
  });

  it('nor after a first same-origin hop', async () => {
    clientRoutes['/'] = { location: '/step' };
    clientRoutes['/step'] = { location: evilAt('/app.json') };
    const res = await authorize(CLIENT, EVIL_CB);
    expect(res.status).toBe(400);
    expect(evilHits).toEqual([]);
  });

  it('nor by a scheme change on the same host (http is another origin)', async () => {
    clientRoutes['/'] = { location: 'http://client.example/meta.json' };
    clientRoutes['/meta.json'] = {
      body: JSON.stringify({ client_id: CLIENT, redirect_uris: [EVIL_CB] }),
    };
    expect((await authorize(CLIENT, EVIL_CB)).status).toBe(400);
  });

  it('still lets the owner approve a same-origin redirect_uri, showing no fetched information', async () => {
    clientRoutes['/'] = { location: evilAt('/app.json') };
    const res = await authorize(CLIENT, 'https://client.example/callback');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('no information could be fetched');
    expect(html).not.toContain('Trusted App');
  });
});

describe('same-origin redirects are still followed', () => {
  it('metadata moved within the client origin declares its redirect URIs', async () => {
    clientRoutes['/'] = { status: 301, location: '/meta.json' };
    clientRoutes['/meta.json'] = {
      body: JSON.stringify({
        client_id: CLIENT,
        client_name: 'Moved Client',
        redirect_uris: ['https://other-cb.example/cb'],
      }),
    };
    const res = await authorize(CLIENT, 'https://other-cb.example/cb');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Moved Client');
    expect(html).toContain('declared by the application');
  });

  it('but not endlessly', async () => {
    clientRoutes['/'] = { location: '/' };
    const res = await authorize(CLIENT, 'https://client.example/callback');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('no information could be fetched');
  });

  it('a document whose client_id is not the one the request named declares nothing', async () => {
    clientRoutes['/'] = { location: '/meta.json' };
    clientRoutes['/meta.json'] = {
      body: JSON.stringify({ client_id: 'https://client.example/meta.json', redirect_uris: [EVIL_CB] }),
    };
    expect((await authorize(CLIENT, EVIL_CB)).status).toBe(400);
  });
});
