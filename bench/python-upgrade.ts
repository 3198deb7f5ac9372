/**
 * The in-place upgrade of a Python StarPunk 1.5 data directory: 100,000 notes (files and rows, with
 * the Python search index), 5,000 tags on them, 2,000 photos with two size variants each and
 * captions, and an author profile. Times `runMigrations` as `serve` calls it (backup, rehearsal on a
 * copy, conversion, every migration, carrying the Python data over, VACUUM), then the first
 * start's search index rebuild from the note files.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock } from '../src/clock.js';
import { runMigrations } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { createNoteService } from '../src/notes/service.js';
import { PYTHON_15_DDL, PYTHON_15_RECORDED } from '../test/helpers/python-fixtures.js';
import type { BenchResult } from './migrations.js';

const hex = (s: string) => Buffer.from(s).toString('hex').slice(0, 64).padEnd(64, '0');

/** Builds a Python 1.5 data directory of the given size in `dir`. */
export function buildPython15Directory(
  dir: string,
  counts: { notes: number; tags: number; photos: number },
): void {
  mkdirSync(join(dir, 'notes'), { recursive: true });
  const db = new Database(join(dir, 'starpunk.db'));
  db.exec(PYTHON_15_DDL);
  const record = db.prepare('INSERT INTO schema_migrations (migration_name) VALUES (?)');
  for (const m of PYTHON_15_RECORDED) record.run(m);
  const note = db.prepare(
    'INSERT INTO notes (id, slug, file_path, published, created_at, updated_at, content_hash) VALUES (?, ?, ?, 1, ?, ?, ?)',
  );
  const fts = db.prepare('INSERT INTO notes_fts (rowid, slug, title, content) VALUES (?, ?, ?, ?)');
  const tag = db.prepare('INSERT INTO tags (id, name, display_name) VALUES (?, ?, ?)');
  const noteTag = db.prepare('INSERT INTO note_tags (note_id, tag_id) VALUES (?, ?)');
  const media = db.prepare(
    'INSERT INTO media (id, filename, original_name, path, mime_type, size, width, height, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const variant = db.prepare(
    'INSERT INTO media_variants (media_id, variant_type, path, width, height, size_bytes) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const link = db.prepare(
    'INSERT INTO note_media (note_id, media_id, display_order, caption) VALUES (?, ?, 0, ?)',
  );
  const madeDirs = new Set<string>();
  const ensure = (d: string) => {
    if (!madeDirs.has(d)) mkdirSync(d, { recursive: true });
    madeDirs.add(d);
  };
  db.transaction(() => {
    for (let t = 1; t <= counts.tags; t++) tag.run(t, `topic-${t}`, `Topic ${t}`);
    for (let i = 1; i <= counts.notes; i++) {
      const at = new Date(Date.UTC(2021, 0, 1) + i * 600_000);
      const stamp = at.toISOString().replace('T', ' ').slice(0, 19);
      const slug = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
      const rel = `${stamp.slice(0, 4)}/${stamp.slice(5, 7)}/${slug}.md`;
      const body = `Note ${i}: a Python StarPunk note with a [link](https://example.org/${i}).\n`;
      ensure(join(dir, 'notes', rel.slice(0, 7)));
      writeFileSync(join(dir, 'notes', rel), body);
      note.run(i, slug, `notes/${rel}`, stamp, stamp, hex(body));
      fts.run(i, slug, '', body);
      for (let k = 0; k < 3; k++) noteTag.run(i, 1 + ((i * 7 + k * 1301) % counts.tags));
    }
    for (let m = 1; m <= counts.photos; m++) {
      const base = `2024/06/${randomBytes(16).toString('hex')}`;
      ensure(join(dir, 'media', '2024/06'));
      const bytes = randomBytes(24_000);
      writeFileSync(join(dir, 'media', `${base}.jpg`), bytes);
      media.run(
        m,
        `${base.slice(8)}.jpg`,
        `IMG_${m}.jpg`,
        `${base}.jpg`,
        'image/jpeg',
        bytes.length,
        1600,
        1200,
        '2024-06-01 10:00:00',
      );
      for (const [v, w] of [
        ['thumb', 150],
        ['medium', 640],
      ] as const) {
        const vb = randomBytes(w * 10);
        writeFileSync(join(dir, 'media', `${base}_${v}.jpg`), vb);
        variant.run(m, v, `${base}_${v}.jpg`, w, (w * 3) / 4, vb.length);
      }
      link.run(1 + ((m * 37) % counts.notes), m, `Photo ${m}`);
    }
    db.prepare(
      'INSERT INTO author_profile (me, name, photo, note, rel_me_links, cached_until) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(
      'https://example.net/',
      'Ada',
      'https://example.net/ada.jpg',
      'Notes.',
      '["https://github.com/ada"]',
      '2099-01-01',
    );
  })();
  db.close();
}

/** Builds the directory, upgrades it in place, rebuilds the search index; returns the timings. */
export function benchPythonUpgrade(opts: { notes: number }): BenchResult[] {
  const root = mkdtempSync(join(tmpdir(), 'starpunk-bench-py-'));
  try {
    const dir = join(root, 'data');
    const counts = { notes: opts.notes, tags: 5000, photos: 2000 };
    const b0 = performance.now();
    buildPython15Directory(dir, counts);
    const built = performance.now() - b0;
    const dbPath = join(dir, 'starpunk.db');
    const t0 = performance.now();
    const report = runMigrations({ dbPath, backupsDir: join(dir, 'backups'), dataPath: dir });
    const upgrade = performance.now() - t0;
    if (report.drift.length > 0) throw new Error(`drift after the upgrade: ${report.drift.join('; ')}`);
    const db = openDatabase(dbPath);
    const r0 = performance.now();
    const notes = createNoteService({ db, notesPath: join(dir, 'notes'), clock: systemClock });
    const indexed = notes.isIndexStale() ? notes.reindex() : 0;
    const reindex = performance.now() - r0;
    const s0 = performance.now();
    const missing = notes.scanMissingFiles();
    const scan = performance.now() - s0;
    db.close();
    const p = report.python;
    return [
      {
        name: `upgrade Python 1.5 directory in place (${opts.notes.toLocaleString('en')} notes)`,
        value: upgrade,
        unit: 'ms',
        note: `${p?.tags ?? 0} tags on ${p?.noteTags ?? 0} links, ${p?.media ?? 0} photos + ${p?.variants ?? 0} variants; target < 30000`,
      },
      {
        name: 'first start: search index rebuilt from the note files',
        value: reindex,
        unit: 'ms',
        note: `${indexed} notes`,
      },
      {
        name: 'first start: notes without a file looked for',
        value: scan,
        unit: 'ms',
        note: `${missing} missing`,
      },
      { name: '(building the Python directory, not part of the upgrade)', value: built, unit: 'ms' },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
