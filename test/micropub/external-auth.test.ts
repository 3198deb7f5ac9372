import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';

/** ADMIN_ME's own site, with its own IndieAuth server that issued the tokens clients hold. */
let remote: RemoteSite;
let t: TestApp;
let checks: number;
let answer: { status: number; me?: string; scope?: string };

beforeEach(async () => {
  checks = 0;
  answer = { status: 200, scope: 'create update' };
  remote = await startRemote((req, _body, res) => {
    const base = remote.url;
    const path = new URL(req.url!, base).pathname;
    if (path === '/') {
      res
        .writeHead(200, { 'Content-Type': 'text/html', Link: `<${base}meta>; rel="indieauth-metadata"` })
        .end('<p>me</p>');
    } else if (path === '/meta') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          issuer: base,
          authorization_endpoint: `${base}auth`,
          token_endpoint: `${base}token`,
        }),
      );
    } else if (path === '/token') {
      checks++;
      if (req.headers.authorization !== 'Bearer remote-token' || answer.status !== 200) {
        res
          .writeHead(answer.status === 200 ? 401 : answer.status, { 'Content-Type': 'application/json' })
          .end('{"error":"invalid_token"}');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          me: answer.me ?? base,
          client_id: 'https://client.example/',
          scope: answer.scope,
        }),
      );
    } else res.writeHead(404).end();
  });
  t = createTestApp({ ADMIN_ME: remote.url });
});
afterEach(async () => {
  t.close();
  await remote.close();
});

const create = (tok: string) =>
  t.request('/micropub', {
    method: 'POST',
    headers: { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'content=From+my+own+server',
  });

describe('tokens from ADMIN_ME’s own authorization server', () => {
  it('are verified there, with scopes, and the result is cached briefly', async () => {
    expect((await create('remote-token')).status).toBe(201);
    expect((await create('remote-token')).status).toBe(201);
    expect(checks).toBe(1);
    t.clock.advance(3 * 60_000);
    expect((await create('remote-token')).status).toBe(201);
    expect(checks).toBe(2);
  });

  it('are refused when that server says no, when it names another me, or when it cannot be reached (fail closed)', async () => {
    expect((await create('unknown-token')).status).toBe(401);
    answer = { status: 200, me: 'https://someone-else.example/', scope: 'create' };
    expect((await create('remote-token')).status).toBe(401);
    t.clock.advance(60_000);
    answer = { status: 500 };
    expect((await create('remote-token')).status).toBe(401);
    await remote.close();
    t.clock.advance(60_000);
    expect((await create('another-token')).status).toBe(401);
  });

  it('still need the right scope', async () => {
    answer = { status: 200, scope: 'update' };
    const res = await create('remote-token');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('insufficient_scope');
  });
});
