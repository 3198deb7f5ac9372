/**
 * Issue 25 item 12: a note's copies are labelled by service on the note ("Also on Mastodon,
 * Bluesky"), and what Admin → Syndication says about links back to the note is what the copies
 * posted to a loopback Mastodon and a loopback PDS really carry: a shortened copy ends with the
 * note's address, a titled note on Bluesky is its title and the address, a short note is copied
 * whole without a link back, except on Bluesky without photos (a link card to the note).
 */
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMastodonAdapter } from '../../src/syndication/mastodon/adapter.js';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createPds, ME } from '../helpers/bluesky.js';
import { photoLike } from '../helpers/images.js';
import { connectMastodon, type FakeMastodon, startFakeMastodon } from '../helpers/mastodon.js';
import { parseWithMf2py } from '../helpers/settings.js';

let pds: ReturnType<typeof createPds>;
let service: string;
let masto: FakeMastodon;
let t: TestApp;
let admin: Admin;
let token: string;

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
  masto = await startFakeMastodon({ maxCharacters: 120 });
  t = createTestApp();
  t.app.services.syndication.register(createMastodonAdapter({ fetch: globalThis.fetch, pollMs: 5 }));
  admin = await signIn(t);
  token = t.app.services.tokens.mintToken({
    me: t.config.siteUrl,
    clientId: null,
    scope: 'create update delete media',
    expiresInSeconds: null,
  }).token;
});
afterEach(async () => {
  t.close();
  await masto.close();
});

async function publish(props: Record<string, unknown>, targets: string[]): Promise<string> {
  const res = await t.request('/micropub', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: ['h-entry'], properties: { ...props, 'mp-syndicate-to': targets } }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.headers.get('location')!;
}

describe('copies of a note', () => {
  it('are labelled by service on the note, and link back exactly as the admin says', async () => {
    expect((await connectMastodon(t, admin, masto)).status).toBe(303);
    const mastodonUid = `${masto.url}@ada`;
    const connected = await postForm(t, admin, '/admin/syndication/bluesky/connect', {
      handle: ME.handle,
      app_password: ME.password,
      service,
    });
    expect(connected.status).toBe(303);
    const both = [mastodonUid, ME.did];
    const photo = await t.app.services.media.saveUpload({
      bytes: await photoLike(800, 600).jpeg().toBuffer(),
      alt: 'A loom',
    });

    const shortPlain = await publish({ content: ['A short note.'] }, both);
    await t.app.services.runner.drain();
    const shortPhoto = await publish(
      {
        content: ['A short note with a photo.'],
        photo: [{ value: `http://example.test${photo.url}`, alt: 'A loom' }],
      },
      both,
    );
    await t.app.services.runner.drain();
    const long = await publish({ content: [`A long note. ${'Many words here. '.repeat(30)}`] }, both);
    await t.app.services.runner.drain();
    const titled = await publish({ name: ['A titled note'], content: ['Short body.'] }, both);
    await t.app.services.runner.drain();

    const statuses = masto
      .requests('POST', '/api/v1/statuses')
      .map((r) => JSON.parse(r.body.toString()).status as string);
    const posts = pds
      .calls('com.atproto.repo.createRecord')
      .map(
        (c) =>
          (c.json as { record: { text: string; embed?: { $type: string; external?: { uri: string } } } })
            .record,
      );
    expect(statuses).toHaveLength(4);
    expect(posts).toHaveLength(4);

    // A short note: copied whole, no link back on Mastodon; on Bluesky a link card to the note.
    expect(statuses[0]).toBe('A short note.');
    expect(posts[0]!.text).toBe('A short note.');
    expect(posts[0]!.embed).toMatchObject({
      $type: 'app.bsky.embed.external',
      external: { uri: shortPlain },
    });
    // A short note with a photo: no link back on either.
    expect(statuses[1]).toBe('A short note with a photo.');
    expect(posts[1]!.text).toBe('A short note with a photo.');
    expect(posts[1]!.embed?.$type).toBe('app.bsky.embed.images');
    expect(JSON.stringify(posts[1])).not.toContain(shortPhoto);
    // A shortened copy ends with the note's address, on both.
    expect(statuses[2]!.endsWith(`…\n\n${long}`)).toBe(true);
    expect(posts[2]!.text.endsWith(long)).toBe(true);
    // A titled note: on Bluesky its title and address; on Mastodon title and text, whole.
    expect(posts[3]!.text).toBe(`A titled note\n\n${titled}`);
    expect(statuses[3]).toBe('A titled note\n\nShort body.');

    // The admin says just that, and no longer that every copy links back.
    const adminPage = (await (await t.get('/admin/syndication', { Cookie: admin.cookie })).text()).replace(
      /\s+/g,
      ' ',
    );
    expect(adminPage).not.toContain('Each copy links back to the note');
    expect(adminPage).toContain('A copy that had to be shortened ends with a link back to the note');
    expect(adminPage).toContain(
      'A short note is copied whole, without a link back, except on Bluesky when it has no photos',
    );

    // On the note: "Also on Mastodon, Bluesky", each a u-syndication link named by its service.
    const html = await (await t.get(new URL(shortPlain).pathname)).text();
    const copies = t.app.services.syndication.copiesForNote(
      t.notes.getNoteBySlug(new URL(shortPlain).pathname.split('/').pop()!)!.id,
    );
    const byService = new Map(copies.map((c) => [c.service, c.url]));
    expect(html).toContain(
      `<span class="copies">Also on <a class="u-syndication" href="${byService.get('mastodon')}" rel="syndication">Mastodon</a>, <a class="u-syndication" href="${byService.get('bluesky')}" rel="syndication">Bluesky</a></span>`,
    );
    const mf = parseWithMf2py(html, shortPlain);
    const entry = mf.items.find((i) => i.type.includes('h-entry'))!;
    expect(entry.properties.syndication).toEqual([byService.get('mastodon'), byService.get('bluesky')]);
  });
});
