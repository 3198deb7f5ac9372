import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/run.js';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { runMigrations } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open.js';
import { stageNoteFile } from '../../src/lib/files.js';
import { createNoteService } from '../../src/notes/service.js';
import { captureIo } from '../helpers/io.js';

let dir: string;
let paths: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'starpunk-doctor-'));
  const config = loadConfig({ DATA_PATH: dir }, dir);
  runMigrations({ dbPath: config.databasePath, backupsDir: config.backupsPath });
  const db = openDatabase(config.databasePath);
  const notes = createNoteService({ db, notesPath: config.notesPath, clock: systemClock });
  paths = ['first', 'second', 'third'].map((w) => notes.createNote({ content: `The ${w} note` }).filePath);
  db.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function doctor() {
  const io = captureIo({ DATA_PATH: dir, LOG_LEVEL: 'error' }, dir);
  const code = await main(['doctor'], io);
  return { code, out: io.out.join('') + io.err.join('') };
}

describe('starpunk doctor', () => {
  it('is clean on a consistent data directory', async () => {
    const r = await doctor();
    expect(r).toEqual({ code: 0, out: 'ok: every note and media file matches the database\n' });
  });

  it('reports a missing file, a hash mismatch, an orphan file and a pending write, and exits 1', async () => {
    const notesDir = join(dir, 'notes');
    unlinkSync(join(notesDir, paths[0]!));
    writeFileSync(join(notesDir, paths[1]!), 'edited behind StarPunk’s back');
    writeFileSync(join(notesDir, paths[0]!.split('/')[0]!, 'stray.md'), 'nobody owns me');
    stageNoteFile(notesDir, paths[2]!, 'half written');
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`missing_file\\s+${paths[0]}`));
    expect(r.out).toMatch(new RegExp(`hash_mismatch\\s+${paths[1]}`));
    expect(r.out).toMatch(/orphan_file\s+\d{4}\/stray\.md/);
    expect(r.out).toMatch(/pending_write\s+\S+\.pending/);
    expect(r.out).toContain('4 problem(s) found');
  });

  it('reports a search index out of step, and reindex repairs it', async () => {
    const config = loadConfig({ DATA_PATH: dir }, dir);
    const db = openDatabase(config.databasePath);
    db.prepare('DELETE FROM notes_fts WHERE rowid = (SELECT min(rowid) FROM notes_fts)').run();
    db.close();
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/search_index\s+notes_fts\s+1 note\(s\) missing from the search index/);
    expect(await main(['reindex'], captureIo({ DATA_PATH: dir, LOG_LEVEL: 'error' }, dir))).toBe(0);
    expect((await doctor()).code).toBe(0);
  });

  it('reindex rebuilds the search index', async () => {
    const io = captureIo({ DATA_PATH: dir, LOG_LEVEL: 'error' }, dir);
    const code = await main(['reindex'], io);
    expect(io.err.join('')).toBe('');
    expect(code).toBe(0);
    expect(io.out.join('')).toMatch(/indexed 3 note\(s\)/);
  });
});
