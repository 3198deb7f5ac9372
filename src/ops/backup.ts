/**
 * `starpunk backup`: one .tar.gz holding a consistent snapshot of the database, the note files
 * its rows refer to, the media folder and the site's keys, with a manifest of SHA-256 checksums.
 * What it carries follows src/ops/file-owners.ts.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { KEYS_FOLDER } from '../keys/key-files.js';
import { locateNoteFile } from '../legacy/note-paths.js';
import { readNoteFile, resolveUnder } from '../lib/files.js';
import { NO_PROGRESS, type Progress, type ProgressFactory, shown } from '../lib/progress.js';
import { interruptedUploads } from '../media/owners.js';
import { fileStamp, fsyncPath, listRegularFiles, openHashed, sha256Hex } from './common.js';
import { TarGzWriter } from './tar.js';

/** The archive format written by this version. */
export const BACKUP_FORMAT = 'starpunk-backup';
/** The manifest version written by this version (restore refuses any other). */
export const BACKUP_VERSION = 1;
/** The database's name inside an archive. */
export const ARCHIVE_DB = 'starpunk.db';
/** The manifest's name inside an archive. */
export const ARCHIVE_MANIFEST = 'manifest.json';

/** One file listed in a manifest. */
export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
}

/** The manifest.json of a backup archive. */
export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: number;
  starpunk_version: string;
  created_at: string;
  database: {
    path: string;
    /** The schema_migrations rows of the snapshot (empty for a database that never had any). */
    migrations: { name: string; checksum: string | null; applied_at: string | null }[];
  };
  /** `keys`: files of DATA_PATH/keys/ (absent in archives made before issue 20). */
  counts: { notes: number; media_files: number; keys?: number };
  files: ManifestFile[];
}

/** The steps a backup goes through; tests write between them to play a busy server. */
export type BackupStep = 'snapshot' | 'notes' | 'media';

/** Options for createBackup. */
export interface BackupOptions {
  databasePath: string;
  notesPath: string;
  mediaPath: string;
  /**
   * DATA_PATH/keys: its files go into the archive under keys/ (what a restore needs to open the
   * tokens of connected accounts). Left out when not given.
   */
  keysPath?: string;
  /** Where the archive goes (created, mode 0700, when missing). */
  outDir: string;
  version: string;
  now?: () => Date;
  /** How many snapshots to try before giving up on a data directory that keeps changing. Default 5. */
  attempts?: number;
  /**
   * Called after each step with the attempt number. On the last attempt, which pauses writers,
   * 'snapshot' comes after the notes were copied (a hook that writes would otherwise wait on the lock).
   */
  onStep?: (step: BackupStep, attempt: number) => void | Promise<void>;
  /** Shows how far each step is (on a terminal: `starpunk backup`). */
  progress?: ProgressFactory;
}

/** What a backup produced. */
export interface BackupResult {
  path: string;
  manifest: BackupManifest;
  /** How many snapshots it took (more than one when a writer changed notes meanwhile). */
  attempts: number;
}

/** A note file no longer matches the snapshot: a writer changed it; the snapshot is retaken. */
class SnapshotMoved extends Error {}

interface Snapshot {
  notes: { file_path: string; content_hash: string | null; slug: string }[];
  mediaPaths: string[];
  migrations: BackupManifest['database']['migrations'];
}

function columnsOf(db: Database.Database, table: string): Set<string> {
  return new Set(
    (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name),
  );
}

/** Copies the live database into `target` in one read transaction (consistent even while a server writes). */
function snapshotDatabase(databasePath: string, target: string): void {
  // Created empty with owner-only permissions before SQLite fills it.
  closeSync(openSync(target, 'wx', 0o600));
  const live = new Database(databasePath, { fileMustExist: true });
  try {
    live.pragma('busy_timeout = 10000');
    live.prepare('VACUUM INTO ?').run(target);
  } finally {
    live.close();
  }
}

