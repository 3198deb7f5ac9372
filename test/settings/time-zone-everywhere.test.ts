/**
 * Issue #20, defect 6: the site time zone holds wherever a person reads a date, not only on notes.
 * With Europe/Berlin set, something that happened at 23:30 UTC on 7 December happened at 00:30 CET
 * on 8 December: replies and mentions under a note, the received and sent Webmention lists, the
 * media library, sessions, tokens, syndication retries and the health page all say so. Machine
 * readable times (datetime attributes, mf2 dt-published) stay exact UTC instants.
 */
import type http from 'node:http';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMastodonAdapter } from '../../src/syndication/mastodon/adapter.js';
import { type Admin, postForm, postMultipart, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { connectMastodon, startFakeMastodon } from '../helpers/mastodon.js';
import { saveSettings } from '../helpers/settings.js';
import {
  approveAll,
  createWebmentionApp,
  drain,
  publishNote,
  type SourceSite,
  sendWebmention,
  startSourceSite,
} from '../helpers/webmention.js';
import { startReceiver } from '../webmention/receiver.js';

// The morning before: the note, the sign-in and the settings happen at a time no check looks for.
const MORNING = '2026-12-07T10:00:00.000Z';
// The moment each check is about, and how it reads in Berlin (and would wrongly read in UTC).
const LATE = '2026-12-07T23:30:00.000Z';
const BERLIN = '8 Dec 2026, 00:30 CET';
const UTC = '7 Dec 2026, 23:30 UTC';

let t: TestApp;
let admin: Admin;
let alice: SourceSite;
let rx: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  alice = await startSourceSite('alice.example');
  // A Webmention receiver whose endpoint asks to be tried again in two minutes.
  rx = await startReceiver((_name, _req, res: http.ServerResponse) => {
    res.writeHead(503, { 'Retry-After': '120' });
    res.end();
    return true;
  });
});
afterAll(async () => {
  await alice.remote.close();
  await rx.close();
});
afterEach(() => t.close());

/** The app, signed in, with Europe/Berlin saved through the settings form; the clock then at LATE. */
async function berlin(app: TestApp): Promise<void> {
  t = app;
  admin = await signIn(t);
  expect((await saveSettings(t, admin, { time_zone: 'Europe/Berlin' })).status).toBe(303);
}

async function adminPage(path: string): Promise<string> {
  const res = await t.get(path, { Cookie: admin.cookie });
  expect(res.status).toBe(200);
  return res.text();
}

