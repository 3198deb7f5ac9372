import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ARCHIVE_DB, type BackupManifest, createBackup } from '../../src/ops/backup.js';
import { verifyBackup } from '../../src/ops/restore.js';
import { rawTarHeader, TarGzWriter } from '../../src/ops/tar.js';
import { appVersion } from '../../src/version.js';
import { buildHistoricalDataDir, FIXTURE_NOTES, HISTORICAL_STATES } from '../helpers/historical.js';
import {
  cleanup,
  cli,
  dbRows,
  openSite,
  pagesOf,
  populate,
  type Site,
  serveSite,
  tempDir,
  treeHashes,
} from './ops-helpers.js';

afterEach(cleanup);

/** A populated data directory at <tmp>/a, closed again. */
async function populatedDataDir(): Promise<string> {
  const dir = join(tempDir(), 'a');
  const site = openSite(dir);
  await populate(site);
  site.close();
  return dir;
}

async function backup(dataPath: string, extra: string[] = []): Promise<string> {
  const r = await cli(['backup', ...extra], dataPath);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const path = /backup written to (\S+)/.exec(r.out)?.[1];
  expect(path).toBeDefined();
  return path!;
}

function backupOptions(site: Site, outDir: string) {
  return {
    databasePath: site.config.databasePath,
    notesPath: site.config.notesPath,
    mediaPath: site.config.mediaPath,
    outDir,
    version: appVersion(),
  };
}

/** Builds a gzip'd tar from raw blocks, the way an attacker would. */
function craftedArchive(path: string, blocks: Buffer[]): string {
  writeFileSync(path, gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)])));
  return path;
}

function pad(b: Buffer): Buffer {
  return Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
}

function fileEntry(name: string, content: Buffer | string, typeflag = '0'): Buffer {
  const bytes = Buffer.from(content);
  return Buffer.concat([rawTarHeader({ name, size: bytes.length, typeflag }), pad(bytes)]);
}

/** Names in the parent of `dir` that start with its base name (staging and moved-aside folders). */
function siblings(dir: string): string[] {
  return readdirSync(dirname(dir)).filter((n) => n.startsWith(basename(dir)));
}