/** Reads what the snapshot refers to, and turns it into a self-contained rollback-journal file. */
function readSnapshot(path: string): Snapshot {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
    const tables = new Set(
      (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as { name: string }[]).map(
        (r) => r.name,
      ),
    );
    if (!tables.has('notes'))
      throw new Error('the database has no notes table: is this a StarPunk database?');
    const notes = db
      .prepare('SELECT slug, file_path, content_hash FROM notes ORDER BY file_path')
      .all() as Snapshot['notes'];
    const mediaPaths: string[] = [];
    if (tables.has('media') && columnsOf(db, 'media').has('variants')) {
      for (const r of db.prepare('SELECT file_path, variants FROM media').all() as {
        file_path: string;
        variants: string;
      }[]) {
        mediaPaths.push(r.file_path);
        try {
          for (const v of Object.values(
            JSON.parse(r.variants) as Record<string, { path?: string } | string>,
          )) {
            const p = typeof v === 'string' ? v : v?.path;
            if (typeof p === 'string') mediaPaths.push(p);
          }
        } catch {
          // An unreadable variants column is doctor's business; the main file is still required.
        }
      }
    }
    let migrations: Snapshot['migrations'] = [];
    if (tables.has('schema_migrations')) {
      const cols = columnsOf(db, 'schema_migrations');
      migrations = db
        .prepare(
          `SELECT migration_name AS name, ${cols.has('checksum') ? 'checksum' : 'NULL AS checksum'},
            ${cols.has('applied_at') ? 'applied_at' : 'NULL AS applied_at'} FROM schema_migrations ORDER BY id`,
        )
        .all() as Snapshot['migrations'];
    }
    return { notes, mediaPaths, migrations };
  } finally {
    db.close();
  }
}

/** The bytes of a regular file of at most 1 MiB, or undefined for a larger one. */
function readSmallFile(path: string): Buffer | undefined {
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size > 1024 * 1024) return undefined;
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, buf, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    return at === size ? buf : buf.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/** A note file copied aside, with the hash it was checked against. */
interface StagedNote {
  rel: string;
  hash: string;
}

/** Blocks the current thread for `ms` milliseconds (a short, bounded wait inside a synchronous step). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `fn` while holding the database's write lock on a separate connection: readers (and
 * VACUUM INTO) go on, writers wait on their busy timeout until it returns.
 */
function withWritersPaused<T>(databasePath: string, fn: () => T): T {
  const lock = new Database(databasePath, { fileMustExist: true });
  try {
    lock.pragma('busy_timeout = 10000');
    lock.exec('BEGIN IMMEDIATE');
    try {
      return fn();
    } finally {
      lock.exec('ROLLBACK');
    }
  } finally {
    lock.close();
  }
}

/**
 * Copies the note files the snapshot names into `dir`, each checked against its row's
 * content_hash. Synchronous on purpose: nothing in this process can write between the snapshot
 * and the copy, which leaves only other processes' writes to detect (and retry). A writer
 * publishes its file just after its commit, so a mismatch is re-read briefly before it counts.
 */
function stageNotes(
  snap: Snapshot,
  notesPath: string,
  dir: string,
  paused: boolean,
  step: Progress,
): StagedNote[] {
  const out: StagedNote[] = [];
  for (const row of snap.notes) {
    step.tick();
    let bytes: Buffer | undefined;
    let hash = '';
    // Where the file goes in the archive: its stored path, or (for an absolute one) where it was found.
    let archiveRel = row.file_path;
    for (let tries = 0; ; tries++) {
      let unsafe: unknown;
      try {
        bytes = readNoteFile(notesPath, row.file_path);
      } catch (err) {
        unsafe = err;
      }
      // A Python StarPunk directory not yet upgraded stores notes/2024/11/x.md (relative to the data
      // directory), or an absolute path: the file is found where that points, and archived under
      // the stored path (the restore's upgrade normalises both).
      if (!bytes) {
        const located = locateNoteFile(row.file_path, { dataPath: dirname(notesPath), notesPath });
        if (located.kind === 'found') {
          bytes = readNoteFile(notesPath, located.rel);
          if (unsafe) archiveRel = located.rel;
        } else if (unsafe) {
          throw new Error(
            `note "${row.slug}" points at an unsafe path (${row.file_path}); run \`starpunk doctor\``,
            { cause: unsafe },
          );
        }
      }
      hash = bytes ? sha256Hex(bytes) : '';
      if (bytes && (!row.content_hash || hash === row.content_hash)) break;
      if (tries >= 5) {
        const what = bytes ? 'does not match the database' : 'is missing';
        if (paused) {
          throw new Error(
            `the file of note "${row.slug}" (${row.file_path}) ${what} even with writers paused; run \`starpunk doctor\``,
          );
        }
        throw new SnapshotMoved(`note "${row.slug}" changed while it was being backed up (its file ${what})`);
      }
      sleepSync(10);
    }
    const target = resolveUnder(dir, archiveRel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes!, { flag: 'wx', mode: 0o600 });
    out.push({ rel: archiveRel, hash });
  }
  return out;
}

