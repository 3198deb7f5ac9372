/**
 * Notes created in a group commit (ADR 0016): the same notes as one-at-a-time creates, written
 * together, each failing alone, with slugs that stay unique against this process's other writes
 * and against another process on the same data directory.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { hashBytes, stageNoteFiles, walkNoteFiles } from '../../src/lib/files.js';
import { silentLogger } from '../../src/logger.js';
import { createNoteService } from '../../src/notes/service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

const files = () => [...walkNoteFiles(t.config.notesPath)].sort();
const body = (rel: string) => readFileSync(join(t.config.notesPath, rel), 'utf8');
const settled = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: Error) => ({ ok: false as const, error: error.message }),
  );

describe('grouped creates', () => {
  it('store what a one-at-a-time create stores', async () => {
    const grouped = await t.notes.createNoteGrouped({
      content: 'Café *déjà* vu\r\n',
      name: 'Café déjà vu',
      tags: ['IndieWeb'],
    });
    const single = t.notes.createNote({
      content: 'Café *déjà* vu\r\n',
      name: 'Café déjà vu',
      tags: ['IndieWeb'],
    });
    expect(grouped.slug).toBe('cafe-deja-vu');
    expect(single.slug).toBe('cafe-deja-vu-2');
    const { id: _a, slug: _s, filePath: _f, ...rest } = grouped;
    const { id: _b, slug: _t, filePath: _g, ...restSingle } = single;
    expect(rest).toEqual(restSingle);
    expect(body(grouped.filePath)).toBe('Café *déjà* vu\n');
    expect(grouped.contentHash).toBe(hashBytes('Café *déjà* vu\n'));
    expect(files()).toEqual(['2026/11/cafe-deja-vu-2.md', '2026/11/cafe-deja-vu.md']);
  });

  it('commit the creates that arrived during a flush together, each with its own slug and file', async () => {
    // A second connection sees only what is committed: while the rows of the second group are
    // inserted, it must see none of them.
    const reader = new Database(t.config.databasePath, { readonly: true });
    const seen: number[] = [];
    t.notes.onChange((c) => {
      if (c.event === 'created')
        seen.push((reader.prepare('SELECT count(*) AS n FROM notes').get() as { n: number }).n);
    });
    try {
      const first = t.notes.createNoteGrouped({ content: 'first, alone' });
      const group = Array.from({ length: 12 }, (_, i) =>
        t.notes.createNoteGrouped({ name: 'Same title', content: `number ${i}` }),
      );
      const notes = await Promise.all([first, ...group]);
      // The first went alone; the twelve went in one transaction, committed after the last insert.
      expect(seen).toEqual([0, ...Array(12).fill(1)]);
      const slugs = notes.slice(1).map((n) => n.slug);
      expect(slugs).toEqual(['same-title', ...Array.from({ length: 11 }, (_, i) => `same-title-${i + 2}`)]);
      for (const [i, n] of notes.slice(1).entries()) {
        expect(body(n.filePath)).toBe(`number ${i}`);
        expect(n.contentHash).toBe(hashBytes(`number ${i}`));
      }
      expect(files()).toHaveLength(13);
    } finally {
      reader.close();
    }
  });

  it('fail one create alone, leaving no file of it', async () => {
    t.db.exec(
      "CREATE TRIGGER fail_one BEFORE INSERT ON notes WHEN NEW.name = 'doomed' BEGIN SELECT RAISE(ABORT, 'disk says no'); END;",
    );
    const first = t.notes.createNoteGrouped({ content: 'first' });
    const group = ['kept one', 'doomed', 'kept two'].map((name) =>
      settled(t.notes.createNoteGrouped({ name, content: name })),
    );
    await first;
    const outcomes = await Promise.all(group);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(outcomes[1]).toEqual({ ok: false, error: 'disk says no' });
    expect(files()).toEqual(['2026/11/first.md', '2026/11/kept-one.md', '2026/11/kept-two.md']);
  });

  it('store nothing of a group whose transaction fails, and leave no file', async () => {
    t.db.pragma('busy_timeout = 0');
    const other = new Database(t.config.databasePath);
    try {
      other.exec('BEGIN IMMEDIATE');
      const outcomes = await Promise.all(
        ['a', 'b'].map((content) => settled(t.notes.createNoteGrouped({ content }))),
      );
      expect(outcomes.map((o) => o.ok)).toEqual([false, false]);
      expect(outcomes[0]!.ok ? '' : outcomes[0]!.error).toMatch(/locked|busy/i);
      other.exec('ROLLBACK');
    } finally {
      other.close();
    }
    expect(files()).toEqual([]);
    expect(t.db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 0 });
    // And the next group goes through.
    expect((await t.notes.createNoteGrouped({ content: 'after' })).slug).toBe('after');
  });

  it('keep a slug chosen for a group from the one-at-a-time creates of this process', async () => {
    const grouped = t.notes.createNoteGrouped({ content: 'Same words' });
    // The group has chosen its slug and is writing its file: a create now must not take it.
    const single = t.notes.createNote({ content: 'Same words' });
    expect(single.slug).toBe('same-words-2');
    expect((await grouped).slug).toBe('same-words');
    expect(body('2026/11/same-words.md')).toBe('Same words');
  });

  it('choose the slug again, under the write lock, when another process took it meanwhile', async () => {
    const db2 = openDatabase(t.config.databasePath);
    const elsewhere = createNoteService({
      db: db2,
      notesPath: t.config.notesPath,
      clock: t.clock,
      logger: silentLogger(),
    });
    try {
      const grouped = t.notes.createNoteGrouped({ content: 'Same words here' });
      // The other process knows nothing of this one's choice, and commits first.
      expect(elsewhere.createNote({ content: 'Same words here' }).slug).toBe('same-words-here');
      const note = await grouped;
      expect(note.slug).toBe('same-words-here-2');
      expect(body(note.filePath)).toBe('Same words here');
      expect(files()).toEqual(['2026/11/same-words-here-2.md', '2026/11/same-words-here.md']);
    } finally {
      db2.close();
    }
  });

  it('choose the slug again when a file appeared at its path meanwhile, and leave that file alone', async () => {
    const grouped = t.notes.createNoteGrouped({ content: 'Foreign file' });
    mkdirSync(join(t.config.notesPath, '2026/11'), { recursive: true });
    writeFileSync(join(t.config.notesPath, '2026/11/foreign-file.md'), 'put here by hand');
    const note = await grouped;
    expect(note.slug).toBe('foreign-file-2');
    expect(body('2026/11/foreign-file.md')).toBe('put here by hand');
    expect(body(note.filePath)).toBe('Foreign file');
  });

  it('leave files that recovery finishes or discards, whichever side of the commit a crash fell', async () => {
    const committed = t.notes.createNote({ content: 'will be edited' });
    // A grouped write staged files (with a nonce in their names) and died: one row committed, one not.
    const [done, lost] = await stageNoteFiles(t.config.notesPath, [
      { rel: committed.filePath, body: 'edited in a group' },
      { rel: '2026/11/never-committed.md', body: 'lost' },
    ]);
    if (!done || done instanceof Error || !lost || lost instanceof Error) throw new Error('staging failed');
    expect(
      readdirSync(join(t.config.notesPath, '2026/11')).filter((f) => f.endsWith('.pending')),
    ).toHaveLength(2);
    expect(done.pendingPath).toMatch(/\.will-be-edited\.md\.[0-9a-f]{16}\.[0-9a-f]{8}\.pending$/);
    t.db.prepare('UPDATE notes SET content_hash = ? WHERE id = ?').run(done.hash, committed.id);
    const report = t.notes.recover();
    expect(report.completed).toEqual([committed.filePath]);
    expect(report.discarded).toEqual(['2026/11/never-committed.md']);
    expect(body(committed.filePath)).toBe('edited in a group');
    expect(files()).toEqual([committed.filePath]);
  });

  it('settle before the database closes', async () => {
    const all = ['one', 'two', 'three'].map((content) => t.notes.createNoteGrouped({ content }));
    await t.notes.settle();
    expect(t.db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 3 });
    await Promise.all(all);
  });
});

describe('choosing a free slug', () => {
  it('skips every numbered slug a note holds or held, and takes the first free one', () => {
    const base = t.notes.createNote({ content: 'Hello there' });
    const second = t.notes.createNote({ content: 'Hello there' });
    const third = t.notes.createNote({ content: 'Hello there' });
    expect([base.slug, second.slug, third.slug]).toEqual(['hello-there', 'hello-there-2', 'hello-there-3']);
    // hello-there-4 is a former slug of another note (whose file keeps its first name);
    // hello-there-2 becomes free again when its note is purged.
    const other = t.notes.createNote({ content: 'other', slug: 'first-name' });
    t.notes.changeSlug(other.id, 'hello-there-4');
    t.notes.changeSlug(other.id, 'elsewhere');
    expect(t.notes.createNote({ content: 'Hello there' }).slug).toBe('hello-there-5');
    t.notes.purgeNote(second.id);
    expect(t.notes.createNote({ content: 'Hello there' }).slug).toBe('hello-there-2');
    // Slugs that merely start the same way are not in the way.
    t.notes.createNote({ content: 'x', slug: 'hello-there-again' });
    expect(t.notes.createNote({ content: 'Hello there' }).slug).toBe('hello-there-6');
  });
});
