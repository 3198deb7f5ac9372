/**
 * Issue #20, defect 8: revoking a token ends its grant. A client authorized once holds an access
 * token and a refresh token of one grant; revoking either — in /admin/tokens, or at the revocation
 * endpoint (RFC 7009 §2.1, IndieAuth §7) — ends both, so the client can neither post nor get a new
 * access token. Other grants, and tokens minted by hand, are not touched.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import {
  authorize,
  type ClientSite,
  micropubCreate,
  postProtocol,
  refresh,
  startClientSite,
  type Tokens,
} from '../helpers/indieauth.js';

let t: TestApp;
let admin: Admin;
let client: ClientSite;
let other: ClientSite;

beforeAll(async () => {
  client = await startClientSite('client.example');
  other = await startClientSite('other.example');
});
afterAll(async () => {
  await client.remote.close();
  await other.remote.close();
});
beforeEach(async () => {
  t = createTestApp({ SITE_URL: 'https://blog.test/' }, undefined, {
    hosts: { ...client.host, ...other.host },
  });
  admin = await signIn(t);
});
afterEach(() => t.close());

/** The revoke buttons of /admin/tokens: token id by client, as the page lists them. */
async function revokeButtons(): Promise<{ id: string; client: string }[]> {
  const html = await (await t.get('/admin/tokens', { Cookie: admin.cookie })).text();
  return [
    ...html.matchAll(
      /action="\/admin\/tokens\/(\d+)\/revoke"[\s\S]*?aria-label="Revoke: [^"]*token for ([^,"]+)/g,
    ),
  ].map((m) => ({ id: m[1]!, client: m[2]! }));
}

/** Revokes, in /admin/tokens (session and CSRF), the newest access token listed for `clientId`. */
async function revokeInAdmin(clientId: string): Promise<void> {
  const button = (await revokeButtons()).find((b) => b.client === clientId);
  expect(button, `a Revoke button for ${clientId}`).toBeDefined();
  const res = await postForm(t, admin, `/admin/tokens/${button!.id}/revoke`, {});
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/admin/tokens?flash=revoked');
}

async function expectRefreshRefused(refreshToken: string): Promise<void> {
  const res = await refresh(t, client, refreshToken);
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
}

async function expectMicropubRefused(accessToken: string): Promise<void> {
  const res = await micropubCreate(t, accessToken, 'Should not be posted');
  expect(res.status).toBe(401);
}

async function expectWorks(tokens: Tokens, c: ClientSite): Promise<Tokens> {
  expect((await micropubCreate(t, tokens.access_token, 'Still allowed')).status).toBe(201);
  const res = await refresh(t, c, tokens.refresh_token);
  expect(res.status).toBe(200);
  return (await res.json()) as Tokens;
}

describe('revoking in /admin/tokens ends the grant', () => {
  it('the refresh token dies with the access token', async () => {
    const tokens = await authorize(t, admin, client, 'create');
    expect((await micropubCreate(t, tokens.access_token, 'Before')).status).toBe(201);
    await revokeInAdmin(client.clientId);
    await expectRefreshRefused(tokens.refresh_token);
    await expectMicropubRefused(tokens.access_token);
  });

  it('after a refresh, revoking the current access token ends the rotated refresh token and the older access token', async () => {
    const first = await authorize(t, admin, client, 'create');
    const second = await expectWorks(first, client);
    await revokeInAdmin(client.clientId);
    await expectRefreshRefused(second.refresh_token);
    await expectMicropubRefused(second.access_token);
    await expectMicropubRefused(first.access_token);
  });

  it('leaves other clients’ grants and tokens minted by hand alone', async () => {
    const mine = await authorize(t, admin, client, 'create');
    const theirs = await authorize(t, admin, other, 'create');
    // Two tokens minted by hand belong to no grant: revoking one leaves the other.
    for (const name of ['Hand one', 'Hand two'])
      expect((await postForm(t, admin, '/admin/tokens', { client_id: name, scope: 'create' })).status).toBe(
        303,
      );
    const handTwo = t.app.services.tokens.listTokens().find((x) => x.clientId === 'Hand two')!;
    await revokeInAdmin(client.clientId);
    await revokeInAdmin('Hand one');
    await expectRefreshRefused(mine.refresh_token);
    await expectWorks(theirs, other);
    expect(t.app.services.tokens.listTokens().find((x) => x.id === handTwo.id)!.revoked).toBe(false);
  });
});

describe('the revocation endpoint (RFC 7009 §2.1) ends the grant whichever token it is given', () => {
  it('an access token takes its refresh token with it', async () => {
    const tokens = await authorize(t, admin, client, 'create');
    expect((await postProtocol(t, '/auth/revoke', { token: tokens.access_token })).status).toBe(200);
    await expectRefreshRefused(tokens.refresh_token);
    await expectMicropubRefused(tokens.access_token);
  });

  it('a refresh token takes its access token with it', async () => {
    const tokens = await authorize(t, admin, client, 'create');
    expect((await postProtocol(t, '/auth/revoke', { token: tokens.refresh_token })).status).toBe(200);
    await expectRefreshRefused(tokens.refresh_token);
    await expectMicropubRefused(tokens.access_token);
  });

  it('the legacy action=revoke on the token endpoint does the same', async () => {
    const tokens = await authorize(t, admin, client, 'create');
    expect(
      (await postProtocol(t, '/auth/token', { action: 'revoke', token: tokens.access_token })).status,
    ).toBe(200);
    await expectRefreshRefused(tokens.refresh_token);
  });
});

it('a grant whose access token an earlier version revoked alone refuses its refresh token', async () => {
  const tokens = await authorize(t, admin, client, 'create');
  // What the admin's Revoke did before: the access token revoked, its refresh token left live.
  t.db.prepare("UPDATE tokens SET revoked_at = ? WHERE kind = 'access'").run(t.clock.now().toISOString());
  await expectRefreshRefused(tokens.refresh_token);
  // Refused for good: the grant's refresh token is revoked now.
  const row = t.db.prepare("SELECT revoked_at FROM tokens WHERE kind = 'refresh'").get() as {
    revoked_at: string | null;
  };
  expect(row.revoked_at).not.toBeNull();
});
