/**
 * Issue #25, item 19: `backup`, `restore`, `export`, `reindex` and an upgrade were silent for the
 * 10–40 s they take at 100,000 notes. On a terminal they now show what they do, how far they are
 * and how long is left, on one line redrawn in place (src/lib/progress.ts); with their output
 * captured they stay plain. Each command runs for real: once under a pseudo-terminal (util-linux
 * `script`, as a person at a shell), once with its output piped (as a service manager or cron).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { runMigrations } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open.js';
import { createNoteService } from '../../src/notes/service.js';
import { cleanup, siteEnv, tempDir } from './ops-helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = join(ROOT, 'src', 'main.ts');
const NOTES = 120;
const CLEAR = '\r\x1b[2K';

let data: string;
let work: string;

beforeAll(() => {
  work = tempDir('starpunk-progress-');
  data = join(work, 'data');
  runMigrations({ dbPath: join(data, 'starpunk.db'), backupsDir: join(data, 'backups') });
  const db = openDatabase(join(data, 'starpunk.db'));
  const notes = createNoteService({ db, notesPath: join(data, 'notes'), clock: systemClock });
  for (let i = 0; i < NOTES; i++) notes.createNote({ content: `Note number ${i} about trains.` });
  db.close();
});
afterAll(() => cleanup());

const env = (dataPath: string) => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  ...siteEnv(dataPath),
});

/** `starpunk <args>` under a pseudo-terminal: standard output and error both reach it. */
function onTerminal(args: string[], dataPath = data): { status: number | null; out: string } {
  const command = [TSX, MAIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], {
    env: env(dataPath),
    cwd: work,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** `starpunk <args>` with its output piped, as a service manager runs it. */
function piped(args: string[], dataPath = data): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(TSX, [MAIN, ...args], {
    env: env(dataPath),
    cwd: work,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The lines a terminal showed in turn: every redraw of the progress line, then the rest. */
function steps(out: string): string[] {
  return out
    .split(CLEAR)
    .map((s) => s.replace(/\r?\n[\s\S]*$/, '').trim())
    .filter((s) => s !== '');
}

describe('long commands show progress on a terminal, and stay plain when piped', () => {
  it('reindex', () => {
    const t = onTerminal(['reindex']);
    expect(t.status, t.out).toBe(0);
    expect(steps(t.out)).toContain(`Indexing notes  0 / ${NOTES} (0%)`);
    // The line is cleared before the command says what it did.
    expect(t.out).toContain(`${CLEAR}indexed ${NOTES} note(s)`);
    const p = piped(['reindex']);
    expect(p.status).toBe(0);
    expect(p.stderr).toBe('');
    expect(p.stdout).toMatch(new RegExp(`^indexed ${NOTES} note\\(s\\) in \\d+ ms\\n$`));
  });

  it('backup, then restore', () => {
    const out = join(work, 'archives');
    const t = onTerminal(['backup', '--out', out]);
    expect(t.status, t.out).toBe(0);
    const shown = steps(t.out);
    expect(shown).toContain('Copying the database…');
    expect(shown).toContain(`Copying notes  0 / ${NOTES} (0%)`);
    expect(shown).toContain(`Archiving notes  0 / ${NOTES} (0%)`);
    expect(t.out).toContain('backup written to');
    const p = piped(['backup', '--out', out]);
    expect(p.status).toBe(0);
    expect(p.stderr).toBe('');
    expect(p.stdout).not.toContain('\x1b');
    expect(p.stdout).toMatch(/^backup written to /);

    const archive = join(out, readdirSync(out).find((f) => f.endsWith('.tar.gz'))!);
    const r = onTerminal(['restore', archive], join(work, 'restored-on-terminal'));
    expect(r.status, r.out).toBe(0);
    const restored = steps(r.out);
    expect(restored).toContain('Checking the archive…');
    // notes, the database and the manifest's other files
    expect(restored.some((s) => /^Restoring files {2}0 \/ \d+ \(0%\)$/.test(s))).toBe(true);
    expect(r.out).toContain(`restored ${NOTES} note(s)`);
    const rp = piped(['restore', archive], join(work, 'restored-piped'));
    expect(rp.status).toBe(0);
    expect(rp.stdout + rp.stderr).not.toContain('\x1b');
    expect(rp.stdout).toContain(`restored ${NOTES} note(s)`);
  });

  it('export', () => {
    const t = onTerminal(['export', '--out', join(work, 'exports')]);
    expect(t.status, t.out).toBe(0);
    const shown = steps(t.out);
    expect(shown).toContain(`Exporting notes  0 / ${NOTES} (0%)`);
    expect(shown).toContain('Writing feed.json…');
    expect(t.out).toContain(`exported ${NOTES} note(s)`);
    const p = piped(['export', '--out', join(work, 'exports-piped')]);
    expect(p.status).toBe(0);
    expect(p.stderr).toBe('');
    expect(p.stdout).toMatch(new RegExp(`^exported ${NOTES} note\\(s\\) and 0 media file\\(s\\) to .+\\n$`));
  });

  it('an upgrade (here of a new directory: every migration)', () => {
    const migrations = readdirSync(join(ROOT, 'src', 'db', 'migrations')).filter((f) => f.endsWith('.sql'));
    const t = onTerminal(['migrate'], join(work, 'fresh-on-terminal'));
    expect(t.status, t.out).toBe(0);
    expect(steps(t.out)).toContain(`Upgrading the database  0 / ${migrations.length} (0%)`);
    const p = piped(['migrate'], join(work, 'fresh-piped'));
    expect(p.status).toBe(0);
    expect(p.stdout + p.stderr).not.toContain('\x1b[2K');
  });
});
