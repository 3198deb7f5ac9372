import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

// Issue #13, LOW 5: /tag/<tag> answered 200 for a tag only hidden notes carry and 404 for an
// unknown one, so anyone could test which tags the owner's drafts and private notes use.

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
  t.notes.createNote({ content: 'A public note', tags: ['open'] });
});
afterEach(() => t.close());

/** Headers that may differ between two otherwise identical responses. */
const VOLATILE = new Set(['date', 'x-request-id']);

async function snapshot(path: string, headers: Record<string, string> = {}) {
  const res = await t.get(path, headers);
  const kept = [...res.headers.entries()].filter(([k]) => !VOLATILE.has(k));
  return { status: res.status, headers: kept, body: await res.text() };
}

const HIDDEN: [string, Parameters<TestApp['notes']['createNote']>[0]][] = [
  ['a draft', { content: 'x', tags: ['secret-plan'], published: false }],
  ['a private note', { content: 'x', tags: ['secret-plan'], visibility: 'private' }],
  ['an unlisted note', { content: 'x', tags: ['secret-plan'], visibility: 'unlisted' }],
  [
    'a scheduled note',
    { content: 'x', tags: ['secret-plan'], publishedAt: new Date('2027-01-01T00:00:00Z') },
  ],
];

describe('a tag carried only by hidden notes is as unknown as a tag nobody uses', () => {
  it.each(HIDDEN)('%s', async (_what, input) => {
    t.notes.createNote(input);
    for (const suffix of ['', '?before=1796000000000-5']) {
      const unknown = await snapshot(`/tag/never-used${suffix}`);
      const hidden = await snapshot(`/tag/secret-plan${suffix}`);
      expect(unknown.status).toBe(404);
      expect(hidden).toEqual(unknown);
      expect(hidden.body).not.toContain('secret');
    }
    // A conditional request learns nothing either.
    expect((await t.get('/tag/secret-plan', { 'If-None-Match': '*' })).status).toBe(404);
  });

  it('a trashed note', async () => {
    const n = t.notes.createNote({ content: 'x', tags: ['secret-plan'] });
    expect((await t.get('/tag/secret-plan')).status).toBe(200);
    t.notes.trashNote(n.id);
    expect(await snapshot('/tag/secret-plan')).toEqual(await snapshot('/tag/never-used'));
  });

  it('the page exists while a public note carries the tag, and its time passing makes it appear', async () => {
    t.notes.createNote({ content: 'Later', tags: ['soon'], publishedAt: new Date('2026-11-27T13:00:00Z') });
    expect((await t.get('/tag/soon')).status).toBe(404);
    t.clock.set('2026-11-27T13:00:01Z');
    const res = await t.get('/tag/soon');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Later');
  });

  it('the heading uses the spelling of a public note, never one only a hidden note wrote', async () => {
    t.notes.createNote({ content: 'x', tags: ['MixedCase'], visibility: 'private' });
    t.clock.advance(1000);
    t.notes.createNote({ content: 'y', tags: ['mixedcase'] });
    const html = await (await t.get('/tag/mixedcase')).text();
    expect(html).toContain('Notes tagged “mixedcase”');
    expect(html).not.toContain('MixedCase');
  });
});
