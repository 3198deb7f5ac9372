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
