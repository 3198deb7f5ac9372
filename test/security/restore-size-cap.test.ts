import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BackupManifest } from '../../src/ops/backup.js';
import { RestoreRefused, restoreBackup } from '../../src/ops/restore.js';
import { TarGzWriter, UnsafeArchiveError } from '../../src/ops/tar.js';
import { cleanup, cli, tempDir } from '../ops/ops-helpers.js';

// Issue #13, hardening: `starpunk restore` had no size cap: a 1.5 MB archive with a consistent
// manifest was extracted to 1.6 GB. It now refuses an archive that expands more than any backup
// does, checks free space against the manifest before writing, and counts the bytes it writes.

afterAll(cleanup);

const MB = 1024 * 1024;

/** A file of an archive: its bytes as chunks (so 100 MB of zeros never sits in memory at once). */
interface Part {
  path: string;
  size: number;
  chunks: () => Iterable<Buffer>;
}

function zeros(size: number): Part['chunks'] {
  const block = Buffer.alloc(MB);
  return function* () {
    for (let left = size; left > 0; left -= MB) yield left >= MB ? block : block.subarray(0, left);
  };
}

function bytes(b: Buffer): Part['chunks'] {
  return () => [b];
}

function sha256(chunks: Iterable<Buffer>): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

/**
 * Writes a well-formed StarPunk archive. The manifest lists `declared` (default: the parts as
 * they are), so a test can make it agree with the content or lie about it.
 */
async function archive(path: string, parts: Part[], declared?: Part[]): Promise<string> {
  const listed = declared ?? parts;
  const manifest: BackupManifest = {
    format: 'starpunk-backup',
    version: 1,
    starpunk_version: '0.0.0',
    created_at: '2026-11-27T12:00:00.000Z',
    database: { path: 'starpunk.db', migrations: [] },
    counts: { notes: 0, media_files: 0 },
    files: listed.map((p) => ({ path: p.path, size: p.size, sha256: sha256(p.chunks()) })),
  };
  const m = Buffer.from(JSON.stringify(manifest));
  const w = new TarGzWriter(path, new Date('2026-11-27T12:00:00Z'));
  await w.addFile('manifest.json', m.length, [m]);
  for (const p of parts) await w.addFile(p.path, p.size, p.chunks());
  await w.close();
  return path;
}

const smallDb: Part = { path: 'starpunk.db', size: 4096, chunks: bytes(Buffer.alloc(4096, 7)) };

/** The data directory and every sibling starting with its name (staging and moved-aside folders). */
function leftovers(dataPath: string): string[] {
  return readdirSync(dirname(dataPath)).filter((n) => n.startsWith(basename(dataPath)));
}

