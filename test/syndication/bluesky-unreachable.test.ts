/**
 * Issue #25, item 20: when the Bluesky server could not be reached, the message was undici's
 * "fetch failed" (hiding "connection refused"), and the connect page called it "Bluesky did not
 * accept this". Now the connect page says it could not reach the server and why, and a copy that
 * fails for the same reason records the cause.
 */
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createPds, ME } from '../helpers/bluesky.js';

let t: TestApp;
let admin: Admin;
beforeEach(async () => {
  t = createTestApp();
  admin = await signIn(t);
});
afterEach(() => t.close());

/** A loopback port nothing listens on (it was just given up). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('a Bluesky server that cannot be reached', () => {
  it('the connect page says it could not reach the server, and why', async () => {
    const port = await closedPort();
    const res = await postForm(t, admin, '/admin/syndication/bluesky/connect', {
      handle: ME.handle,
      app_password: ME.password,
      service: `http://127.0.0.1:${port}`,
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain(
      `Could not reach the Bluesky server at http://127.0.0.1:${port}: connection refused by 127.0.0.1:${port}.`,
    );
    expect(html).not.toContain('fetch failed');
    expect(html).not.toContain('did not accept');
    expect(t.app.services.syndication.listAccounts()).toEqual([]);
  });

  it('a wrong password is still "did not accept" (the server answered)', async () => {
    const pds = createPds();
    await new Promise<void>((r) => pds.server.listen(0, '127.0.0.1', r));
    try {
      const res = await postForm(t, admin, '/admin/syndication/bluesky/connect', {
        handle: ME.handle,
        app_password: 'wrong-wrong-wrong-wrong',
        service: `http://127.0.0.1:${(pds.server.address() as AddressInfo).port}`,
      });
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain('Bluesky did not accept this');
      expect(html).not.toContain('Could not reach');
    } finally {
      pds.server.closeAllConnections();
      await new Promise<void>((r) => pds.server.close(() => r()));
    }
  });

  it('a copy that cannot be posted records "connection refused", not "fetch failed"', async () => {
    const pds = createPds();
    // No kept-alive connection: the copy's request must find the port closed, not a stale socket.
    pds.server.prependListener('request', (_req, res) => {
      res.shouldKeepAlive = false;
    });
    await new Promise<void>((r) => pds.server.listen(0, '127.0.0.1', r));
    const port = (pds.server.address() as AddressInfo).port;
    const connected = await postForm(t, admin, '/admin/syndication/bluesky/connect', {
      handle: ME.handle,
      app_password: ME.password,
      service: `http://127.0.0.1:${port}`,
    });
    expect(connected.status).toBe(303);
    // The server goes away before the note is copied.
    pds.server.closeAllConnections();
    await new Promise<void>((r) => pds.server.close(() => r()));
    const account = t.app.services.syndication.listAccounts()[0]!;
    t.notes.createNote({ content: 'Hello while Bluesky is down', commands: { syndicateTo: [account.id] } });
    await t.app.services.runner.drain();
    const copy = t.db.prepare('SELECT last_error FROM syndication_copies').get() as { last_error: string };
    expect(copy.last_error).toMatch(
      new RegExp(
        `^Bluesky com\\.atproto\\.\\S+: could not reach the server: connection refused by 127\\.0\\.0\\.1:${port}$`,
      ),
    );
    expect(copy.last_error).not.toContain('fetch failed');
    const page = await (await t.get('/admin/syndication', { Cookie: admin.cookie })).text();
    expect(page).toContain(`connection refused by 127.0.0.1:${port}`);
  });
});
