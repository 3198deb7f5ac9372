/**
 * The admin page of a note's sent Webmentions: what was sent to whom with what result (endpoint,
 * HTTP status, time, attempts, last error), and "send again" for one target or all of them.
 */
import type http from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startReceiver } from './receiver.js';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
let rx: Receiver;
let failing = true;
let t: TestApp;
let admin: Admin;

beforeAll(async () => {
  rx = await startReceiver((name, _req, res: http.ServerResponse) => {
    if (name !== 'flaky' || !failing) return false;
    res.writeHead(503, { 'Retry-After': '120' });
    res.end();
    return true;
  });
});
afterAll(() => rx.close());
beforeEach(async () => {
  rx.reset();
  failing = true;
  t = createTestApp({ ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' }, '2026-11-27T12:00:00.000Z', {
    safeFetch: true,
  });
  admin = await signIn(t);
});
afterEach(() => t.close());

async function noteWithSends() {
  const note = t.notes.createNote({
    content: `[ok](${rx.page('ok')}) [flaky](${rx.page('flaky')}) [none](${rx.url}nowhere)`,
  });
  await t.app.services.runner.drain();
  return note;
}

describe('GET /admin/notes/:id/webmentions', () => {
  it('lists each target with endpoint, status, time, attempts and the last error', async () => {
    const note = await noteWithSends();
    const res = await t.get(`/admin/notes/${note.id}/webmentions`, { Cookie: admin.cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<h1>Copies and Webmentions</h1>');
    expect(html).toContain('<h2 id="sent">Webmentions sent</h2>');
    expect(html).toContain(rx.page('ok'));
    expect(html).toContain(`${rx.url}wm/ok`);
    expect(html).toContain('Sent: HTTP 202');
    expect(html).toContain('27 Nov 2026');
    expect(html).toContain('Failed (HTTP 503), will try again');
    expect(html).toContain('the endpoint answered HTTP 503');
    expect(html).toMatch(/1 of 10; next try/);
    // The page of `none` answered 404: not retried.
    expect(html).toContain('the target answered HTTP 404');
  });

  it('is linked from the note editor', async () => {
    const note = await noteWithSends();
    const html = await (await t.get(`/admin/edit/${note.id}`, { Cookie: admin.cookie })).text();
    expect(html).toContain(`href="/admin/notes/${note.id}/webmentions"`);
  });

  it('says when a note sent nothing, and 404s for a note that does not exist', async () => {
    const note = t.notes.createNote({ content: 'No links.' });
    const html = await (await t.get(`/admin/notes/${note.id}/webmentions`, { Cookie: admin.cookie })).text();
    expect(html).toContain('This note has not sent any Webmention.');
    for (const id of ['999999', 'abc', '1e3']) {
      const res = await t.get(`/admin/notes/${id}/webmentions`, { Cookie: admin.cookie });
      expect(res.status, id).toBe(404);
      expect(res.headers.get('content-type')).toContain('text/html');
    }
  });
});

describe('POST /admin/notes/:id/webmentions/resend', () => {
  it('sends one target again at once, without waiting for its backoff', async () => {
    const note = await noteWithSends();
    failing = false;
    rx.reset();
    const res = await postForm(t, admin, `/admin/notes/${note.id}/webmentions/resend`, {
      target: rx.page('flaky'),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/notes/${note.id}/webmentions?flash=resent`);
    // The queue's retry makes it due now (the 503 asked for two minutes).
    await t.app.services.runner.drain();
    expect(rx.received.map((r) => r.page)).toEqual(['flaky']);
    const flaky = t.app.services.webmentionsSent
      .listForNote(note.id)
      .find((w) => w.target === rx.page('flaky'))!;
    expect(flaky).toMatchObject({ outcome: 'sent', status: 202, job: { state: 'done', attempts: 1 } });
  });

  it('"send all again" re-sends every target, even those already sent', async () => {
    const note = await noteWithSends();
    failing = false;
    rx.reset();
    const res = await postForm(t, admin, `/admin/notes/${note.id}/webmentions/resend`, {});
    expect(res.status).toBe(303);
    await t.app.services.runner.drain();
    expect(rx.received.map((r) => r.page).sort()).toEqual(['flaky', 'ok']);
    const page = await (
      await t.get(`/admin/notes/${note.id}/webmentions?flash=resent`, { Cookie: admin.cookie })
    ).text();
    expect(page).toContain('Queued to be sent again.');
  });

  it('refuses a target the note never sent to with a readable 400', async () => {
    const note = await noteWithSends();
    const res = await postForm(t, admin, `/admin/notes/${note.id}/webmentions/resend`, {
      target: 'https://elsewhere.example/',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('This note has not sent anything to that address.');
  });
});
