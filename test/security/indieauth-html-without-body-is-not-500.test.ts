/**
 * Found while testing the hardening: the microformats parser throws on HTML whose <body> has no
 * element (an empty page, or one with only <link> tags in its head), and neither the client
 * information fetch nor the admin's IndieAuth discovery caught it. So anyone could make
 * `GET /auth/authorization` answer 500 (it fetches the client_id before asking anyone to sign in)
 * with a client_id serving such a page, and an ADMIN_ME page that advertised its endpoints only in
 * <head> could not be signed in with. Such HTML is now read for its rels like any other.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';

const CLIENT = 'https://client.example/';
const DECLARED = 'https://elsewhere.example/cb';

/** HTML the parser used to refuse, each with the redirect_uri link where it can be. */
const PAGES: Record<string, string> = {
  'head links only': `<!doctype html><html><head><link rel="redirect_uri" href="${DECLARED}"></head><body></body></html>`,
  'a bare link tag': `<link rel="redirect_uri" href="${DECLARED}">`,
  'text only': 'hello',
  'empty page': '',
  whitespace: ' \n ',
};

let site: RemoteSite;
let page: string;
let t: TestApp;
beforeEach(async () => {
  page = '';
  site = await startRemote((_req, _body, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page);
  });
});
afterEach(async () => {
  t.close();
  await site.close();
});

function authorizeQuery(redirectUri: string): string {
  const challenge = createHash('sha256').update(randomBytes(32)).digest('base64url');
  return new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT,
    redirect_uri: redirectUri,
    state: 's',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
}

describe('a client_id page the microformats parser refuses', () => {
  for (const [name, html] of Object.entries(PAGES)) {
    it(`${name}: no 500, signed out or in`, async () => {
      t = createTestApp({ SITE_URL: 'https://blog.test/' }, undefined, {
        hosts: { 'client.example': site.url },
      });
      page = html;
      const signedOut = await t.get(`/auth/authorization?${authorizeQuery(`${CLIENT}cb`)}`);
      expect(signedOut.status).toBe(303);
      const admin = await signIn(t);
      const signedIn = await t.get(`/auth/authorization?${authorizeQuery(`${CLIENT}cb`)}`, {
        Cookie: admin.cookie,
      });
      expect(signedIn.status).toBe(200);
    });
  }

  it('still yields the redirect_uri links of its head', async () => {
    t = createTestApp({ SITE_URL: 'https://blog.test/' }, undefined, {
      hosts: { 'client.example': site.url },
    });
    page = PAGES['head links only']!;
    const admin = await signIn(t);
    const res = await t.get(`/auth/authorization?${authorizeQuery(DECLARED)}`, { Cookie: admin.cookie });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('declared by the application');
  });
});

describe('an ADMIN_ME page that advertises its endpoints in <head> only', () => {
  it('is discovered, and sign-in goes to its authorization endpoint', async () => {
    t = createTestApp({ ADMIN_ME: site.url });
    page =
      '<!doctype html><html><head><link rel="authorization_endpoint" href="/auth"></head><body></body></html>';
    const res = await t.request('/auth/indieauth', { method: 'POST' });
    expect(res.status).toBe(303);
    const to = new URL(res.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(`${site.url}auth`);
  });

  it('an empty profile page is a clear 503, not a 500', async () => {
    t = createTestApp({ ADMIN_ME: site.url });
    page = '';
    const res = await t.request('/auth/indieauth', { method: 'POST' });
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('does not advertise an IndieAuth authorization server');
  });
});
