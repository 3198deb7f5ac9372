/**
 * Where a note's Markdown file is, whatever convention wrote `notes.file_path`.
 *
 * StarPunk stores the path relative to the notes folder (`2024/11/<slug>.md`, see
 * docs/decisions/0007-python-data-directories.md). The Python StarPunk's path helpers all take the
 * data directory (`generate_note_path(slug, created_at, data_dir)`), so its rows hold
 * `notes/2024/11/<slug>.md`; hand-made or moved directories may also hold absolute paths (from
 * this machine or an old one), `./`-prefixed or Windows-separated ones. A soft-deleted Python note
 * may have had its file moved to `DATA_PATH/.trash/`.
 */
import { createHash } from 'node:crypto';
import {
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  opendirSync,
  readFileSync,
  renameSync,
  statSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseDbTime } from '../lib/db-time.js';
import { notePathFor } from '../lib/files.js';

/** The folders a stored path may be relative to. */
export interface NotePathRoots {
  dataPath: string;
  notesPath: string;
}

/** How a stored path was resolved. */
export type NotePathOutcome =
  | { kind: 'found'; rel: string; changed: boolean }
  | { kind: 'trash'; rel: string; trashFile: string }
  | { kind: 'missing'; rel: string; changed: boolean };

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `full` relative to `root` with forward slashes, or undefined when it is not strictly inside. */
function inside(root: string, full: string): string | undefined {
  const back = relative(resolve(root), resolve(full));
  if (back === '' || back.startsWith('..') || isAbsolute(back)) return undefined;
  return back.split(sep).join('/');
}

/** The part after the last `notes/` segment of a path, if any (`/old/box/data/notes/2024/x.md` → `2024/x.md`). */
function afterNotesSegment(path: string): string | undefined {
  const parts = path.split('/');
  const i = parts.lastIndexOf('notes');
  if (i < 0 || i === parts.length - 1) return undefined;
  return parts.slice(i + 1).join('/');
}

/** Cleans a stored value: forward slashes, no `./` segments, no duplicate slashes. */
function cleanStored(value: string): string {
  const slashed = value.replace(/\\/g, '/').trim();
  const abs = slashed.startsWith('/') || /^[A-Za-z]:\//.test(slashed);
  const parts = slashed.split('/').filter((p) => p !== '' && p !== '.');
  return (abs && !/^[A-Za-z]:$/.test(parts[0] ?? '') ? '/' : '') + parts.join('/');
}

/** A relative path that stays inside its root (no `..`, not absolute). */
function safeRel(rel: string | undefined): rel is string {
  return (
    rel !== undefined &&
    rel !== '' &&
    !rel.includes('\0') &&
    !isAbsolute(rel) &&
    !/^[A-Za-z]:\//.test(rel) &&
    !rel.split('/').includes('..')
  );
}

/**
 * Where `value` (a stored `notes.file_path`) points, as a path relative to the notes folder.
 * Tries, in order: relative to the notes folder (StarPunk), relative to the data directory
 * (Python: `notes/…`), an absolute path inside the notes folder, and the part after the last
 * `notes/` segment of any path (a directory that was moved). Only files inside the notes folder count.
 */
