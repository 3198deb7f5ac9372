/**
 * W3C Webmention §3.2.1 Request Verification: what is refused at once, with a 400 and a JSON reason,
 * before anything is stored or fetched.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { publishNote, sendWebmention } from '../helpers/webmention.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

const SOURCE = 'https://alice.example/reply';

async function expect400(res: Response, pattern: RegExp): Promise<void> {
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: string; error_description: string };
  expect(body.error).toBe('invalid_request');
  expect(body.error_description).toMatch(pattern);
}

function nothingStored(): void {
  expect(t.app.services.webmentionsReceived.store.listBatch(0, 10)).toEqual([]);
  // Nothing was queued to verify (the note itself queued its own sending plan).
  expect(t.app.services.jobs.list({ kind: 'webmention.verify' })).toEqual([]);
}

describe('POST /webmention refuses at once (§3.2.1)', () => {
  it.each([
    ['a source that is not a URL', 'not a url', 'NOTE', /source is not a valid URL/],
    ['a target that is not a URL', SOURCE, 'notes/x', /target is not a valid URL/],
    ['a source of another scheme', 'ftp://alice.example/x', 'NOTE', /source must be an http or https URL/],
    ['a javascript: source', 'javascript:alert(1)', 'NOTE', /source must be an http or https URL/],
    ['a target of another scheme', SOURCE, 'mailto:ada@example.test', /target must be an http or https URL/],
    ['a source with a password', 'https://u:p@alice.example/x', 'NOTE', /user name or password/],
    ['a source equal to the target', 'NOTE', 'NOTE', /different/],
    ['a source equal to the target but for its fragment', 'NOTE#x', 'NOTE', /different/],
    ['a target on another site', SOURCE, 'https://other.example/notes/x', /not a page of this site/],
    [
      'a target on this host with another scheme',
      SOURCE,
      'https://example.test/notes/NOTESLUG',
      /not a page of this site/,
    ],
    ['the home page', SOURCE, 'http://example.test/', /not a page of this site/],
    ['a tag page', SOURCE, 'http://example.test/tag/x', /not a page of this site/],
    ['a note that does not exist', SOURCE, 'http://example.test/notes/nope', /not a page of this site/],
    ['a note URL with a bad escape', SOURCE, 'http://example.test/notes/%E0%A4%A', /not a page of this site/],
  ])('%s', async (_, source, target, pattern) => {
    const note = publishNote(t, 'Hello', 'hello');
    const fill = (s: string) => s.replace('NOTESLUG', note.slug).replace('NOTE', note.url);
    await expect400(await sendWebmention(t, fill(source), fill(target)), pattern);
    nothingStored();
  });

  it.each([
    ['a draft', { published: false }],
    ['a private note', { visibility: 'private' as const }],
    ['a scheduled note', { publishedAt: new Date('2030-01-01T00:00:00Z') }],
  ])('a target that is %s, exactly like one that does not exist', async (_, input) => {
    const hidden = t.notes.createNote({ content: 'secret', slug: 'hidden', ...input });
    const res = await sendWebmention(t, SOURCE, `http://example.test/notes/${hidden.slug}`);
    await expect400(res, /not a page of this site/);
    nothingStored();
  });

  it('a note in the trash', async () => {
    const note = publishNote(t, 'Soon gone', 'gone');
    t.notes.trashNote(note.id);
    await expect400(await sendWebmention(t, SOURCE, note.url), /not a page of this site/);
  });

  it('missing, empty or repeated parameters', async () => {
    const note = publishNote(t);
    const post = (body: string) =>
      t.request('/webmention', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
      });
    await expect400(await post(''), /source is required/);
    await expect400(await post(`source=${encodeURIComponent(SOURCE)}`), /target is required/);
    await expect400(await post(`source=&target=${encodeURIComponent(note.url)}`), /source is required/);
    await expect400(
      await post(
        `source=${encodeURIComponent(SOURCE)}&source=https%3A%2F%2Fb.example%2F&target=${encodeURIComponent(note.url)}`,
      ),
      /more than once/,
    );
    await expect400(
      await post(`source=${'x'.repeat(3000)}&target=${encodeURIComponent(note.url)}`),
      /at most 2048/,
    );
    nothingStored();
  });

  it('a body that is not form-encoded is 415; one over 64 KB is 413', async () => {
    const note = publishNote(t);
    const json = await t.request('/webmention', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ source: SOURCE, target: note.url }),
    });
    expect(json.status).toBe(415);
    expect(await json.json()).toMatchObject({ error: 'unsupported_media_type' });
    const huge = await t.request('/webmention', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `source=${encodeURIComponent(SOURCE)}&target=${encodeURIComponent(note.url)}&pad=${'x'.repeat(70 * 1024)}`,
    });
    expect(huge.status).toBe(413);
    nothingStored();
  });
});