/** The database snapshot, shown as a step of its own (VACUUM INTO reports no progress of its own). */
function snapshotDatabaseShown(databasePath: string, target: string, progress: ProgressFactory): void {
  const step = progress('Copying the database', 0);
  try {
    snapshotDatabase(databasePath, target);
  } finally {
    step.done();
  }
}

/** stageNotes as a step with its count. */
function stageNotesShown(
  snap: Snapshot,
  notesPath: string,
  dir: string,
  paused: boolean,
  progress: ProgressFactory,
): StagedNote[] {
  const step = progress('Copying notes', snap.notes.length);
  try {
    return stageNotes(snap, notesPath, dir, paused, step);
  } finally {
    step.done();
  }
}

/** Links `from` to the first free name among `base.tar.gz`, `base-2.tar.gz`, …; never overwrites. */
function publish(from: string, outDir: string, base: string): string {
  for (let n = 1; n < 100; n++) {
    const path = join(outDir, `${base}${n === 1 ? '' : `-${n}`}.tar.gz`);
    try {
      linkSync(from, path);
      unlinkSync(from);
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`too many backups named ${base} in ${outDir}`);
}

/**
 * Writes a backup archive. The database is snapshotted first (VACUUM INTO, one read transaction);
 * then exactly the note files its rows name are copied aside, each checked against the row's
 * content_hash, and the archive is built from those copies plus the (write-once) media files.
 * When a writer changed a note meanwhile the whole snapshot is retaken; the last of `attempts`
 * tries pauses writers for the snapshot and the copy. If even that does not match, it fails,
 * leaving nothing behind.
 */
export async function createBackup(options: BackupOptions): Promise<BackupResult> {
  const now = options.now ?? (() => new Date());
  const maxAttempts = options.attempts ?? 5;
  const progress = options.progress ?? NO_PROGRESS;
  if (!existsSync(options.databasePath)) throw new Error(`no database at ${options.databasePath}`);
  mkdirSync(options.outDir, { recursive: true, mode: 0o700 });
  let lastReason = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const started = now();
    const tag = `${fileStamp(started)}-${process.pid}-${randomBytes(4).toString('hex')}`;
    // Owner-only scratch space beside the archive: the database snapshot and the notes it names.
    const staging = join(options.outDir, `.starpunk-backup-${tag}`);
    const partial = join(options.outDir, `.starpunk-backup-${tag}.tar.gz.partial`);
    let writer: TarGzWriter | undefined;
    try {
      mkdirSync(staging, { mode: 0o700 });
      const dbCopy = join(staging, ARCHIVE_DB);
      const notesDir = join(staging, 'notes');
      let snap: Snapshot;
      let notes: StagedNote[];
      if (attempt === maxAttempts && maxAttempts > 1) {
        // Last try: pause writers (they wait on the lock) for just the snapshot and the note copy.
        ({ snap, notes } = withWritersPaused(options.databasePath, () => {
          snapshotDatabaseShown(options.databasePath, dbCopy, progress);
          const s = readSnapshot(dbCopy);
          return { snap: s, notes: stageNotesShown(s, options.notesPath, notesDir, true, progress) };
        }));
        await options.onStep?.('snapshot', attempt);
      } else {
        snapshotDatabaseShown(options.databasePath, dbCopy, progress);
        snap = readSnapshot(dbCopy);
        await options.onStep?.('snapshot', attempt);
        notes = stageNotesShown(snap, options.notesPath, notesDir, false, progress);
      }
      await options.onStep?.('notes', attempt);

      writer = new TarGzWriter(partial, started);
      const files: ManifestFile[] = [];
      const add = async (path: string, from: string) => {
        // Small files (notes, most images) in one synchronous read: four thread-pool round trips
        // per file (open, stat, read, close) left a 100,000-note backup mostly waiting.
        const small = readSmallFile(from);
        if (small) {
          await writer!.addFile(path, small.length, [small]);
          const digest = sha256Hex(small);
          files.push({ path, sha256: digest, size: small.length });
          return digest;
        }
        const file = await openHashed(from);
        try {
          await writer!.addFile(path, file.size, file.chunks);
        } finally {
          await file.close();
        }
        files.push({ path, sha256: file.digest(), size: file.size });
        return file.digest();
      };
      await shown(progress('Archiving the database', 0), () => add(ARCHIVE_DB, dbCopy));
      await writer.addDirectory('notes');
      await shown(progress('Archiving notes', notes.length), async (step) => {
        for (const n of notes) {
          const digest = await add(`notes/${n.rel}`, join(staging, 'notes', n.rel));
          // The staged copy is ours alone, so this only fails on a broken disk.
          if (digest !== n.hash) throw new Error(`the staged copy of ${n.rel} is damaged`);
          step.tick();
        }
      });

      await writer.addDirectory('media');
      // Every owner's files (src/ops/file-owners.ts), and files nobody owns too (kept, as start-up
      // keeps them); not the files of an upload whose row is not in this snapshot.
      const inSnapshot = new Set(snap.mediaPaths);
      const inFlight = interruptedUploads(options.mediaPath, (p) => inSnapshot.has(p));
      const present = listRegularFiles(options.mediaPath).filter((rel) => !inFlight.has(rel));
      const have = new Set(present);
      // Media files are write-once; one the snapshot names but the folder lacks was deleted meanwhile.
      const gone = snap.mediaPaths.find((p) => !have.has(p));
      if (gone !== undefined) throw new SnapshotMoved(`media file ${gone} disappeared during the backup`);
      await shown(progress('Archiving media', present.length), async (step) => {
        for (const rel of present) {
          await add(`media/${rel}`, join(options.mediaPath, rel));
          step.tick();
        }
      });
      await options.onStep?.('media', attempt);

      // The most sensitive part, and what makes the restored site whole: the site's keys.
      const keys = options.keysPath ? listRegularFiles(options.keysPath) : [];
      if (keys.length > 0) {
        await writer.addDirectory(KEYS_FOLDER);
        for (const rel of keys) await add(`${KEYS_FOLDER}/${rel}`, join(options.keysPath!, rel));
      }

      const manifest: BackupManifest = {
        format: BACKUP_FORMAT,
        version: BACKUP_VERSION,
        starpunk_version: options.version,
        created_at: started.toISOString(),
        database: { path: ARCHIVE_DB, migrations: snap.migrations },
        counts: { notes: snap.notes.length, media_files: present.length, keys: keys.length },
        files,
      };
      const json = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
      await writer.addFile(ARCHIVE_MANIFEST, json.length, [json]);
      await writer.close();
      writer = undefined;
      fsyncPath(partial);
      const path = publish(partial, options.outDir, `starpunk-backup-${fileStamp(started)}`);
      chmodSync(path, 0o600);
      fsyncPath(options.outDir);
      return { path, manifest, attempts: attempt };
    } catch (err) {
      await writer?.abort();
      rmSync(partial, { force: true });
      if (!(err instanceof SnapshotMoved)) throw err;
      lastReason = err.message;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  throw new Error(
    `the data directory kept changing while it was being backed up (${maxAttempts} attempts; last: ${lastReason}); ` +
      'try again when the site is quieter',
  );
}
