/**
 * Bulk seeding of a StarPunk data directory for benchmarks: notes as rows AND Markdown files,
 * exactly as the note service writes them, but in one transaction and without the per-note fsyncs
 * (a benchmark's data directory needs no crash safety, only the same bytes and rows).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { runMigrations } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { notesStore } from '../src/db/store/notes.js';
import { searchStore } from '../src/db/store/search.js';
import { tagsStore } from '../src/db/store/tags.js';
import { toDbTime } from '../src/lib/db-time.js';
import { hashBytes, notePathFor, resolveUnder } from '../src/lib/files.js';
import { normaliseTags } from '../src/lib/tags.js';
import { renderKey } from '../src/notes/markdown.js';
import { generateSlug, nextFreeSlug } from '../src/notes/slug.js';

// Frequent words: every note is mostly made of these.
const COMMON = `the a of and to in is it that was for on with as at this my by from we but not have
  today just some more one about after before into over again still very really quite little long
  small good new old first last next morning evening night week walk read wrote made found saw
  thought think tried tested fixed built started finished shipped learned noticed liked needed`.split(/\s+/);
// Topic words: each note picks one or two, so a search for one of them hits a few percent of notes.
export const TOPICS = `garden bicycle lighthouse river coffee bread sourdough library concert harbour mountain
  forest train station museum market kitchen notebook camera lens film printer keyboard server
  database migration compiler parser feed webmention microformats indieauth micropub sqlite
  typescript markdown terminal editor podcast album guitar piano chess puzzle lantern orchard
  meadow glacier volcano canyon island`.split(/\s+/);
/** Notes rendered per worker batch. */
const BATCH = 1000;

const TAGS = ['IndieWeb', 'SQLite', 'Photography', 'travel', 'TypeScript', 'notes', 'Music', 'Cooking'];

/** The word a benchmark searches for: one topic word of the fifty, in a few percent of the notes. */
export const SEARCH_WORD = 'lighthouse';

/** A small deterministic pseudo-random generator (mulberry32), so every run seeds the same notes. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One generated note before it is written. */
export interface GeneratedNote {
  name: string | null;
  content: string;
  tags: string[];
}

/** One note's Markdown: a few sentences of common words with topic words, links, emphasis or a list. */
export function generateNote(rnd: () => number): GeneratedNote {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  // Skewed towards the first common words, as real text is.
  const common = () => COMMON[Math.floor(rnd() * rnd() * COMMON.length)]!;
  const topics = [pick(TOPICS), ...(rnd() < 0.4 ? [pick(TOPICS)] : [])];
  const sentence = () => {
    const words: string[] = [];
    const n = 6 + Math.floor(rnd() * 12);
    for (let i = 0; i < n; i++) words.push(rnd() < 0.12 ? pick(topics) : common());
    const first = words[0]!;
    words[0] = first[0]!.toUpperCase() + first.slice(1);
    return `${words.join(' ')}.`;
  };
  const paragraphs: string[] = [];
  const count = 1 + Math.floor(rnd() * 3);
  for (let p = 0; p < count; p++) {
    const sentences = Array.from({ length: 1 + Math.floor(rnd() * 3) }, sentence);
    paragraphs.push(sentences.join(' '));
  }
  // The first paragraph always ends with a topic word, so every note is findable by one.
  paragraphs[0] = `${paragraphs[0]!.slice(0, -1)} near the ${topics[0]}.`;
  const r = rnd();
  if (r < 0.25) paragraphs.push(`More about the [${topics[0]}](https://example.com/${topics[0]}) here.`);
  else if (r < 0.4) paragraphs.push(`A **${topics.at(-1)}** and an _${pick(TOPICS)}_, of course.`);
  else if (r < 0.5) paragraphs.push(`- ${pick(TOPICS)}\n- ${pick(TOPICS)}\n- ${pick(TOPICS)}`);
  const tagCount = Math.floor(rnd() * rnd() * 4);
  const tags = Array.from({ length: tagCount }, () => pick(TAGS));
  const name = rnd() < 0.1 ? `On the ${topics[0]} and ${pick(COMMON)} ${pick(TOPICS)}` : null;
  return { name, content: `${paragraphs.join('\n\n')}\n`, tags };
}

/** What seeding produced: where the notes are and which URLs a benchmark can ask for. */
export interface SeedReport {
  count: number;
  durationMs: number;
  newestSlug: string;
  middleSlug: string;
  /** Publication times (ms) of the newest and the oldest note: notes are one minute apart. */
  newestAt: number;
  oldestAt: number;
  searchWord: string;
  searchHits: number;
}

/** Options of seedNotes. */
export interface SeedOptions {
  /** Data directory (created if missing); the database and notes folder follow the defaults. */
  dataPath: string;
  count: number;
  /** The migrations the server will expect (e.g. the built copy in dist); default the sources'. */
  migrationsDir?: string;
  /** The newest note's publication time; the others follow one minute apart before it. */
  newest?: Date;
  seed?: number;
}

/** A batch of Markdown bodies for bench/render-worker.mjs. */
interface RenderJob {
  id: number;
  contents: string[];
}

/** The rendered batch, in the same order: sanitised HTML and its plain text. */
interface RenderResult {
  id: number;
  html: string[];
  text: string[];
}

