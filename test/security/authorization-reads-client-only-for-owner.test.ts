/**
 * Issue 22 item 2 (high): GET /auth/authorization fetched and parsed the client_id page (up to
 * 512 KB of HTML from anywhere) before checking that anyone was signed in, so any visitor could
 * make the server fetch a page of their choosing and parse it — and a deeply nested page stalled
 * the whole process for seconds. The session is now checked first: a visitor who is not signed in
 * is sent to sign in without anything being fetched; the page is read only for the signed-in owner.
 *
 * A real loopback server plays the client and counts every request it gets.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';

const CLIENT = 'https://client.example/';

let t: TestApp;
let admin: Admin;
let client: RemoteSite;
let hits: string[];

beforeEach(async () => {
  hits = [];
  client = await startRemote((req, _body, res) => {
    hits.push(req.url ?? '');
    res
      .writeHead(200, { 'Content-Type': 'text/html' })
      .end(
        `<link rel="redirect_uri" href="https://app.example/cb"><div class="h-app"><span class="p-name">Client App</span></div>`,
      );
  });
  t = createTestApp({ SITE_URL: 'https://blog.test/' }, undefined, {
    hosts: { 'client.example': client.url },
  });
  admin = await signIn(t);
});
afterEach(async () => {
  t.close();
  await client.close();
});

function query(redirectUri: string): string {
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  return new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT,
    redirect_uri: redirectUri,
    state: 's',
    scope: 'create',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
}

describe('GET /auth/authorization', () => {
  for (const redirect of ['https://client.example/cb', 'https://app.example/cb']) {
    it(`sends a visitor who is not signed in to sign in without fetching the client (${redirect})`, async () => {
      const res = await t.get(`/auth/authorization?${query(redirect)}`);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/^\/auth\/login\?next=%2Fauth%2Fauthorization%3F/);
      expect(hits).toEqual([]);
    });
  }

  it('still refuses a malformed client_id at once, without fetching anything', async () => {
    const res = await t.get('/auth/authorization?client_id=ftp%3A%2F%2Fx&redirect_uri=https%3A%2F%2Fx%2F');
    expect(res.status).toBe(400);
    expect(hits).toEqual([]);
  });

  it('reads the client page for the signed-in owner and shows what it declares', async () => {
    const res = await t.get(`/auth/authorization?${query('https://app.example/cb')}`, {
      Cookie: admin.cookie,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Client App');
    expect(hits).toEqual(['/']);
  });
});
