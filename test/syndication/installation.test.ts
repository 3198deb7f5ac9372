/**
 * The installation id (migration 021, ADR 0013) that keeps one site's remote copy keys apart from
 * another's: made once per database, different for every new data directory, and the same after a
 * backup is restored (the restored site is the same site, and must find its own copies again).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { installationId } from '../../src/db/store/installation.js';
import { createBackup } from '../../src/ops/backup.js';
import { restoreBackup } from '../../src/ops/restore.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const opened: TestApp[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const t of opened.splice(0)) t.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function app(): TestApp {
  const t = createTestApp();
  opened.push(t);
  return t;
}

describe('installation id', () => {
  it('every new data directory gets its own; the same database keeps it', () => {
    const a = app();
    const b = app();
    expect(installationId(a.db)).toMatch(/^[0-9a-f]{32}$/);
    expect(installationId(a.db)).not.toBe(installationId(b.db));
    expect(installationId(a.db)).toBe(installationId(a.db));
    const again = openDatabase(a.config.databasePath);
    try {
      expect(installationId(again)).toBe(installationId(a.db));
    } finally {
      again.close();
    }
  });

  it('a backup restored into a new directory is the same installation', async () => {
    const a = app();
    a.notes.createNote({ content: 'Before the backup' });
    const id = installationId(a.db);
    const out = mkdtempSync(join(tmpdir(), 'starpunk-inst-backup-'));
    const target = mkdtempSync(join(tmpdir(), 'starpunk-inst-restore-'));
    dirs.push(out, target);
    const backup = await createBackup({
      databasePath: a.config.databasePath,
      notesPath: a.config.notesPath,
      mediaPath: a.config.mediaPath,
      outDir: out,
      version: '0.0.0-test',
    });
    const dataPath = join(target, 'data');
    await restoreBackup({ archive: backup.path, dataPath, force: false });
    const restored = openDatabase(join(dataPath, 'starpunk.db'));
    try {
      expect(installationId(restored)).toBe(id);
    } finally {
      restored.close();
    }
  });
});
