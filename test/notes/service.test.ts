import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/lib/errors.js';
import { hashBytes, stageNoteFile, stagePurge, walkNoteFiles } from '../../src/lib/files.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

const row = (id: number) =>
  t.db
    .prepare('SELECT slug, file_path, content_hash, name, published_at, edited_at FROM notes WHERE id = ?')
    .get(id) as {
    slug: string;
    file_path: string;
    content_hash: string;
    name: string | null;
    published_at: string;
    edited_at: string | null;
  };
const files = () => [...walkNoteFiles(t.config.notesPath)].sort();

describe('creating notes', () => {
  it('writes notes/YYYY/MM/<slug>.md and a row whose content_hash is the SHA-256 of the file', () => {
    const note = t.notes.createNote({
      content: 'Café *déjà* vu — 日本語 🎉\n',
      name: 'Café déjà vu',
      tags: ['IndieWeb', 'café'],
    });
    expect(note.slug).toBe('cafe-deja-vu');
    const r = row(note.id);
    expect(r.file_path).toBe('2026/11/cafe-deja-vu.md');
    const bytes = readFileSync(join(t.config.notesPath, r.file_path));
    expect(bytes.toString('utf8')).toBe('Café *déjà* vu — 日本語 🎉\n');
    expect(r.content_hash).toBe(hashBytes(bytes));
    expect(note.contentHtml).toContain('<em>déjà</em>');
    expect(note.tags.map((x) => [x.name, x.key])).toEqual([
      ['IndieWeb', 'indieweb'],
      ['café', 'café'],
    ]);
    expect(files()).toEqual(['2026/11/cafe-deja-vu.md']);
  });

  it('generates slugs from the first words, suffixes collisions, never reuses a trashed slug', () => {
    const a = t.notes.createNote({ content: 'Hello world, this is the first note of many' });
    const b = t.notes.createNote({ content: 'Hello world, this is the first note of many' });
    expect(a.slug).toBe('hello-world-this-is-the-first-note-of');
    expect(b.slug).toBe('hello-world-this-is-the-first-note-of-2');
    t.notes.trashNote(b.id);
    const c = t.notes.createNote({ content: 'Hello world, this is the first note of many' });
    expect(c.slug).toBe('hello-world-this-is-the-first-note-of-3');
  });

  it('falls back to a timestamp slug for text with no letters it can fold', () => {
    const n = t.notes.createNote({ content: '🎉🎉🎉' });
    expect(n.slug).toBe('20261127120000');
  });

  it('validates custom slugs and refuses reserved words, with a readable reason', () => {
    expect(t.notes.createNote({ content: 'x', slug: 'my-custom-slug' }).slug).toBe('my-custom-slug');
    for (const bad of ['admin', 'Has Spaces', '../../etc/passwd', '-x', 'a'.repeat(201)]) {
      let err: unknown;
      try {
        t.notes.createNote({ content: 'x', slug: bad });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('invalid_request');
    }
    expect(files()).toEqual(['2026/11/my-custom-slug.md']);
  });

  it('refuses empty notes and oversized ones', () => {
    expect(() => t.notes.createNote({ content: '   ' })).toThrowError(/needs some content/);
    expect(() => t.notes.createNote({ content: 'x'.repeat(600 * 1024) })).toThrowError(/at most/);
    expect(files()).toEqual([]);
  });

  it('leaves no stray file when the database write fails', () => {
    t.db.exec(
      "CREATE TRIGGER fail_insert BEFORE INSERT ON notes BEGIN SELECT RAISE(ABORT, 'disk says no'); END;",
    );
    expect(() => t.notes.createNote({ content: 'doomed' })).toThrowError(/disk says no/);
    expect(files()).toEqual([]);
    expect(t.db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 0 });
  });
});

describe('editing notes', () => {
  it('replaces body, hash, title and tags; keeps the slug and path; records the edit time', () => {
    const n = t.notes.createNote({ content: 'First version', tags: ['a', 'b'] });
    t.clock.advance(60_000);
    const e = t.notes.updateNote(n.id, { content: 'Second version', name: 'Now titled', tags: ['c'] });
    expect(e.slug).toBe(n.slug);
    expect(e.name).toBe('Now titled');
    expect(e.tags.map((x) => x.key)).toEqual(['c']);
    expect(e.updatedAt?.toISOString()).toBe('2026-11-27T12:01:00.000Z');
    const r = row(n.id);
    const bytes = readFileSync(join(t.config.notesPath, r.file_path));
    expect(bytes.toString()).toBe('Second version');
    expect(r.content_hash).toBe(hashBytes(bytes));
    expect(files()).toEqual([r.file_path]);
    // Unused tags are cleaned up.
    expect(t.db.prepare('SELECT name FROM tags ORDER BY name').all()).toEqual([{ name: 'c' }]);
  });

  it('keeps the old note intact when the database update fails', () => {
    const n = t.notes.createNote({ content: 'Old body' });
    t.db.exec("CREATE TRIGGER fail_update BEFORE UPDATE ON notes BEGIN SELECT RAISE(ABORT, 'nope'); END;");
    expect(() => t.notes.updateNote(n.id, { content: 'New body' })).toThrowError(/nope/);
    const r = row(n.id);
    expect(readFileSync(join(t.config.notesPath, r.file_path), 'utf8')).toBe('Old body');
    expect(r.content_hash).toBe(hashBytes('Old body'));
    expect(files()).toEqual([r.file_path]);
  });
});

