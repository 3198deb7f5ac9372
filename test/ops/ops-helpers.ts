/**
 * Helpers for the backup / restore / import / export tests: a real data directory with notes
 * written through the services, the site it serves, and ways to compare two of them.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { buildApp } from '../../src/app.js';
import { main } from '../../src/cli/run.js';
import { fixedClock } from '../../src/clock.js';
import { type Config, loadConfig } from '../../src/config.js';
import { runMigrations } from '../../src/db/migrate.js';
import { type Db, openDatabase } from '../../src/db/open.js';
import { silentLogger } from '../../src/logger.js';
import { createMediaService, type MediaService } from '../../src/media/service.js';
import { createNoteService, type NoteService } from '../../src/notes/service.js';
import { captureIo } from '../helpers/io.js';

/** The fixed "now" of every site in these tests. */
export const NOW = '2026-11-27T12:00:00.000Z';

/** Configuration shared by every test site (only DATA_PATH differs). */
export function siteEnv(dataPath: string): Record<string, string> {
  return {
    DATA_PATH: dataPath,
    SITE_URL: 'http://example.test/',
    SITE_NAME: 'Test Site',
    SITE_AUTHOR: 'Ada Lovelace',
    LOG_LEVEL: 'error',
  };
}

const made: string[] = [];

/** A new temporary folder, removed by `cleanup()`. */
export function tempDir(prefix = 'starpunk-ops-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Removes every folder `tempDir` made, and its siblings named after it (restore leaves those). */
export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** An open, migrated data directory with its services. */
export interface Site {
  dir: string;
  config: Config;
  db: Db;
  notes: NoteService;
  media: MediaService;
  clock: ReturnType<typeof fixedClock>;
  close: () => void;
}

/** Opens (creating and migrating if needed) the data directory `dir`. */
export function openSite(dir: string): Site {
  const config = loadConfig(siteEnv(dir), dir);
  runMigrations({ dbPath: config.databasePath, backupsDir: config.backupsPath });
  const db = openDatabase(config.databasePath);
  const clock = fixedClock(NOW);
  const notes = createNoteService({ db, notesPath: config.notesPath, clock });
  const media = createMediaService({ db, mediaPath: config.mediaPath, clock });
  return { dir, config, db, notes, media, clock, close: () => db.close() };
}

/** A real PNG (40×30 unless told otherwise). */
export function png(colour: { r: number; g: number; b: number }, width = 40, height = 30): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();
}

/**
 * Fills a site with every kind of note: titled with tags, photos (uploaded through the media
 * service), a draft, a trashed note, a scheduled one, an unlisted one and an edited one.
 */
export async function populate(site: Site): Promise<void> {
  const { notes, media, clock } = site;
  clock.set('2025-03-01T09:00:00.000Z');
  // Large enough for a thumbnail variant, so variants travel through backup, export and import too.
  const photo = await media.saveUpload({
    bytes: await png({ r: 200, g: 30, b: 30 }, 600, 400),
    alt: 'A red square',
    originalName: 'red.png',
  });
  clock.set('2025-03-02T10:00:00.000Z');
  notes.createNote({
    content: 'Hello *world*, with a [link](https://example.org/).\n',
    name: 'Hello world',
    tags: ['IndieWeb', 'Café'],
  });
  clock.set('2025-04-05T11:30:00.000Z');
  notes.createNote({
    content: 'A photo note.\n',
    photos: [{ url: photo.url, alt: 'A red square' }],
    tags: ['photos'],
  });
  clock.set('2025-05-01T08:00:00.000Z');
  notes.createNote({ content: 'Unicode: 日本語, emoji 🎉, “quotes”.\n', slug: 'unicode' });
  notes.createNote({ content: 'Not ready yet.\n', published: false, slug: 'a-draft' });
  const gone = notes.createNote({ content: 'This goes to the trash.\n', slug: 'trashed' });
  clock.set('2025-05-02T08:00:00.000Z');
  notes.trashNote(gone.id);
  notes.createNote({
    content: 'Only for those with the link.\n',
    visibility: 'unlisted',
    slug: 'secret-ish',
  });
  notes.createNote({
    content: 'Scheduled for later.\n',
    slug: 'future',
    publishedAt: new Date('2027-01-01T00:00:00.000Z'),
  });
  const edited = notes.createNote({ content: 'First version.\n', slug: 'edited', tags: ['meta'] });
  clock.set('2025-06-10T16:45:00.000Z');
  notes.updateNote(edited.id, { content: 'Second version, edited.\n', tags: ['meta', 'edits'] });
  clock.set(NOW);
}

/** Every file under `dir` (dot files included) → SHA-256, with relative '/' paths. */
export function treeHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    out[relative(dir, full).split('\\').join('/')] = createHash('sha256')
      .update(readFileSync(full))
      .digest('hex');
  }
  return out;
}

/** Runs the real CLI in-process against the data directory `dataPath`. */
export async function cli(args: string[], dataPath: string, cwd: string = dataPath) {
  const io = captureIo(siteEnv(dataPath), cwd);
  const code = await main(args, io);
  return { code, out: io.out.join(''), err: io.err.join('') };
}

/** The app a data directory serves (same configuration and fixed clock as every test site). */
export function serveSite(dir: string) {
  const site = openSite(dir);
  const app = buildApp({
    config: site.config,
    db: site.db,
    clock: site.clock,
    logger: silentLogger(),
    version: '0.0.0-test',
    notes: site.notes,
    secret: 'test-secret-test-secret-test-secret',
  });
  return {
    site,
    /** Status, content type and body of a GET. */
    get: async (path: string) => {
      const res = await app.request(`http://example.test${path}`);
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        body: Buffer.from(await res.arrayBuffer()).toString('base64'),
      };
    },
    close: () => site.close(),
  };
}

/** The pages worth comparing between two data directories that should serve the same site. */
export function pagesOf(site: Site): string[] {
  const paths = ['/', '/feed.json', '/feed.atom', '/feed.rss', '/tag/indieweb', '/search?q=photo'];
  for (const n of site.notes.listForAdmin('all', 100, 0)) paths.push(`/notes/${n.slug}`);
  for (const n of site.notes.listForAdmin('trash', 100, 0)) paths.push(`/notes/${n.slug}`);
  for (const m of site.media.listMedia(100, 0)) paths.push(m.url, ...Object.values(m.variants));
  return paths;
}

/** Every notes row, every tag link and every media row, for comparing databases. */
export function dbRows(db: Db) {
  return {
    notes: db.prepare('SELECT * FROM notes ORDER BY id').all(),
    tags: db.prepare('SELECT * FROM note_tags ORDER BY note_id, position').all(),
    media: db.prepare('SELECT * FROM media ORDER BY id').all(),
  };
}
