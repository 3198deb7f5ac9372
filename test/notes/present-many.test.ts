/**
 * A page of notes (home page, tag page, feed, search) is read in one query per kind of fact:
 * tags, syndicated copies, reply contexts. Each note must come out exactly as when it is read
 * alone, where each fact is a query of its own.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

function addCopy(noteId: number, url: string | null, state: string): void {
  t.db
    .prepare(
      `INSERT INTO syndication_copies (note_id, account_id, service, state, url, created_at, updated_at)
       VALUES (?, NULL, 'mastodon', ?, ?, '2026-11-27T12:00:00.000Z', '2026-11-27T12:00:00.000Z')`,
    )
    .run(noteId, state, url);
}

function addContext(url: string, status: string, name: string): void {
  t.db
    .prepare(
      `INSERT INTO reply_contexts (url, status, name, author_name, author_url, error, fetched_at)
       VALUES (?, ?, ?, 'Remote Author', 'https://remote.example/', NULL, '2026-11-27T12:00:00.000Z')`,
    )
    .run(url, status, name);
}

it('a page of notes reads as each note does alone: tags, syndication copies, reply contexts', () => {
  const plain = t.notes.createNote({ content: 'Nothing attached' });
  const tagged = t.notes.createNote({ content: 'Tagged', tags: ['IndieWeb', 'Café'] });
  const copied = t.notes.createNote({
    content: 'Posted elsewhere too',
    properties: { syndication: ['https://elsewhere.example/1'] },
  });
  addCopy(copied.id, 'https://social.example/@me/2', 'posted');
  addCopy(copied.id, 'https://elsewhere.example/1', 'posted'); // already in its properties: once
  addCopy(copied.id, 'https://social.example/@me/3', 'removed');
  addCopy(copied.id, null, 'queued');
  addCopy(tagged.id, 'https://social.example/@me/4', 'posted');
  const reply = t.notes.createNote({
    content: 'Agreed!',
    properties: {
      'in-reply-to': ['https://remote.example/post'],
      'like-of': ['https://remote.example/other', 'https://remote.example/failed'],
    },
  });
  addContext('https://remote.example/post', 'ok', 'A post');
  addContext('https://remote.example/other', 'ok', 'Another post');
  addContext('https://remote.example/failed', 'failed', 'never shown');
  const alsoReply = t.notes.createNote({
    content: 'Me too',
    properties: { 'in-reply-to': ['https://remote.example/post'] },
  });

  const ids = [plain.id, tagged.id, copied.id, reply.id, alsoReply.id];
  const alone = ids.map((id) => t.notes.getNoteById(id)!);
  // What the page is about: each fact really is there.
  expect(alone[1]!.tags.map((x) => x.name)).toEqual(['IndieWeb', 'Café']);
  expect(alone[1]!.properties.syndication).toEqual(['https://social.example/@me/4']);
  expect(alone[2]!.properties.syndication).toEqual([
    'https://elsewhere.example/1',
    'https://social.example/@me/2',
  ]);
  expect(alone[3]!.citations?.map((c) => c.name)).toEqual(['A post', 'Another post']);
  expect(alone[4]!.citations?.map((c) => c.name)).toEqual(['A post']);

  expect(t.notes.getNotesByIds(ids)).toEqual(alone);
  expect(t.notes.getNotesByIds([...ids].reverse())).toEqual([...alone].reverse());
  expect(t.notes.listPublicNotes(10)).toEqual([...alone].reverse());
});