describe('trash, restore, purge', () => {
  it('trashes and restores at the same URL; purge removes row, tags, index entry and file', () => {
    const n = t.notes.createNote({ content: 'Short-lived', tags: ['tmp'] });
    t.notes.trashNote(n.id);
    expect(t.notes.getNoteById(n.id)?.deletedAt).not.toBeNull();
    t.notes.restoreNote(n.id);
    expect(t.notes.getNoteById(n.id)?.deletedAt).toBeNull();
    t.notes.purgeNote(n.id);
    expect(t.notes.getNoteById(n.id)).toBeUndefined();
    expect(files()).toEqual([]);
    expect(t.db.prepare('SELECT count(*) AS n FROM tags').get()).toEqual({ n: 0 });
    expect(t.db.prepare('SELECT count(*) AS n FROM notes_fts').get()).toEqual({ n: 0 });
  });
});

describe('recovering from a crash mid-write', () => {
  it('completes an edit whose row committed before the file was swapped in', () => {
    const n = t.notes.createNote({ content: 'before crash' });
    const r = row(n.id);
    // The process died after COMMIT and before the rename: pending file + new hash in the row.
    const staged = stageNoteFile(t.config.notesPath, r.file_path, 'after crash');
    t.db.prepare('UPDATE notes SET content_hash = ? WHERE id = ?').run(staged.hash, n.id);
    const report = t.notes.recover();
    expect(report.completed).toEqual([r.file_path]);
    expect(readFileSync(join(t.config.notesPath, r.file_path), 'utf8')).toBe('after crash');
    expect(files()).toEqual([r.file_path]);
  });

  it('discards a pending file whose transaction never committed', () => {
    const n = t.notes.createNote({ content: 'kept' });
    const r = row(n.id);
    stageNoteFile(t.config.notesPath, r.file_path, 'never committed');
    const report = t.notes.recover();
    expect(report.discarded).toEqual([r.file_path]);
    expect(readFileSync(join(t.config.notesPath, r.file_path), 'utf8')).toBe('kept');
    expect(files()).toEqual([r.file_path]);
  });

  it('puts back a file set aside for a purge that never reached the database', () => {
    const n = t.notes.createNote({ content: 'survivor' });
    const r = row(n.id);
    stagePurge(t.config.notesPath, r.file_path);
    expect(existsSync(join(t.config.notesPath, r.file_path))).toBe(false);
    expect(t.notes.recover().restored).toEqual([r.file_path]);
    expect(readFileSync(join(t.config.notesPath, r.file_path), 'utf8')).toBe('survivor');
  });
});

describe('the rendered-HTML cache', () => {
  it('is invalidated by content_hash: a body changed on disk is re-rendered once the hash changes', () => {
    const n = t.notes.createNote({ content: 'cached *html*' });
    const r = row(n.id);
    writeFileSync(join(t.config.notesPath, r.file_path), 'fresh **html**');
    // Same hash: the cache is served (doctor would report the drift).
    expect(t.notes.getNoteById(n.id)?.contentHtml).toContain('<em>html</em>');
    t.db.prepare('UPDATE notes SET content_hash = ? WHERE id = ?').run(hashBytes('fresh **html**'), n.id);
    expect(t.notes.getNoteById(n.id)?.contentHtml).toContain('<strong>html</strong>');
  });

  it('renders legacy rows (no cached HTML) from their files', () => {
    const n = t.notes.createNote({ content: 'legacy _row_' });
    t.db.prepare('UPDATE notes SET content_html = NULL, html_hash = NULL WHERE id = ?').run(n.id);
    expect(t.notes.getNoteById(n.id)?.contentHtml).toContain('<em>row</em>');
    expect(readdirSync(t.config.notesPath)).toEqual(['2026']);
  });
});