describe('Europe/Berlin shown everywhere a date is read', () => {
  it('replies and mentions under a note, and the received Webmentions list', async () => {
    await berlin(createWebmentionApp([alice], {}));
    t.clock.set(MORNING);
    const note = publishNote(t, 'A note to answer', 'answered');
    const dated = (cls: string, prop: string) => `<!doctype html><title>x</title>
<article class="h-entry"><span class="p-author h-card"><a class="u-url p-name" href="/">Alice</a></span>
<a class="${prop}" href="${note.url}">this</a>
<time class="dt-published" datetime="${LATE.replace('.000', '')}">late</time>
<div class="e-content">${cls}</div></article>`;
    alice.pages.set('/reply', { body: dated('A reply', 'u-in-reply-to') });
    alice.pages.set('/mention', { body: dated(`A mention of <a href="${note.url}">it</a>`, 'u-url') });
    // Received at 23:30 UTC, through the real endpoint.
    t.clock.set(LATE);
    for (const path of ['/reply', '/mention']) {
      expect((await sendWebmention(t, alice.url(path), note.url)).status).toBe(201);
    }
    await drain(t);

    const pending = await adminPage('/admin/webmentions?status=pending');
    expect(pending).toContain(`received ${BERLIN}`);
    expect(pending).not.toContain(UTC);

    approveAll(t);
    const html = await (await t.get('/notes/answered')).text();
    const times = [...html.matchAll(/<time class="dt-published" datetime="([^"]+)">([^<]*)<\/time>/g)];
    const responses = times.filter((m) => m[1] === LATE);
    expect(responses.map((m) => m[2])).toEqual([BERLIN, BERLIN]);
    expect(html).not.toContain(UTC);
  });

  it('the sent Webmentions of a note: attempted, sent and next try', async () => {
    await berlin(
      createTestApp({ ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' }, MORNING, {
        safeFetch: true,
      }),
    );
    t.clock.set(LATE);
    const note = t.notes.createNote({ content: `[flaky](${rx.page('flaky')})` });
    await t.app.services.runner.drain();
    const html = await adminPage(`/admin/notes/${note.id}/webmentions`);
    expect(html).toContain(`<dd>${BERLIN}</dd>`);
    // The endpoint asked for two minutes.
    expect(html).toContain('next try 8 Dec 2026, 00:32 CET');
    expect(html).not.toContain(UTC);
    expect(html).not.toContain('23:32 UTC');
  });

  it('the media library', async () => {
    await berlin(createTestApp({}, MORNING));
    t.clock.set(LATE);
    const form = new FormData();
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    form.set('file', new File([new Uint8Array(png)], 'late.png', { type: 'image/png' }));
    form.set('alt', 'A late picture');
    expect((await postMultipart(t, admin, '/admin/media', form)).status).toBe(303);
    const html = await adminPage('/admin/media');
    expect(html).toContain(BERLIN);
    expect(html).not.toContain(UTC);
  });

  it('sessions and access tokens', async () => {
    await berlin(createTestApp({}, MORNING));
    t.clock.set(LATE);
    // A second sign-in and a token minted by hand at 23:30 UTC.
    await signIn(t);
    const minted = await postForm(t, admin, '/admin/tokens', { client_id: 'Late client', scope: 'create' });
    expect(minted.status).toBe(303);
    const sessions = await adminPage('/admin/sessions');
    expect(sessions).toContain(`<td data-label="Signed in">${BERLIN}</td>`);
    expect(sessions).not.toContain(UTC);
    const tokens = await adminPage('/admin/tokens');
    expect(tokens).toContain(`<td data-label="Issued">${BERLIN}</td>`);
    expect(tokens).toContain(`issued ${BERLIN}`);
    expect(tokens).not.toContain(UTC);
  });

  it('a syndicated copy waiting to be tried again', async () => {
    const masto = await startFakeMastodon();
    try {
      await berlin(createTestApp({}, MORNING));
      t.app.services.syndication.register(createMastodonAdapter({ fetch: globalThis.fetch, pollMs: 5 }));
      expect((await connectMastodon(t, admin, masto)).status).toBe(303);
      const token = t.app.services.tokens.mintToken({
        me: t.config.siteUrl,
        clientId: null,
        scope: 'create',
        expiresInSeconds: null,
      }).token;
      t.clock.set(LATE);
      // The server answers 429 and asks for two minutes.
      masto.control.rateLimited = 1;
      masto.control.retryAfter = '120';
      const res = await t.request('/micropub', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          type: ['h-entry'],
          properties: { content: ['Copied late'], 'mp-syndicate-to': [`${masto.url}@ada`] },
        }),
      });
      expect(res.status).toBe(201);
      await t.app.services.runner.drain();
      const html = await adminPage('/admin/syndication');
      expect(html).toContain('will try again 8 Dec 2026, 00:32 CET');
      expect(html).not.toContain('23:32 UTC');
    } finally {
      await masto.close();
    }
  });

  it('the health page: when each migration was applied', async () => {
    await berlin(createTestApp({}, MORNING));
    // The migrations ran at the real time of the test; one is dated 23:30 UTC here.
    t.db.prepare("UPDATE schema_migrations SET applied_at = ? WHERE migration_name LIKE '001_%'").run(LATE);
    const html = await adminPage('/admin/health');
    expect(html).toContain(`001_add_code_verifier_to_auth_state.sql</code>: applied (${BERLIN})`);
    expect(html).not.toContain(LATE);
  });
});
