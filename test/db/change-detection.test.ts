import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { changeToken } from '../../src/db/change-token.js';
import { type Db, openDatabase } from '../../src/db/open.js';

const opened: Db[] = [];
let dir: string | undefined;
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function open(path: string): Db {
  const db = openDatabase(path);
  opened.push(db);
  return db;
}

describe('changeToken', () => {
  it('stays put while nothing is written and moves on a write by this or another connection', () => {
    dir = mkdtempSync(join(tmpdir(), 'starpunk-token-'));
    const path = join(dir, 'x.db');
    const a = open(path);
    a.exec('CREATE TABLE t (x)');
    const b = open(path);
    const token = changeToken(a);
    const t0 = token();
    a.prepare('SELECT count(*) FROM t').get();
    b.prepare('SELECT count(*) FROM t').get();
    expect(token()).toBe(t0);
    a.prepare('INSERT INTO t VALUES (1)').run();
    const t1 = token();
    expect(t1).not.toBe(t0);
    b.prepare('INSERT INTO t VALUES (2)').run();
    const t2 = token();
    expect(t2).not.toBe(t1);
    expect(token()).toBe(t2);
  });
});

describe('notes.revision (011_note_revision.sql)', () => {
  it('moves on every change of a note row or of its tags, by any connection, and on nothing else', async () => {
    const { runMigrations } = await import('../../src/db/migrate.js');
    dir = mkdtempSync(join(tmpdir(), 'starpunk-revision-'));
    const path = join(dir, 'starpunk.db');
    runMigrations({ dbPath: path, backupsDir: join(dir, 'backups') });
    const db = open(path);
    db.prepare(
      `INSERT INTO notes (slug, file_path, published, created_at, updated_at)
       VALUES ('a', 'a.md', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
              ('b', 'b.md', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
    ).run();
    const rev = (slug: string) =>
      (db.prepare('SELECT revision FROM notes WHERE slug = ?').get(slug) as { revision: number }).revision;
    expect([rev('a'), rev('b')]).toEqual([0, 0]);
    db.prepare("UPDATE notes SET name = 'x' WHERE slug = 'a'").run();
    expect([rev('a'), rev('b')]).toEqual([1, 0]);
    db.prepare("INSERT INTO tags (name, display_name) VALUES ('t', 'T')").run();
    db.prepare(
      "INSERT INTO note_tags (note_id, tag_id, display_name) SELECT id, 1, 'T' FROM notes WHERE slug = 'b'",
    ).run();
    expect([rev('a'), rev('b')]).toEqual([1, 1]);
    open(path).prepare("DELETE FROM note_tags WHERE display_name = 'T'").run();
    expect([rev('a'), rev('b')]).toEqual([1, 2]);
  });
});