interface PlannedNote {
  at: Date;
  note: GeneratedNote;
  slug: string;
  rel: string;
}

/** Renders Markdown on worker threads, in batches; each batch's promise resolves when it is done. */
function renderOnWorkers(
  batches: string[][],
  threads: number,
): { results: Promise<RenderResult>[]; stop: () => Promise<void> } {
  const workers = Array.from(
    { length: threads },
    () => new Worker(new URL('./render-worker.mjs', import.meta.url)),
  );
  const pending = new Map<number, { resolve: (r: RenderResult) => void; reject: (e: unknown) => void }>();
  for (const w of workers) {
    w.on('message', (r: RenderResult) => {
      pending.get(r.id)?.resolve(r);
      pending.delete(r.id);
    });
    w.on('error', (err) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
  }
  const results = batches.map(
    (contents, id) =>
      new Promise<RenderResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        const job: RenderJob = { id, contents };
        workers[id % threads]!.postMessage(job);
      }),
  );
  // A failed batch rejects its promise; keep the others from reporting an unhandled rejection.
  for (const r of results) r.catch(() => undefined);
  return { results, stop: async () => void (await Promise.all(workers.map((w) => w.terminate()))) };
}

/**
 * Migrates a data directory and fills it with `count` public notes, one minute apart, each as a
 * Markdown file plus the notes, tags, note_tags and notes_fts rows the note service writes.
 */
export async function seedNotes(opts: SeedOptions): Promise<SeedReport> {
  const started = performance.now();
  const dbPath = join(opts.dataPath, 'starpunk.db');
  const notesPath = join(opts.dataPath, 'notes');
  mkdirSync(notesPath, { recursive: true });
  mkdirSync(join(opts.dataPath, 'media'), { recursive: true });
  runMigrations({
    dbPath,
    backupsDir: join(opts.dataPath, 'backups'),
    ...(opts.migrationsDir ? { migrationsDir: opts.migrationsDir } : {}),
  });

  // Every note, its slug and its file path first (cheap, and deterministic for a given seed).
  const rnd = random(opts.seed ?? 20_261_127);
  const newest = (opts.newest ?? new Date(Date.now() - 60_000)).getTime();
  const taken = new Set<string>();
  const planned: PlannedNote[] = [];
  for (let i = 0; i < opts.count; i++) {
    const at = new Date(newest - (opts.count - 1 - i) * 60_000);
    const note = generateNote(rnd);
    const base = generateSlug({ name: note.name, content: note.content, now: at });
    const slug = nextFreeSlug(base, (s) => taken.has(s));
    taken.add(slug);
    planned.push({ at, note, slug, rel: notePathFor(slug, at) });
  }

  // Rendering (markdown-it + sanitize-html) is most of the cost: the workers do it while this
  // thread writes files and rows, batch by batch, in one transaction.
  const batches: PlannedNote[][] = [];
  for (let i = 0; i < planned.length; i += BATCH) batches.push(planned.slice(i, i + BATCH));
  const render = renderOnWorkers(
    batches.map((b) => b.map((p) => p.note.content)),
    Math.max(1, Math.min(4, cpus().length)),
  );
  const db = openDatabase(dbPath);
  try {
    const notes = notesStore(db);
    const tags = tagsStore(db);
    const search = searchStore(db);
    const dirs = new Set<string>();
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const [k, batch] of batches.entries()) {
        const { html, text } = await render.results[k]!;
        batch.forEach(({ at, note, slug, rel }, j) => {
          const full = resolveUnder(notesPath, rel);
          if (!dirs.has(dirname(full))) {
            mkdirSync(dirname(full), { recursive: true });
            dirs.add(dirname(full));
          }
          const bytes = Buffer.from(note.content, 'utf8');
          writeFileSync(full, bytes, { mode: 0o644, flag: 'wx' });
          const tagList = normaliseTags(note.tags);
          // Key order as the service's buildProperties writes it.
          const properties: Record<string, unknown> = { content: [note.content] };
          if (note.name) properties.name = [note.name];
          if (tagList.length > 0) properties.category = tagList.map((t) => t.name);
          const id = notes.insertNote({
            slug,
            file_path: rel,
            published: true,
            created_at: toDbTime(at),
            published_at: toDbTime(at),
            content_hash: hashBytes(bytes),
            name: note.name,
            visibility: 'public',
            properties: JSON.stringify(properties),
            content_html: html[j]!,
            html_hash: renderKey(hashBytes(bytes)),
          });
          tags.replaceNoteTags(id, tagList);
          search.indexNote(id, note.name, { body: text[j]! });
        });
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
    const hits = db
      .prepare('SELECT count(*) AS n FROM notes_fts WHERE notes_fts MATCH ?')
      .get(`"${SEARCH_WORD}"`) as { n: number };
    return {
      count: opts.count,
      durationMs: performance.now() - started,
      newestSlug: planned.at(-1)?.slug ?? '',
      middleSlug: planned[Math.floor(opts.count / 2)]?.slug ?? '',
      newestAt: newest,
      oldestAt: newest - (opts.count - 1) * 60_000,
      searchWord: SEARCH_WORD,
      searchHits: hits.n,
    };
  } finally {
    db.close();
    await render.stop();
  }
}