export function locateNoteFile(value: string, roots: NotePathRoots): NotePathOutcome {
  const cleaned = cleanStored(value);
  const candidates: string[] = [];
  if (isAbsolute(cleaned) || /^[A-Za-z]:\//.test(cleaned)) candidates.push(cleaned);
  else {
    candidates.push(join(roots.notesPath, cleaned));
    candidates.push(join(roots.dataPath, cleaned));
  }
  const tail = afterNotesSegment(cleaned);
  if (tail !== undefined) candidates.push(join(roots.notesPath, tail));
  for (const full of candidates) {
    const rel = inside(roots.notesPath, full);
    if (safeRel(rel) && isFile(full)) return { kind: 'found', rel, changed: rel !== value };
  }
  // Not found: the best guess of where it belongs, so `doctor` names a sensible path.
  const guess = isAbsolute(cleaned)
    ? (inside(roots.notesPath, cleaned) ?? tail)
    : cleaned.startsWith('notes/')
      ? tail
      : cleaned;
  const rel = safeRel(guess) ? guess : value;
  return { kind: 'missing', rel, changed: rel !== value };
}

/** An index of the Markdown files in `DATA_PATH/.trash`, by base name (built once, lazily). */
export class TrashIndex {
  private byName: Map<string, string[]> | undefined;
  constructor(private readonly trashDir: string) {}

  /** Files in the trash whose base name is `name`, as absolute paths. */
  find(name: string): string[] {
    if (!this.byName) this.byName = this.build();
    return this.byName.get(name) ?? [];
  }

  private build(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    if (!existsSync(this.trashDir)) return out;
    const walk = (dir: string, depth: number) => {
      if (depth > 6) return;
      let handle: ReturnType<typeof opendirSync>;
      try {
        handle = opendirSync(dir);
      } catch {
        return;
      }
      try {
        for (let e = handle.readSync(); e !== null; e = handle.readSync()) {
          const full = join(dir, e.name);
          if (e.isDirectory()) walk(full, depth + 1);
          else if (e.isFile() && /\.(md|markdown|txt)$/i.test(e.name)) {
            const list = out.get(e.name) ?? [];
            list.push(full);
            out.set(e.name, list);
          }
        }
      } finally {
        handle.closeSync();
      }
    };
    walk(this.trashDir, 0);
    return out;
  }
}

/** What a note row says about itself, to find its file in the trash. */
export interface NoteIdentity {
  slug: string;
  createdAt: string | null;
}

/**
 * Looks for a missing note's file in `DATA_PATH/.trash/`, under the same relative path (with or
 * without `notes/`), or by its file name, or by `<slug>.md`. Returns the trash file and the path
 * (relative to the notes folder) where it belongs.
 */
export function findInTrash(
  value: string,
  note: NoteIdentity,
  roots: NotePathRoots,
  trash: TrashIndex,
): { trashFile: string; rel: string } | undefined {
  const trashDir = join(roots.dataPath, '.trash');
  const cleaned = cleanStored(value);
  const tail = afterNotesSegment(cleaned) ?? (isAbsolute(cleaned) ? undefined : cleaned);
  let target = safeRel(tail) ? tail : undefined;
  if (!target) {
    let created: Date;
    try {
      created = note.createdAt ? parseDbTime(note.createdAt) : new Date(0);
    } catch {
      created = new Date(0);
    }
    target = notePathFor(note.slug, created);
  }
  const direct = [join(trashDir, cleaned), join(trashDir, 'notes', target), join(trashDir, target)];
  for (const full of direct) {
    if (inside(trashDir, full) && isFile(full)) return { trashFile: full, rel: target };
  }
  for (const name of [basename(cleaned), `${note.slug}.md`]) {
    const hits = trash.find(name);
    if (hits.length === 1) return { trashFile: hits[0]!, rel: target };
  }
  return undefined;
}

/** Copies a file from the trash back to `notesPath/rel` (never over an existing file); the trash copy stays. */
export function restoreFromTrash(trashFile: string, notesPath: string, rel: string): void {
  const dest = join(notesPath, rel);
  if (existsSync(dest)) return;
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.${basename(dest)}.restoring`);
  copyFileSync(trashFile, tmp, constants.COPYFILE_EXCL);
  renameSync(tmp, dest);
}

/** What normalising every note path did, for the migration report. */
export interface NotePathStats {
  /** Rows whose stored value changed (e.g. `notes/2024/…` → `2024/…`). */
  rewritten: number;
  /** Files found only in `DATA_PATH/.trash/` and copied back into the notes folder. */
  fromTrash: string[];
  /** Notes whose file is nowhere to be found (their row is kept; `doctor` lists them). */
  missing: string[];
  /** Notes whose file did not hash to the recorded content_hash (edited outside the program): the file wins. */
  rehashed: string[];
}

/**
 * The SQL functions of `012_note_paths_relative_to_notes_folder.sql`:
 * `starpunk_note_path(file_path, slug, created_at)`, the stored value rewritten relative to the
 * notes folder, and `starpunk_note_hash(file_path, content_hash)`, the hash of the file found there
 * (the file is the truth; mismatches are reported). With `restore` off (rehearsals, dry runs)
 * nothing is copied out of the trash; the result is the same.
 */
export function notePathNormaliser(
  roots: NotePathRoots,
  restore: boolean,
): {
  fn: (value: unknown, slug: unknown, createdAt: unknown) => unknown;
  hash: (rel: unknown, recorded: unknown) => unknown;
  stats: NotePathStats;
} {
  const stats: NotePathStats = { rewritten: 0, fromTrash: [], missing: [], rehashed: [] };
  const trash = new TrashIndex(join(roots.dataPath, '.trash'));
  // The migration calls it twice per row (WHERE, then SET, possibly in two passes): later calls
  // answer from memory, so nothing is counted or copied twice.
  const seen = new Map<string, string>();
  const fn = (value: unknown, slug: unknown, createdAt: unknown): unknown => {
    if (typeof value !== 'string' || value === '') return value;
    const known = seen.get(value);
    if (known !== undefined) return known;
    const located = locateNoteFile(value, roots);
    let rel = located.rel;
    if (located.kind === 'missing') {
      const hit = findInTrash(
        value,
        { slug: String(slug ?? ''), createdAt: typeof createdAt === 'string' ? createdAt : null },
        roots,
        trash,
      );
      if (hit) {
        if (restore) restoreFromTrash(hit.trashFile, roots.notesPath, hit.rel);
        stats.fromTrash.push(hit.rel);
        rel = hit.rel;
      } else stats.missing.push(rel);
    }
    if (rel !== value) stats.rewritten++;
    seen.set(value, rel);
    return rel;
  };
  // The hash of the file at a (normalised) path, or the recorded one when there is no file.
  const hashed = new Map<string, unknown>();
  const hash = (rel: unknown, recorded: unknown): unknown => {
    if (typeof rel !== 'string') return recorded;
    if (hashed.has(rel)) return hashed.get(rel);
    let out = recorded;
    const full = join(roots.notesPath, rel);
    if (safeRel(rel) && isFile(full)) {
      out = createHash('sha256').update(readFileSync(full)).digest('hex');
      if (out !== recorded) stats.rehashed.push(rel);
    }
    hashed.set(rel, out);
    return out;
  };
  return { fn, hash, stats };
}
