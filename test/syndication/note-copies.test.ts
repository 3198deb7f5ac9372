/**
 * Issue #25, items 21 and 22. A note's own page of copies and sent Webmentions, linked from its row
 * on the dashboard and from its editor. Bluesky copies cannot follow edits (a post cannot be
 * edited): the page says so plainly for a copy whose note was edited since, and offers "Update
 * the copy", which deletes the record this site wrote and posts the note again under a key made
 * from the old copy's address (ADR 0013): pressed twice, or retried, it posts once.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createPds, ME } from '../helpers/bluesky.js';

let pds: ReturnType<typeof createPds>;
let service: string;
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
  // Each test starts with an empty repository of our own (the PDS is shared between tests).
  for (const uri of [...pds.records.keys()]) if (uri.startsWith(`at://${ME.did}/`)) pds.records.delete(uri);
  t = createTestApp();
  admin = await signIn(t);
  const connected = await postForm(t, admin, '/admin/syndication/bluesky/connect', {
    handle: ME.handle,
    app_password: ME.password,
    service,
  });
  expect(connected.status).toBe(303);
});
afterEach(() => t.close());

const page = async (path: string) => (await t.get(path, { Cookie: admin.cookie })).text();
const ourPosts = () =>
  [...pds.records.entries()].filter(([uri]) => uri.startsWith(`at://${ME.did}/app.bsky.feed.post/`));

describe("a note's copies and Webmentions", () => {
  it('has its own page, linked from the dashboard row and the editor', async () => {
    const account = t.app.services.syndication.listAccounts()[0]!;
    const note = t.notes.createNote({
      content: 'Copied to Bluesky, see https://elsewhere.example/',
      name: 'Trains',
      commands: { syndicateTo: [account.id] },
    });
    await t.app.services.runner.drain();
    const dash = await page('/admin');
    expect(dash).toContain(
      `<a href="/admin/notes/${note.id}/webmentions" aria-label="Copies and mentions: “Trains”">Copies and mentions</a>`,
    );
    expect(await page(`/admin/edit/${note.id}`)).toContain(
      `<a href="/admin/notes/${note.id}/webmentions">Copies and Webmentions sent</a>`,
    );
    const html = await page(`/admin/notes/${note.id}/webmentions`);
    expect(html).toContain('<h1>Copies and Webmentions</h1>');
    expect(html).toContain('“Trains”');
    expect(html).toContain('<h2 id="copies">Copies elsewhere</h2>');
    expect(html).toContain(`<h3>@${ME.handle} on Bluesky</h3>`);
    const copy = t.app.services.syndication.copiesForNote(note.id)[0]!;
    expect(copy.url).toMatch(/^https:\/\/bsky\.app\/profile\/did:plc:ada\/post\//);
    expect(html).toContain(copy.url!);
    expect(html).toContain('<h2 id="sent">Webmentions sent</h2>');
    // Not edited since: nothing to update.
    expect(html).not.toContain('Update the copy');
    // A note with no copy says how to make one.
    const lone = t.notes.createNote({ content: 'Alone' });
    expect(await page(`/admin/notes/${lone.id}/webmentions`)).toContain(
      'This note has no copy on another service.',
    );
  });

  it('after an edit, says the Bluesky copy keeps its first text, and "Update the copy" posts it again once', async () => {
    const account = t.app.services.syndication.listAccounts()[0]!;
    const note = t.notes.createNote({ content: 'First words', commands: { syndicateTo: [account.id] } });
    await t.app.services.runner.drain();
    const deletesBefore = pds.calls('com.atproto.repo.deleteRecord').length;
    const deletesSince = () => pds.calls('com.atproto.repo.deleteRecord').slice(deletesBefore);
    const [first] = ourPosts();
    expect(ourPosts()).toHaveLength(1);
    expect((first![1].value as { text: string }).text).toContain('First words');

    t.notes.updateNote(note.id, { content: 'Better words' });
    await t.app.services.runner.drain();
    // The edit did not reach Bluesky.
    expect(ourPosts()).toHaveLength(1);
    expect(deletesSince()).toHaveLength(0);
    const html = await page(`/admin/notes/${note.id}/webmentions`);
    expect(html).toContain('Posted, with the text the note had then');
    expect(html).toContain('Bluesky cannot edit a post, so the copy still shows the note as it was.');
    const copyId = t.app.services.syndication.copiesForNote(note.id)[0]!.id;
    expect(html).toContain(`action="/admin/syndication/copies/${copyId}/replace"`);
    expect(html).toContain('data-confirm="Delete the copy on Bluesky and post the note again?');
    // The syndication page says it too.
    expect(await page('/admin/syndication')).toContain('Update the copy');

    const forged = await postForm(t, admin, `/admin/syndication/copies/${copyId}/replace`, {
      _csrf: 'forged',
    });
    expect(forged.status).toBe(403);
    const res = await postForm(t, admin, `/admin/syndication/copies/${copyId}/replace`, { back: 'note' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/notes/${note.id}/webmentions?flash=replacing`);
    // Pressed twice before it ran: still one replacement.
    await postForm(t, admin, `/admin/syndication/copies/${copyId}/replace`, { back: 'note' });
    await t.app.services.runner.drain();

    const deletes = deletesSince();
    expect(deletes).toHaveLength(1);
    // Only the record this site wrote: its CID as swapRecord.
    expect((deletes[0]!.json as { swapRecord: string }).swapRecord).toBe(first![1].cid);
    const now = ourPosts();
    expect(now).toHaveLength(1);
    expect(now[0]![0]).not.toBe(first![0]);
    expect((now[0]![1].value as { text: string }).text).toContain('Better words');
    const copy = t.app.services.syndication.copiesForNote(note.id)[0]!;
    expect(copy.outdated).toBe(false);
    expect(copy.url).toBe(`https://bsky.app/profile/${ME.did}/post/${now[0]![0].split('/').at(-1)}`);
    const after = await page(`/admin/notes/${note.id}/webmentions?flash=replacing`);
    expect(after).toContain('The copy is being posted again with the note as it is now.');
    expect(after).not.toContain('Update the copy');
    // The note's page links the new copy.
    expect(await (await t.get(`/notes/${note.slug}`)).text()).toContain(copy.url!);

    // Asking again with nothing edited since queues nothing: the copy is up to date.
    const again = await postForm(t, admin, `/admin/syndication/copies/${copyId}/replace`, {});
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('There is nothing to update');
    await t.app.services.runner.drain();
    expect(deletesSince()).toHaveLength(1);
  });

  it('refuses to replace a copy of a note that is no longer public, or an unknown copy', async () => {
    const account = t.app.services.syndication.listAccounts()[0]!;
    const note = t.notes.createNote({ content: 'Soon private', commands: { syndicateTo: [account.id] } });
    await t.app.services.runner.drain();
    const copyId = t.app.services.syndication.copiesForNote(note.id)[0]!.id;
    t.notes.updateNote(note.id, { content: 'Soon private', visibility: 'private' });
    await t.app.services.runner.drain();
    const res = await postForm(t, admin, `/admin/syndication/copies/${copyId}/replace`, {});
    expect(res.status).toBe(400);
    expect((await postForm(t, admin, '/admin/syndication/copies/99999/replace', {})).status).toBe(404);
  });
});
