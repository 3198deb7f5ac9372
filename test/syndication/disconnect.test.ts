/**
 * Issue 20, defect 7: disconnecting an account left its queued copies retrying for hours (the
 * admin kept saying "Posting: failed, will try again …" against an account that was gone).
 * Disconnecting now cancels that account's queued work at once — copies waiting or between
 * retries — leaves other accounts' work alone, and the admin says how many were cancelled.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createPds, ME } from '../helpers/bluesky.js';
import { connectMastodon, type FakeMastodon, startFakeMastodon } from '../helpers/mastodon.js';

let pds: ReturnType<typeof createPds>;
let service: string;
let masto: FakeMastodon;
let t: TestApp;
let admin: Admin;

beforeAll(async () => {
  pds = createPds();
  await new Promise<void>((r) => pds.server.listen(0, '127.0.0.1', r));
  service = `http://127.0.0.1:${(pds.server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((r) => {
      pds.server.closeAllConnections();
      pds.server.close(() => r());
    }),
);
beforeEach(async () => {
  masto = await startFakeMastodon();
  t = createTestApp();
  admin = await signIn(t);
  expect((await connectMastodon(t, admin, masto)).status).toBe(303);
  const bsky = await postForm(t, admin, '/admin/syndication/bluesky/connect', {
    handle: ME.handle,
    app_password: ME.password,
    service,
  });
  expect(bsky.status).toBe(303);
});
afterEach(async () => {
  t.close();
  await masto.close();
});

/** The one-time cookie a response sets for the next page, as a Cookie header value. */
function flashCookie(res: Response): string | undefined {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('starpunk_disconnected='));
  return set?.split(';')[0];
}

describe('disconnecting an account', () => {
  it('cancels its queued and retrying copies, keeps the other account’s, and says how many', async () => {
    const syndication = t.app.services.syndication;
    const [mastodon, bluesky] = syndication.listAccounts();
    expect(mastodon!.service).toBe('mastodon');
    // Mastodon is rate-limited for an hour: the first copy fails once and waits to retry.
    masto.control.rateLimited = 100;
    masto.control.retryAfter = '3600';
    const first = t.notes.createNote({ content: 'Retrying for an hour' });
    syndication.request(first.id, [mastodon!.id]);
    await t.app.services.runner.drain();
    const retrying = syndication.copiesForNote(first.id)[0]!;
    expect(retrying.job).toMatchObject({ state: 'queued', attempts: 1 });
    // A second copy waits its first turn; the Bluesky copy of that note is not Mastodon's business.
    const second = t.notes.createNote({ content: 'Waiting in the queue' });
    syndication.request(second.id, [mastodon!.id, bluesky!.id]);

    const res = await postForm(t, admin, `/admin/syndication/accounts/${mastodon!.id}/disconnect`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/syndication?flash=disconnected');
    const cookie = flashCookie(res);
    expect(cookie).toBeDefined();
    const page = await t.get('/admin/syndication?flash=disconnected', {
      Cookie: `${admin.cookie}; ${cookie}`,
    });
    const html = await page.text();
    expect(html).toContain('Account disconnected; 2 queued copies cancelled.');
    expect(html).not.toContain('will try again');
    expect(html.match(/<dd>Cancelled<\/dd>/g)).toHaveLength(2);
    // Shown once: a reload says only that the account was disconnected.
    const reload = await (
      await t.get('/admin/syndication?flash=disconnected', { Cookie: admin.cookie })
    ).text();
    expect(reload).toContain('Account disconnected.');
    expect(reload).not.toContain('queued copies cancelled');

    const mastodonJobs = t.app.services.jobs
      .list({ kind: 'syndicate.post' })
      .filter((j) => (j.payload as { accountId: number }).accountId === mastodon!.id);
    expect(mastodonJobs.map((j) => j.state)).toEqual(['cancelled', 'cancelled']);
    for (const n of [first, second]) {
      const copy = syndication.copiesForNote(n.id).find((c) => c.service === 'mastodon')!;
      expect(copy.state).toBe('failed');
      expect(copy.account).toBeUndefined();
    }

    // Hours later nothing is tried against Mastodon; the Bluesky copy was posted as asked.
    const before = masto.requests('POST', '/api/v1/statuses').length;
    t.clock.advance(6 * 3600_000);
    await t.app.services.runner.drain();
    expect(masto.requests('POST', '/api/v1/statuses')).toHaveLength(before);
    expect(syndication.copiesForNote(second.id).find((c) => c.service === 'bluesky')!.state).toBe('posted');
  });

  it('with nothing queued, says that nothing was cancelled; an unknown account is a 404', async () => {
    const [mastodon] = t.app.services.syndication.listAccounts();
    const res = await postForm(t, admin, `/admin/syndication/accounts/${mastodon!.id}/disconnect`, {});
    expect(res.status).toBe(303);
    const cookie = flashCookie(res);
    expect(cookie).toBeDefined();
    const html = await (
      await t.get('/admin/syndication?flash=disconnected', { Cookie: `${admin.cookie}; ${cookie}` })
    ).text();
    // The owner is told plainly that no queued work was waiting (not left to wonder).
    expect(html).toContain(
      'Account disconnected; no queued copies to cancel. Copies already posted stay where they are.',
    );
    // Shown once: a reload has the plain message.
    const reload = await (
      await t.get('/admin/syndication?flash=disconnected', { Cookie: admin.cookie })
    ).text();
    expect(reload).toContain('Account disconnected. Copies already posted stay where they are.');
    expect(reload).not.toContain('no queued copies');
    const again = await postForm(t, admin, `/admin/syndication/accounts/${mastodon!.id}/disconnect`, {});
    expect(again.status).toBe(404);
  });
});