describe('starpunk backup', () => {
  it('writes one owner-only, timestamped tar.gz with a manifest of checksums and no temp files', async () => {
    const a = await populatedDataDir();
    const path = await backup(a);
    expect(dirname(path)).toBe(join(a, 'backups'));
    expect(basename(path)).toMatch(/^starpunk-backup-\d{8}T\d{6}Z\.tar\.gz$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(a, 'backups'))).toEqual([basename(path)]);

    const manifest = await verifyBackup(path);
    expect(manifest.format).toBe('starpunk-backup');
    expect(manifest.version).toBe(1);
    expect(manifest.counts.notes).toBe(8);
    expect(manifest.database.migrations.map((m) => m.name)).toContain('008_media.sql');
    expect(manifest.database.migrations.every((m) => /^[0-9a-f]{64}$/.test(m.checksum ?? ''))).toBe(true);
    const paths = manifest.files.map((f) => f.path);
    expect(paths[0]).toBe(ARCHIVE_DB);
    expect(paths.filter((p) => p.startsWith('notes/'))).toHaveLength(8);
    // The photo and its thumbnail variant.
    expect(paths.filter((p) => p.startsWith('media/'))).toEqual([
      expect.stringMatching(/^media\/2025\/03\/[0-9a-f-]+\.png$/),
      expect.stringMatching(/^media\/2025\/03\/[0-9a-f-]+_thumb\.png$/),
    ]);
    expect(manifest.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256) && f.size > 0)).toBe(true);
    // Orphans, pending writes and the backups folder itself are not part of a backup.
    expect(paths.some((p) => p.includes('backups') || p.includes('.pending'))).toBe(false);
  });

  it('--out puts the archive elsewhere; a second backup in the same second gets its own name', async () => {
    const a = await populatedDataDir();
    const out = join(tempDir(), 'elsewhere');
    const first = await backup(a, ['--out', out]);
    const second = await backup(a, [`--out=${out}`]);
    expect(dirname(first)).toBe(out);
    expect(second).not.toBe(first);
    expect(readdirSync(out).sort()).toEqual([basename(first), basename(second)].sort());
  });

  it('fails clearly without a database and on unknown options', async () => {
    const empty = tempDir();
    const r = await cli(['backup'], empty);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no database at/);
    const bad = await cli(['backup', '--bogus'], empty);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/usage: starpunk backup/);
  });

  it('retakes the snapshot when a writer changes a note during the backup; never archives a torn state', async () => {
    const a = await populatedDataDir();
    const site = openSite(a);
    const out = tempDir();
    const edited = site.notes.getNoteBySlug('unicode')!;
    let lateSlug = '';
    const result = await createBackup({
      ...backupOptions(site, out),
      onStep: (step, attempt) => {
        if (attempt === 1 && step === 'snapshot') {
          // A server posting and editing between the database snapshot and the note files.
          site.notes.createNote({ content: 'Posted during the first attempt.\n', slug: 'during-first' });
          site.notes.updateNote(edited.id, { content: 'Edited during the backup.\n' });
        }
        if (attempt === 2 && step === 'notes') {
          // After the snapshot: not in it, so its file must not be archived either.
          lateSlug = site.notes.createNote({ content: 'Posted after the snapshot.\n' }).slug;
        }
      },
    });
    expect(result.attempts).toBe(2);
    const paths = result.manifest.files.map((f) => f.path);
    expect(paths.some((p) => p.endsWith('/during-first.md'))).toBe(true);
    expect(paths.some((p) => p.endsWith(`/${lateSlug}.md`))).toBe(false);
    expect(readdirSync(out)).toEqual([basename(result.path)]);
    site.close();

    const b = join(tempDir(), 'b');
    const r = await cli(['restore', result.path], b);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const restored = openSite(b);
    expect(restored.notes.getNoteSource(restored.notes.getNoteBySlug('unicode')!).content).toBe(
      'Edited during the backup.\n',
    );
    expect(restored.notes.getNoteBySlug(lateSlug)).toBeUndefined();
    restored.close();
    expect((await cli(['doctor'], b)).code).toBe(0);
  });

  it('pauses writers on its last attempt when notes keep changing on every attempt', async () => {
    const a = await populatedDataDir();
    const site = openSite(a);
    const out = tempDir();
    const note = site.notes.getNoteBySlug('unicode')!;
    let n = 0;
    const result = await createBackup({
      ...backupOptions(site, out),
      attempts: 3,
      onStep: (step) => {
        if (step === 'snapshot') site.notes.updateNote(note.id, { content: `Version ${++n}\n` });
      },
    });
    site.close();
    expect(result.attempts).toBe(3);
    expect(n).toBe(3);
    const b = join(tempDir(), 'b');
    expect((await cli(['restore', result.path], b)).code).toBe(0);
    const restored = openSite(b);
    // The third hook ran after the paused copy, so the archive holds the version before it.
    expect(restored.notes.getNoteSource(restored.notes.getNoteBySlug('unicode')!).content).toBe(
      'Version 2\n',
    );
    restored.close();
    expect((await cli(['doctor'], b)).code).toBe(0);
  });

  it('fails clearly, leaving nothing behind, when a note file does not match the database', async () => {
    const a = await populatedDataDir();
    const site = openSite(a);
    const note = site.notes.getNoteBySlug('unicode')!;
    site.close();
    writeFileSync(join(a, 'notes', note.filePath), 'Edited behind StarPunk’s back.\n');
    const r = await cli(['backup'], a);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /the file of note "unicode" \(2025\/05\/unicode\.md\) does not match the database even with writers paused; run `starpunk doctor`/,
    );
    expect(readdirSync(join(a, 'backups'))).toEqual([]);
  });

  it('stays consistent with a writer posting continuously while the CLI backs up', async () => {
    const a = await populatedDataDir();
    const site = openSite(a);
    const before = site.notes.countForAdmin().all;
    let posting = true;
    let posted = 0;
    const writer = (async () => {
      while (posting) {
        site.clock.advance(1000);
        site.notes.createNote({ content: `Busy note ${posted++}\n` });
        if (posted % 3 === 0) {
          const edit = site.notes.getNoteBySlug('edited')!;
          site.notes.updateNote(edit.id, { content: `Edited ${posted}\n` });
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    let path: string;
    try {
      path = await backup(a);
    } finally {
      // Stop the writer even when the backup failed, so it cannot outlive the test's folders.
      posting = false;
      await writer;
      site.close();
    }
    expect(posted).toBeGreaterThan(0);

    const b = join(tempDir(), 'b');
    expect((await cli(['restore', path], b)).code).toBe(0);
    const doctor = await cli(['doctor'], b);
    expect(doctor.out).toBe(
      'media library: 2 file(s) in use\nok: every note and media file matches the database\n',
    );
    const restored = openSite(b);
    const count = restored.notes.countForAdmin().all;
    restored.close();
    expect(count).toBeGreaterThanOrEqual(before);
    expect(count).toBeLessThanOrEqual(before + posted);
  });
  it('stays consistent while another process posts and edits notes', async () => {
    const a = await populatedDataDir();
    const stop = join(tempDir(), 'stop');
    const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const child = spawn(tsx, [join(import.meta.dirname, 'writer-worker.ts'), a, stop], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    try {
      await vi.waitFor(() => expect(output).toContain('ready'), { timeout: 20_000, interval: 50 });
      const archives: string[] = [];
      for (let i = 0; i < 3; i++) archives.push(await backup(a, ['--out', join(tempDir(), `out${i}`)]));
      writeFileSync(stop, '');
      expect(await exited).toBe(0);
      expect(Number(/posted (\d+)/.exec(output)?.[1])).toBeGreaterThan(0);
      for (const archive of archives) {
        const b = join(tempDir(), 'b');
        expect((await cli(['restore', archive], b)).code).toBe(0);
        expect((await cli(['doctor'], b)).out).toMatch(
          /^(media library: \d+ file\(s\) in use\n)?ok: every note and media file matches the database\n$/,
        );
      }
    } finally {
      writeFileSync(stop, '');
      if (child.exitCode === null) child.kill();
    }
  });
});

describe('starpunk restore', () => {
  it('restores into a fresh directory that serves exactly the same site', async () => {
    const a = await populatedDataDir();
    const path = await backup(a);
    const b = join(tempDir(), 'b');
    const r = await cli(['restore', path], b);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/verified \d+ file\(s\)/);
    expect(r.out).toMatch(/restored 8 note\(s\)/);
    expect(siblings(b)).toEqual(['b']);

    const tree = (d: string) =>
      Object.fromEntries(
        Object.entries(treeHashes(d)).filter(([p]) => p.startsWith('notes/') || p.startsWith('media/')),
      );
    expect(tree(b)).toEqual(tree(a));
    expect(Object.keys(tree(b)).length).toBeGreaterThan(8);

    const siteA = serveSite(a);
    const siteB = serveSite(b);
    try {
      expect(dbRows(siteB.site.db)).toEqual(dbRows(siteA.site.db));
      const paths = pagesOf(siteA.site);
      expect(paths.length).toBeGreaterThan(12);
      expect(pagesOf(siteB.site)).toEqual(paths);
      for (const p of paths) {
        const [x, y] = [await siteA.get(p), await siteB.get(p)];
        expect({ path: p, ...y }).toEqual({ path: p, ...x });
      }
      // The comparison covers what matters: the photo is served, the trashed note answers 410.
      expect((await siteB.get('/notes/trashed')).status).toBe(410);
      expect(Buffer.from((await siteB.get('/')).body, 'base64').toString()).toContain('A red square');
    } finally {
      siteA.close();
      siteB.close();
    }
    expect((await cli(['doctor'], b)).code).toBe(0);
  });

  it('refuses a tampered archive and changes nothing', async () => {
    const a = await populatedDataDir();
    const path = await backup(a);
    const tar = gunzipSync(readFileSync(path));
    // The last copy is the note file (the database, archived first, holds the text too).
    const at = tar.lastIndexOf('Second version, edited.');
    expect(at).toBeGreaterThan(0);
    tar[at] = 'X'.charCodeAt(0);
    const tampered = join(tempDir(), 'tampered.tar.gz');
    writeFileSync(tampered, gzipSync(tar));

    const b = join(tempDir(), 'b');
    const r = await cli(['restore', tampered], b);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /refused: checksum mismatch for "notes\/2025\/05\/edited\.md".*\n {2}nothing was changed/,
    );
    expect(existsSync(b)).toBe(false);
    expect(siblings(b)).toEqual([]);

    // The same with a non-empty target and --force: the old directory stays exactly where it was.
    const before = treeHashes(a);
    const forced = await cli(['restore', tampered, '--force'], a);
    expect(forced.code).toBe(1);
    expect(treeHashes(a)).toEqual(before);
    expect(siblings(a)).toEqual(['a']);
  });

  it('refuses a truncated archive, one with a file missing from the manifest, and a non-archive', async () => {
    const a = await populatedDataDir();
    const path = await backup(a);
    const dir = tempDir();
    const tar = gunzipSync(readFileSync(path));
    const cut = join(dir, 'cut.tar.gz');
    writeFileSync(cut, gzipSync(tar.subarray(0, Math.floor(tar.length / 2 / 512) * 512)));
    const b = join(dir, 'b');
    expect((await cli(['restore', cut], b)).err).toMatch(/refused: .*truncated/);

    // An extra file smuggled in before the end-of-archive marker.
    const trimmed = tar.length - 1024;
    const extra = join(dir, 'extra.tar.gz');
    writeFileSync(
      extra,
      gzipSync(
        Buffer.concat([
          tar.subarray(0, trimmed),
          fileEntry('notes/2025/01/extra.md', 'smuggled'),
          Buffer.alloc(1024),
        ]),
      ),
    );
    expect((await cli(['restore', extra], b)).err).toMatch(
      /refused: "notes\/2025\/01\/extra\.md" is in the archive but not in its manifest/,
    );

    const junk = join(dir, 'junk.tar.gz');
    writeFileSync(junk, 'not a gzip file');
    expect((await cli(['restore', junk], b)).err).toMatch(/refused: the archive is not a valid \.tar\.gz/);
    expect((await cli(['restore', join(dir, 'missing.tar.gz')], b)).err).toMatch(/refused: no such archive/);
    expect(existsSync(b)).toBe(false);
  });

  it('refuses a non-empty data directory without --force; with --force moves it aside intact', async () => {
    const a = await populatedDataDir();
    const path = await backup(a, ['--out', tempDir()]);
    const b = join(tempDir(), 'b');
    const other = openSite(b);
    other.notes.createNote({ content: 'A different site.\n', slug: 'different' });
    other.close();
    const before = treeHashes(b);

    const refused = await cli(['restore', path], b);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/is not empty; nothing was changed\. Use --force/);
    expect(treeHashes(b)).toEqual(before);
    expect(siblings(b)).toEqual(['b']);

    const forced = await cli(['restore', path, '--force'], b);
    expect(forced.err).toBe('');
    expect(forced.code).toBe(0);
    const aside = /moved to (\S+)/.exec(forced.out)?.[1];
    expect(aside).toMatch(/\/b\.before-restore-\d{8}T\d{6}Z$/);
    expect(treeHashes(aside!)).toEqual(before);
    expect(siblings(b).sort()).toEqual(['b', basename(aside!)].sort());
    const restored = openSite(b);
    expect(restored.notes.getNoteBySlug('different')).toBeUndefined();
    expect(restored.notes.getNoteBySlug('unicode')).toBeDefined();
    restored.close();
  });

  it('backs up a Python StarPunk data directory and restores it migrated to this version', async () => {
    const src = join(tempDir(), 'python');
    buildHistoricalDataDir(src, HISTORICAL_STATES['v0.9.x (tracking with 001, old plaintext tokens)']);
    const path = await backup(src, ['--out', tempDir()]);
    const manifest = await verifyBackup(path);
    expect(manifest.database.migrations.map((m) => [m.name, m.checksum])).toEqual([
      ['001_add_code_verifier_to_auth_state.sql', null],
    ]);
    const b = join(tempDir(), 'b');
    const r = await cli(['restore', path], b);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/migration ran {9}010_indieauth_grants\.sql/);
    expect((await cli(['doctor'], b)).code).toBe(0);
    const site = openSite(b);
    expect(site.notes.getNoteSource(site.notes.getNoteBySlug('cafe-deja-vu')!).content).toBe(
      FIXTURE_NOTES[0].body,
    );
    site.close();
  });

  it('restores into an existing empty directory without --force', async () => {
    const a = await populatedDataDir();
    const path = await backup(a, ['--out', tempDir()]);
    const b = join(tempDir(), 'b');
    mkdirSync(join(b, 'notes'), { recursive: true });
    const r = await cli(['restore', path], b);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/moved to/);
    expect(siblings(b)).toEqual(['b']);
  });

  describe('refuses crafted archives that try to escape or smuggle special files', () => {
    const manifestFor = (files: { path: string; content: Buffer | string }[]): Buffer => {
      const m: BackupManifest = {
        format: 'starpunk-backup',
        version: 1,
        starpunk_version: '0.0.0',
        created_at: '2026-01-01T00:00:00.000Z',
        database: { path: 'starpunk.db', migrations: [] },
        counts: { notes: 0, media_files: 0 },
        files: files.map((f) => ({
          path: f.path,
          sha256: createHash('sha256').update(f.content).digest('hex'),
          size: Buffer.byteLength(f.content),
        })),
      };
      return Buffer.from(JSON.stringify(m));
    };
    const db = Buffer.from('SQLite format 3\0 pretend');
    const cases: Record<string, Buffer[]> = {
      'a ../ path': [fileEntry('../evil.md', 'pwned')],
      'a nested ../ path': [fileEntry('notes/../../evil.md', 'pwned')],
      'an absolute path': [fileEntry('/tmp/evil.md', 'pwned')],
      'a symbolic link': [
        Buffer.concat([rawTarHeader({ name: 'notes/link', size: 0, typeflag: '2', linkname: '/etc' })]),
        fileEntry('notes/link/passwd', 'pwned'),
      ],
      'a hard link': [rawTarHeader({ name: 'notes/hard', size: 0, typeflag: '1', linkname: '/etc/passwd' })],
      'a device': [rawTarHeader({ name: 'notes/dev', size: 0, typeflag: '3' })],
      'a pax path override': [
        fileEntry('PaxHeader', '22 path=../../evil.md\n', 'x'),
        fileEntry('notes/innocent.md', 'pwned'),
      ],
      'an unexpected top-level file': [fileEntry('.bashrc', 'pwned')],
      'a backslash path': [fileEntry('notes\\..\\..\\evil.md', 'pwned')],
    };
    for (const [name, blocks] of Object.entries(cases)) {
      it(name, async () => {
        const dir = tempDir();
        const b = join(dir, 'data', 'b');
        const files = [{ path: 'starpunk.db', content: db }];
        const archive = craftedArchive(join(dir, 'evil.tar.gz'), [
          fileEntry('starpunk.db', db),
          ...blocks,
          fileEntry('manifest.json', manifestFor(files)),
        ]);
        const r = await cli(['restore', archive], b);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/refused: .*(refusing|not allowed|unexpected entry)/);
        expect(existsSync(join(dir, 'data'))).toBe(false);
        expect(existsSync(join(dir, 'evil.md'))).toBe(false);
        expect(existsSync('/tmp/evil.md')).toBe(false);
      });
    }
  });
});

describe('tar', () => {
  it('round-trips long paths (pax) and refuses entries with a bad checksum', async () => {
    const dir = tempDir();
    const path = join(dir, 'x.tar.gz');
    const long = `notes/2025/01/${'a'.repeat(190)}.md`;
    const w = new TarGzWriter(path, new Date());
    await w.addFile(long, 3, [Buffer.from('abc')]);
    await w.close();
    const seen: string[] = [];
    const { readTarGz } = await import('../../src/ops/tar.js');
    await readTarGz(path, { entry: (e) => seen.push(e.path), data: () => undefined, end: () => undefined });
    expect(seen).toEqual([long]);

    const tar = gunzipSync(readFileSync(path));
    // Blocks: pax header, pax records, then the entry's own ustar header (its name field).
    tar[1030] = tar[1030]! ^ 1;
    writeFileSync(path, gzipSync(tar));
    await expect(
      readTarGz(path, { entry: () => undefined, data: () => undefined, end: () => undefined }),
    ).rejects.toThrow(/checksum mismatch/);
  });
});
