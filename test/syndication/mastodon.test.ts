/**
 * Mastodon syndication end to end against a loopback server that speaks the documented endpoints:
 * connecting (apps, OAuth authorize/token), posting with Micropub mp-syndicate-to (instance limit,
 * media v2 with asynchronous processing and alt text, Idempotency-Key, Authorization), replies
 * threaded, edits and deletes propagated, 429 Retry-After respected, a permanent failure shown
 * with its remote error and retried from the admin.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installationId } from '../../src/db/store/installation.js';
import { createMastodonAdapter } from '../../src/syndication/mastodon/adapter.js';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { photoLike } from '../helpers/images.js';
import { connectMastodon, type FakeMastodon, startFakeMastodon } from '../helpers/mastodon.js';

let t: TestApp;
let admin: Admin;
let masto: FakeMastodon;
let token: string;

async function micropub(body: unknown): Promise<Response> {
  return t.request('/micropub', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function statusPosts() {
  return masto.requests('POST', '/api/v1/statuses');
}

async function connectAndUid(): Promise<string> {
  const res = await connectMastodon(t, admin, masto);
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/admin/syndication?flash=connected');
  return `${masto.url}@ada`;
}

beforeEach(async () => {
  masto = await startFakeMastodon({ maxCharacters: 120 });
  t = createTestApp();
  // Media processing is polled every second in production; a few milliseconds here.
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

describe('Mastodon syndication', () => {
  it('connects through OAuth, stores the token sealed, and lists the account in q=config and q=syndicate-to', async () => {
    const uid = await connectAndUid();
    const apps = masto.requests('POST', '/api/v1/apps');
    expect(apps).toHaveLength(1);
    const registered = new URLSearchParams(apps[0]!.body.toString());
    expect(registered.get('redirect_uris')).toBe('http://example.test/admin/syndication/mastodon/callback');
    expect(registered.get('scopes')).toBe('read write');
    const tokenReq = new URLSearchParams(masto.requests('POST', '/oauth/token')[0]!.body.toString());
    expect(tokenReq.get('grant_type')).toBe('authorization_code');
    expect(tokenReq.get('client_secret')).toMatch(/^secret-/);

    // At rest: no token in clear anywhere in the row.
    const [remoteToken] = [...masto.tokens];
    const row = t.db.prepare('SELECT * FROM syndication_accounts').get() as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain(remoteToken);
    expect(String(row.secrets)).toMatch(/^v1\./);

    const target = {
      uid,
      name: `@ada@${new URL(masto.url).host} on Mastodon`,
      service: { name: 'Mastodon', url: masto.url },
      user: { name: 'Ada L.', url: uid, photo: `${masto.url}avatars/ada.png` },
    };
    const q = await t.get('/micropub?q=syndicate-to', { Authorization: `Bearer ${token}` });
    expect(await q.json()).toEqual({ 'syndicate-to': [target] });
    const config = (await (
      await t.get('/micropub?q=config', { Authorization: `Bearer ${token}` })
    ).json()) as Record<string, unknown>;
    expect(config['syndicate-to']).toEqual([target]);
  });

  it('a callback with a state it never issued is refused with a readable 400', async () => {
    await connectAndUid();
    const res = await t.get('/admin/syndication/mastodon/callback?state=forged&code=x', {
      Cookie: admin.cookie,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('unknown or expired');
  });

  it('posts the note with its photo (alt text, async processing), the idempotency key and the token; u-syndication and q=source show the copy', async () => {
    const uid = await connectAndUid();
    const jpeg = await photoLike(64, 48).jpeg().toBuffer();
    const form = new FormData();
    form.set('h', 'entry');
    form.set('content', 'Hello from my own site');
    form.set('mp-syndicate-to', uid);
    form.append('photo', new Blob([jpeg], { type: 'image/jpeg' }), 'p.jpg');
    const created = await t.request('/micropub', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: form,
    });
    expect(created.status).toBe(201);
    const noteUrl = created.headers.get('location')!;
    // Alt text comes with the note's photo property: set it by an update (Micropub photo with alt).
    const note = t.notes.listForAdmin('all', 1, 0)[0]!;
    const photoUrl = note.photos[0]!.url;
    const upd = await micropub({
      action: 'update',
      url: noteUrl,
      replace: { photo: [{ value: photoUrl, alt: 'A gradient, blue to red' }] },
    });
    expect(upd.status).toBe(204);

    await t.app.services.runner.drain();
    const uploads = masto.requests('POST', '/api/v2/media');
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.headers.authorization).toBe(`Bearer ${[...masto.tokens][0]}`);
    const m = [...masto.media.values()][0]!;
    expect(m.description).toBe('A gradient, blue to red');
    expect(m.type).toBe('image/jpeg');
    expect(m.bytes).toBeGreaterThan(100);
    expect(masto.requests('GET', `/api/v1/media/${m.id}`).length).toBeGreaterThanOrEqual(2);

    const posts = statusPosts();
    expect(posts).toHaveLength(1);
    // Unique to this installation: another site's note 1 on the same account has another key.
    expect(posts[0]!.headers['idempotency-key']).toBe(`syndicate:${installationId(t.db)}:${note.id}:1`);
    expect(posts[0]!.headers.authorization).toMatch(/^Bearer token-/);
    const sent = JSON.parse(posts[0]!.body.toString());
    expect(sent).toEqual({ status: 'Hello from my own site', media_ids: [m.id], visibility: 'public' });

    const copy = t.app.services.syndication.copiesForNote(note.id)[0]!;
    expect(copy.state).toBe('posted');
    const page = await (await t.get(new URL(noteUrl).pathname)).text();
    expect(page).toContain(`<a class="u-syndication" href="${copy.url}" rel="syndication">`);
    const source = (await (
      await t.get(`/micropub?q=source&url=${encodeURIComponent(noteUrl)}`, {
        Authorization: `Bearer ${token}`,
      })
    ).json()) as {
      properties: Record<string, unknown[]>;
    };
    expect(source.properties.syndication).toEqual([copy.url]);

    // Asking again (a client retrying its request) posts nothing more.
    expect(
      (await micropub({ action: 'update', url: noteUrl, add: { 'mp-syndicate-to': [uid] } })).status,
    ).toBe(204);
    await t.app.services.runner.drain();
    expect(statusPosts()).toHaveLength(1);
  });

  it('shortens a note longer than the server limit and links back; threads a reply to a status of that server', async () => {
    const uid = await connectAndUid();
    const parent = masto.addStatus('the original');
    const long = 'word '.repeat(60).trim();
    const res = await micropub({
      type: ['h-entry'],
      properties: { content: [long], 'in-reply-to': [parent], 'mp-syndicate-to': [uid] },
    });
    expect(res.status).toBe(201);
    const noteUrl = res.headers.get('location')!;
    await t.app.services.runner.drain();
    const sent = JSON.parse(statusPosts()[0]!.body.toString()) as { status: string; in_reply_to_id?: string };
    expect(sent.status.endsWith(`…\n\n${noteUrl}`)).toBe(true);
    expect([...sent.status].length - noteUrl.length + 23).toBeLessThanOrEqual(120);
    expect(sent.in_reply_to_id).toBe(new URL(parent).pathname.split('/').pop());
    expect(masto.requests('GET', '/api/v2/search')[0]!.path).toContain('resolve=true');
  });

  it('an older server without /api/v2/instance: the limit comes from /api/v1/instance', async () => {
    await masto.close();
    masto = await startFakeMastodon({ maxCharacters: 60, noV2Instance: true });
    const uid = await connectAndUid();
    const res = await micropub({
      type: ['h-entry'],
      properties: { content: ['many words '.repeat(10).trim()], 'mp-syndicate-to': [uid] },
    });
    await t.app.services.runner.drain();
    const sent = JSON.parse(statusPosts()[0]!.body.toString()) as { status: string };
    expect(masto.requests('GET', '/api/v1/instance')).toHaveLength(1);
    expect(sent.status.endsWith(`…\n\n${res.headers.get('location')}`)).toBe(true);
    expect(t.app.services.syndication.copiesForNote(1)[0]!.state).toBe('posted');
  });

  it('an edit of the note edits the status (PUT); a delete deletes it', async () => {
    const uid = await connectAndUid();
    const res = await micropub({
      type: ['h-entry'],
      properties: { content: ['First words'], 'mp-syndicate-to': [uid] },
    });
    const noteUrl = res.headers.get('location')!;
    await t.app.services.runner.drain();
    const status = [...masto.statuses.values()].find((s) => s.status === 'First words')!;

    expect(
      (await micropub({ action: 'update', url: noteUrl, replace: { content: ['Better words'] } })).status,
    ).toBe(204);
    await t.app.services.runner.drain();
    expect(masto.requests('PUT', `/api/v1/statuses/${status.id}`)).toHaveLength(1);
    expect(status.status).toBe('Better words');

    expect((await micropub({ action: 'delete', url: noteUrl })).status).toBe(204);
    await t.app.services.runner.drain();
    expect(masto.requests('DELETE', `/api/v1/statuses/${status.id}`)).toHaveLength(1);
    expect(status.deleted).toBe(true);
    const note = t.notes.listForAdmin('all', 5, 0).find((n) => n.id) ?? t.notes.getNoteById(1)!;
    expect(t.app.services.syndication.copiesForNote(note.id)[0]!.state).toBe('removed');
  });

  it('a 429 waits as long as Retry-After says, then posts once', async () => {
    const uid = await connectAndUid();
    masto.control.rateLimited = 1;
    masto.control.retryAfter = '600';
    await micropub({ type: ['h-entry'], properties: { content: ['Patience'], 'mp-syndicate-to': [uid] } });
    await t.app.services.runner.drain();
    const [copy] = t.app.services.syndication.copiesForNote(1);
    expect(copy!.state).toBe('queued');
    expect(copy!.lastError).toContain('429');
    expect(copy!.job!.runAt.getTime() - t.clock.now().getTime()).toBeGreaterThanOrEqual(600_000);
    // Not before the server said so.
    t.clock.advance(300_000);
    expect(await t.app.services.runner.drain()).toBe(0);
    t.clock.advance(600_000);
    expect(await t.app.services.runner.drain()).toBe(1);
    expect(statusPosts()).toHaveLength(2);
    expect(masto.statuses.size).toBe(1);
    expect(t.app.services.syndication.copiesForNote(1)[0]!.state).toBe('posted');
  });

  it('a permanent failure shows the remote error and a Retry button; Retry posts it', async () => {
    const uid = await connectAndUid();
    const [live] = [...masto.tokens];
    masto.tokens.clear(); // the person revoked the app on the server
    await micropub({ type: ['h-entry'], properties: { content: ['Will fail'], 'mp-syndicate-to': [uid] } });
    await t.app.services.runner.drain();
    const [copy] = t.app.services.syndication.copiesForNote(1);
    expect(copy!.state).toBe('failed');
    const page = await (await t.get('/admin/syndication', { Cookie: admin.cookie })).text();
    expect(copy!.lastError).toBe(
      `${new URL(masto.url).host} answered 401 to POST /api/v1/statuses: The access token is invalid`,
    );
    expect(page).toContain('Failed for good');
    expect(page).toContain('answered 401 to POST /api/v1/statuses');
    expect(page).toContain('The access token is invalid');
    expect(page).toContain(`action="/admin/syndication/copies/${copy!.id}/retry"`);

    masto.tokens.add(live!);
    const retried = await postForm(t, admin, `/admin/syndication/copies/${copy!.id}/retry`, {});
    expect(retried.status).toBe(303);
    expect(await t.app.services.runner.drain()).toBe(1);
    expect(t.app.services.syndication.copiesForNote(1)[0]!.state).toBe('posted');
  });

  it('the editor shows one checkbox per account, ticked by its default; a ticked box queues the copy', async () => {
    await connectAndUid();
    const account = t.app.services.syndication.listAccounts()[0]!;
    const box = (html: string) =>
      new RegExp(`<input type="checkbox" name="syndicate_to" value="${account.id}"( checked="")?`).exec(html);
    expect(box(await (await t.get('/admin/new', { Cookie: admin.cookie })).text())?.[1]).toBeUndefined();
    expect(
      (await postForm(t, admin, `/admin/syndication/accounts/${account.id}/default`, { on: '1' })).status,
    ).toBe(303);
    expect(box(await (await t.get('/admin/new', { Cookie: admin.cookie })).text())?.[1]).toBe(' checked=""');

    const saved = await postForm(t, admin, '/admin/new', {
      content: 'From the editor',
      status: 'publish',
      visibility: 'public',
      syndicate_to: String(account.id),
    });
    expect(saved.status).toBe(303);
    await t.app.services.runner.drain();
    expect([...masto.statuses.values()].map((s) => s.status)).toEqual(['From the editor']);
    // Saved without the box ticked: no copy.
    await postForm(t, admin, '/admin/new', { content: 'Only here', status: 'publish', visibility: 'public' });
    await t.app.services.runner.drain();
    expect(masto.statuses.size).toBe(1);
  });

  it('an unknown mp-syndicate-to target is a 400 and creates no note', async () => {
    await connectAndUid();
    const res = await micropub({
      type: ['h-entry'],
      properties: { content: ['x'], 'mp-syndicate-to': ['https://nowhere.example/@x'] },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    expect(t.notes.listForAdmin('all', 5, 0)).toHaveLength(0);
  });
});
