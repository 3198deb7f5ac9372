import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/db/migrate.js';
import { killAll, mintToken, runCli, type Server, startStarpunk } from '../faults/harness.js';

// Issue #13, hardening: under a plain `npm start` with the usual umask 022 the data folder was
// 0755 and the database and notes 0644, so any local user could read the password hash, the
// sessions and every private note. The real CLI runs here as a separate process under umask 022.

let previousUmask: number;
beforeAll(() => {
  // Children inherit it: the CLI must not depend on the shell's umask.
  previousUmask = process.umask(0o022);
});
afterAll(async () => {
  process.umask(previousUmask);
  await killAll();
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'starpunk-perm-'));
  dirs.push(d);
  return d;
}

const mode = (path: string) => statSync(path).mode & 0o777;

/** Every path under `root` (itself included) with its permission bits. */
function modesUnder(root: string): Record<string, number> {
  const out: Record<string, number> = { '.': mode(root) };
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out[relative(root, p)] = mode(p);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

describe('a data directory made by the real CLI under umask 022', () => {
  it('is 0700 with every folder 0700 and every file (db, -wal, -shm, notes, media, .secret, backups) 0600', async () => {
    const data = join(tempDir(), 'data');
    let server: Server | undefined = await startStarpunk({ DATA_PATH: data });
    try {
      const token = await mintToken(data, 'create media');
      const auth = { Authorization: `Bearer ${token}` };
      const note = await fetch(`${server.url}/micropub`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ h: 'entry', content: 'A private thought', visibility: 'private' }),
      });
      expect(note.status).toBe(201);
      const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#2a7' } })
        .jpeg()
        .toBuffer();
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'p.jpg');
      const media = await fetch(`${server.url}/micropub/media`, {
        method: 'POST',
        headers: auth,
        body: form,
      });
      expect(media.status).toBe(201);

      // While the server runs: the database with its -wal and -shm.
      const running = modesUnder(data);
      for (const f of ['starpunk.db', 'starpunk.db-wal', 'starpunk.db-shm', '.secret'])
        expect(running[f], f).toBe(0o600);
      const backup = await runCli(['backup'], { DATA_PATH: data });
      expect(backup.code, backup.stderr).toBe(0);
      await server.stop();
      server = undefined;

      const all = modesUnder(data);
      const names = Object.keys(all);
      expect(names.some((n) => n.startsWith('notes/') && n.endsWith('.md'))).toBe(true);
      expect(names.some((n) => n.startsWith('media/') && n.endsWith('.jpg'))).toBe(true);
      expect(names.some((n) => n.startsWith('backups/') && n.endsWith('.tar.gz'))).toBe(true);
      for (const [name, m] of Object.entries(all)) {
        const isDir = statSync(join(data, name)).isDirectory();
        expect(m.toString(8), name).toBe(isDir ? '700' : '600');
      }
    } finally {
      await server?.stop();
    }
  });

  it('restore and import create owner-only files too', async () => {
    const dir = tempDir();
    const source = join(dir, 'source');
    mkdirSync(source);
    writeFileSync(join(source, 'hello.md'), '# Hello\n\nImported words.\n');
    const data = join(dir, 'data');
    const imported = await runCli(['import', source], { DATA_PATH: data });
    expect(imported.code, imported.stderr).toBe(0);
    const backup = await runCli(['backup', '--out', join(dir, 'out')], { DATA_PATH: data });
    expect(backup.code, backup.stderr).toBe(0);
    const archive = join(dir, 'out', readdirSync(join(dir, 'out'))[0]!);
    const restored = join(dir, 'restored');
    const r = await runCli(['restore', archive], { DATA_PATH: restored });
    expect(r.code, r.stderr).toBe(0);
    // Over an older, loose data directory (--force): the restored one does not inherit 0755.
    const loose = join(dir, 'loose');
    mkdirSync(loose, { mode: 0o755 });
    writeFileSync(join(loose, 'something'), 'x', { mode: 0o644 });
    const forced = await runCli(['restore', archive, '--force'], { DATA_PATH: loose });
    expect(forced.code, forced.stderr).toBe(0);
    for (const root of [data, restored, loose]) {
      for (const [name, m] of Object.entries(modesUnder(root))) {
        const isDir = statSync(join(root, name)).isDirectory();
        expect(m.toString(8), `${root}: ${name}`).toBe(isDir ? '700' : '600');
      }
    }
  });
});

describe('an existing data directory open to other users', () => {
  it('is made private when serve starts, with a warning; files inside the folders keep their modes', async () => {
    const data = join(tempDir(), 'data');
    for (const d of [data, join(data, 'notes'), join(data, 'media')]) mkdirSync(d, { mode: 0o755 });
    runMigrations({ dbPath: join(data, 'starpunk.db'), backupsDir: join(data, 'backups') });
    chmodSync(join(data, 'starpunk.db'), 0o644);
    mkdirSync(join(data, 'backups'), { mode: 0o755 });
    writeFileSync(join(data, '.secret'), `${'s'.repeat(43)}\n`, { mode: 0o644 });
    writeFileSync(join(data, 'notes', 'old.md'), 'An old note', { mode: 0o644 });
    chmodSync(join(data, 'notes', 'old.md'), 0o644);

    const server = await startStarpunk({ DATA_PATH: data });
    await server.stop();
    for (const d of ['.', 'notes', 'media', 'backups'])
      expect(mode(join(data, d)).toString(8), d).toBe('700');
    for (const f of ['starpunk.db', '.secret']) expect(mode(join(data, f)).toString(8), f).toBe('600');
    expect(mode(join(data, 'notes', 'old.md')).toString(8)).toBe('644');
    const warning = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; paths?: { path: string; from: string; to: string }[] })
      .find((l) => l.msg.startsWith('made the data directory private'));
    expect(warning?.paths?.map((p) => [relative(data, p.path) || '.', p.from, p.to])).toEqual([
      ['.', '0755', '0700'],
      ['notes', '0755', '0700'],
      ['media', '0755', '0700'],
      ['backups', '0755', '0700'],
      ['starpunk.db', '0644', '0600'],
      ['.secret', '0644', '0600'],
    ]);
  });
});
