/**
 * Tokens: the Micropub token minted with the CLI (made before every part), one minted by hand in
 * Admin → Tokens, and two IndieAuth grants approved on the consent page in Chromium by a client
 * on loopback (authorization code with PKCE, then the token endpoint). The second grant is
 * revoked in Admin → Tokens: its refresh token must die with it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { startRemote } from '../../helpers/remote.js';
import { pretty, type Recording } from '../record.js';
import { open, type Part, type World } from '../world.js';

/** Runs one IndieAuth authorization in the signed-in tab; resolves with the token response. */
async function grant(w: World, clientId: string, scope: string) {
  const verifier = randomBytes(32).toString('base64url');
  const redirect = `${clientId}callback`;
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirect,
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    scope,
    me: w.site.siteUrl,
  });
  await open(w, `/auth/authorization?${q}`);
  await Promise.all([
    w.page.waitForURL((u) => u.href.startsWith(redirect)),
    w.page.getByRole('button', { name: 'Approve', exact: true }).click(),
  ]);
  const code = new URL(w.page.url()).searchParams.get('code') ?? '';
  const res = await w.site.fetch('/auth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: clientId,
      redirect_uri: redirect,
      code_verifier: verifier,
    }).toString(),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { access_token: string; refresh_token?: string };
}

export const tokens: Part = {
  name: 'tokens',

  async build(w: World) {
    const p = await open(w, '/admin/tokens');
    await p.locator('#client_id').fill('Notebook app on my phone');
    await p.locator('#scope').fill('create media');
    await p.locator('#expires_days').fill('0');
    await p.getByRole('button', { name: 'Create token', exact: true }).click();
    await p.getByLabel('New access token').waitFor();

    const client = await startRemote((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('signed in');
    });
    try {
      const kept = await grant(w, `${client.url}app/`, 'create update media');
      expect(kept.refresh_token, 'a grant comes with a refresh token').toBeTruthy();
      const revoked = await grant(w, `${client.url}other/`, 'create');
      w.made.indieauthClient = client.url;

      // Revoking the grant's token in the admin ends the grant: its refresh token stops working.
      const page = await open(w, '/admin/tokens');
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('flash') === 'revoked'),
        page
          .locator('tr', { hasText: `${client.url}other/` })
          .getByRole('button', { name: /^Revoke/ })
          .click(),
      ]);
      const access = await w.site.fetch('/auth/token', {
        headers: { authorization: `Bearer ${revoked.access_token}` },
      });
      expect.soft(access.status, 'a revoked access token is refused').toBe(401);
      const refresh = await w.site.fetch('/auth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: revoked.refresh_token ?? '',
          client_id: `${client.url}other/`,
        }).toString(),
      });
      expect
        .soft(
          `${refresh.status} ${await refresh.text()}`,
          'the refresh token of a grant revoked in Admin → Tokens is refused',
        )
        .toMatch(/^400 .*invalid_grant/);
    } finally {
      await client.close();
    }
  },

  snapshot(w, r) {
    r.seed('/.well-known/oauth-authorization-server');
    r.admin('/admin/tokens');
    // What a Micropub client is told, with the site's token: its configuration and every post.
    for (const q of ['q=config', 'q=source&limit=100']) {
      const answer = w.site
        .fetch(`/micropub?${q}`, { headers: { authorization: `Bearer ${w.token}` } })
        .then(async (res) => ({ status: res.status, body: pretty(await res.text()) }));
      r.put(`MICROPUB ${q}`, answer);
    }
  },

  check(rec: Recording, w: World) {
    const list = rec.get('ADMIN /admin/tokens')?.body ?? '';
    for (const client of [
      'https://lived-in.example/micropub-client',
      'Notebook app on my phone',
      `${w.made.indieauthClient}app/`,
    ])
      expect.soft(list, `Admin → Tokens lists the token of ${client}`).toContain(client);
    expect
      .soft(list, 'the revoked grant shows as revoked')
      .toMatch(new RegExp(`${w.made.indieauthClient}other/[\\s\\S]*?revoked`));
    const meta = JSON.parse(rec.page('/.well-known/oauth-authorization-server')?.body ?? '{}') as Record<
      string,
      string
    >;
    expect.soft(meta.issuer, 'IndieAuth metadata names this site').toBe(w.site.siteUrl);
    expect.soft(meta.token_endpoint, 'IndieAuth token endpoint').toBe(w.site.url('/auth/token'));
  },
};