describe('restore refuses archives that expand too far', () => {
  it('a consistent archive of 100 MB of zeros in 100 KB: refused before writing, with a clear message', async () => {
    const dir = tempDir();
    const path = await archive(join(dir, 'bomb.tar.gz'), [
      smallDb,
      { path: 'media/zeros.bin', size: 100 * MB, chunks: zeros(100 * MB) },
    ]);
    expect(statSync(path).size).toBeLessThan(MB);
    const data = join(dir, 'data');
    const r = await cli(['restore', path], data, dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /refused: the archive expands to more than 64 MB, over 200 times its own .*decompression bomb/,
    );
    expect(r.err).toMatch(/nothing was changed/);
    expect(leftovers(data)).toEqual([]);
  });

  it('a manifest that under-declares a file is refused at its header, before its bytes are read', async () => {
    const dir = tempDir();
    const big: Part = { path: 'media/big.bin', size: 100 * MB, chunks: zeros(100 * MB) };
    const claimed: Part = { path: 'media/big.bin', size: 10, chunks: bytes(Buffer.alloc(10)) };
    const path = await archive(join(dir, 'liar.tar.gz'), [smallDb, big], [smallDb, claimed]);
    await expect(restoreBackup({ archive: path, dataPath: join(dir, 'data'), force: false })).rejects.toThrow(
      /expands to more than 64 MB/,
    );
    expect(leftovers(join(dir, 'data'))).toEqual([]);
  });

  it('an archive swapped for a larger one after it was verified is refused, leaving nothing', async () => {
    const dir = tempDir();
    const good = await archive(join(dir, 'good.tar.gz'), [smallDb]);
    // Same manifest, but the database entry is 8 MB: what a swap between verify and extract brings.
    const grown: Part = { path: 'starpunk.db', size: 8 * MB, chunks: zeros(8 * MB) };
    const swapped = await archive(join(dir, 'swapped.tar.gz'), [grown], [smallDb]);
    const data = join(dir, 'data');
    const err = await restoreBackup({
      archive: good,
      dataPath: data,
      force: false,
      // Called once, after verification and before extraction: the moment to swap the file.
      now: () => {
        renameSync(swapped, good);
        return new Date('2026-11-27T12:00:00Z');
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeArchiveError);
    expect((err as Error).message).toMatch(/"starpunk\.db" changed since the archive was verified/);
    expect(leftovers(data)).toEqual([]);
  });

  it('an ordinary archive that compresses well (a new site) still restores', async () => {
    const dir = tempDir();
    const site = join(dir, 'site');
    expect((await cli(['migrate'], site)).code).toBe(0);
    const b = await cli(['backup', '--out', join(dir, 'out')], site);
    expect(b.code, b.err).toBe(0);
    const path = join(dir, 'out', readdirSync(join(dir, 'out'))[0]!);
    const r = await cli(['restore', path], join(dir, 'restored'), dir);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
});

/** Whether this machine lets us mount a tmpfs (root, and not forbidden by the container). */
function tmpfsMountable(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), 'starpunk-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

describe.skipIf(!tmpfsMountable())(
  'restore checks free space first (small tmpfs; skipped without mount rights, issue 13)',
  () => {
    it('refuses an archive whose files do not fit, writing nothing', async () => {
      const dir = tempDir();
      // Incompressible, so the expansion limit is not what refuses it.
      const noise = Buffer.alloc(20 * MB);
      for (let i = 0; i < noise.length; i += 4) noise.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
      const path = await archive(join(dir, 'big.tar.gz'), [
        smallDb,
        { path: 'media/noise.bin', size: noise.length, chunks: bytes(noise) },
      ]);
      const mnt = join(dir, 'mnt');
      mkdirSync(mnt);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', mnt]);
      try {
        const data = join(mnt, 'data');
        const r = await cli(['restore', path], data, dir);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(
          /refused: not enough free space beside .*: the backup holds 20 MB and restoring it needs about 38 MB, but only 32 MB is free/,
        );
        expect(readdirSync(mnt)).toEqual([]);
        expect(existsSync(data)).toBe(false);
      } finally {
        execFileSync('umount', [mnt]);
      }
    });

    it('a disk that fills up during the restore: a clear refusal and nothing left behind', async () => {
      const dir = tempDir();
      const noise = Buffer.alloc(4 * MB);
      for (let i = 0; i < noise.length; i += 4) noise.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
      const path = await archive(join(dir, 'noise.tar.gz'), [
        smallDb,
        { path: 'media/noise.bin', size: noise.length, chunks: bytes(noise) },
      ]);
      const mnt = join(dir, 'mnt');
      mkdirSync(mnt);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mnt]);
      try {
        const err = await restoreBackup({
          archive: path,
          dataPath: join(mnt, 'data'),
          force: false,
          // After the free-space check passed: something else takes all but 1 MB.
          now: () => {
            const { bavail, bsize } = statfsSync(mnt);
            writeFileSync(join(mnt, 'filler'), Buffer.alloc(bavail * bsize - MB));
            return new Date('2026-11-27T12:00:00Z');
          },
        }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RestoreRefused);
        expect((err as Error).message).toMatch(
          /the disk filled up while restoring into .*; the partial copy was removed/,
        );
        expect(readdirSync(mnt)).toEqual(['filler']);
      } finally {
        execFileSync('umount', [mnt]);
      }
    });

    it('an archive swapped after verification writes no byte beyond what the manifest declared', async () => {
      const dir = tempDir();
      const good = await archive(join(dir, 'good.tar.gz'), [smallDb]);
      // 200 MB where the manifest said 4 KB, on a 24 MB disk: writing it until the file's end
      // (the old check) fills the disk; stopping at the declared size never comes close.
      const grown: Part = { path: 'starpunk.db', size: 200 * MB, chunks: zeros(200 * MB) };
      const swapped = await archive(join(dir, 'swapped.tar.gz'), [grown], [smallDb]);
      const mnt = join(dir, 'mnt');
      mkdirSync(mnt);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mnt]);
      try {
        const err = await restoreBackup({
          archive: good,
          dataPath: join(mnt, 'data'),
          force: false,
          now: () => {
            renameSync(swapped, good);
            return new Date('2026-11-27T12:00:00Z');
          },
        }).catch((e: unknown) => e);
        expect((err as Error).message).toMatch(/"starpunk\.db" changed since the archive was verified/);
        expect(readdirSync(mnt)).toEqual([]);
      } finally {
        execFileSync('umount', [mnt]);
      }
    });
  },
);
