/**
 * `starpunk import` of a generated WordPress export: N posts (default 10,000), one in five with a
 * picture from a local uploads folder (2,000 JPEGs for 10,000 posts), each post with a tag and a
 * comment on every tenth. Runs the real command as its own process, built as the `starpunk` bin
 * runs it (`node dist/src/main.js import <file> --media <uploads> --no-fetch`; the build is brought
 * up to date first: under tsx the transpiler alone holds ~100 MB) on a fresh data directory, and reports
 * its wall time and peak resident memory (VmHWM from /proc, sampled until it exits), and how the
 * resident memory grew as the items went by (the engine keeps a list of pending note files until
 * COMMIT). `--posts` sets N; `sizes` runs several N to see memory against the number of items.
 * The main case runs twice: as the bin runs (no flags), and with the memory settings `npm start`
 * gives the server (LEAN_FLAGS, MALLOC_ARENA_MAX=2); the sizes run with the latter.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runMigrations } from '../src/db/migrate.js';
import { type WxrPost, wxr } from '../test/import/wxr.js';
import type { BenchResult } from './migrations.js';

const ROOT = join(import.meta.dirname, '..');
const OLD = 'https://old.example';
/** The memory settings `npm start` runs the server with (package.json), with MALLOC_ARENA_MAX=2. */
const LEAN_FLAGS = ['--max-semi-space-size=2', '--max-old-space-size=128'];

/** Writes the uploads folder (one JPEG per picture) and the export; returns the export's path. */
async function buildExport(dir: string, posts: number, pictures: number): Promise<string> {
  const uploads = join(dir, 'uploads');
  mkdirSync(uploads, { recursive: true });
  const jpeg = await sharp({
    create: { width: 640, height: 480, channels: 3, background: { r: 200, g: 80, b: 40 } },
  })
    .jpeg()
    .toBuffer();
  for (let i = 0; i < pictures; i++) {
    const folder = join(uploads, '2020', String((i % 12) + 1).padStart(2, '0'));
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `picture-${i}.jpg`), jpeg);
  }
  const every = pictures > 0 ? Math.max(1, Math.floor(posts / pictures)) : 0;
  const list: WxrPost[] = [];
  for (let i = 0; i < posts; i++) {
    const at = new Date(Date.UTC(2012, 0, 1) + i * 3_600_000);
    const stamp = at.toISOString().replace('T', ' ').slice(0, 19);
    const pic = every > 0 && i % every === 0 && i / every < pictures ? i / every : undefined;
    const img =
      pic === undefined
        ? ''
        : `<img src="${OLD}/wp-content/uploads/2020/${String((pic % 12) + 1).padStart(2, '0')}/picture-${pic}.jpg" alt="Picture ${pic}" />`;
    list.push({
      id: i + 1,
      title: `Post number ${i + 1}`,
      name: `post-number-${i + 1}`,
      content: `<!-- wp:paragraph --><p>This is post ${i + 1}, with <strong>some</strong> text and <a href="https://example.org/${i}">a link</a>.</p><!-- /wp:paragraph -->\n<p>${'A second paragraph of ordinary words. '.repeat(6)}</p>${img}`,
      dateGmt: stamp,
      link: `${OLD}/${stamp.slice(0, 4)}/${stamp.slice(5, 7)}/post-number-${i + 1}/`,
      terms: [{ domain: 'post_tag', nicename: `topic-${i % 50}`, name: `Topic ${i % 50}` }],
      ...(i % 10 === 0
        ? {
            comments: [
              {
                id: i + 1,
                author: 'A reader',
                authorUrl: 'https://reader.example/',
                content: 'Nice post.',
                approved: '1',
                dateGmt: stamp,
              },
            ],
          }
        : {}),
    });
  }
  const file = join(dir, 'export.xml');
  writeFileSync(file, wxr(OLD, list, { version: '1.2', cdata: true }));
  return file;
}

/** Runs the import command; its wall time, peak RSS and RSS samples (MB) as it went. */
function runImportProcess(
  dataDir: string,
  file: string,
  uploads: string,
  lean: boolean,
): Promise<{ ms: number; peakMb: number; samples: number[]; code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [
        ...(lean ? LEAN_FLAGS : []),
        join(ROOT, 'dist', 'src', 'main.js'),
        'import',
        file,
        '--media',
        uploads,
        '--no-fetch',
      ],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          DATA_PATH: dataDir,
          SITE_URL: 'http://example.test/',
          LOG_LEVEL: 'error',
          ...(lean ? { MALLOC_ARENA_MAX: '2' } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    let peakKb = 0;
    const samples: number[] = [];
    const read = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        if (hwm > peakKb) peakKb = hwm;
        if (rss > 0) samples.push(Math.round(rss / 1024));
      } catch {
        // Gone already.
      }
    };
    const timer = setInterval(read, 100);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({
        ms: performance.now() - started,
        peakMb: Math.round(peakKb / 1024),
        samples,
        code,
        out,
      });
    });
  });
}

/** One import of `posts` posts with `pictures` pictures. */
async function importOnce(posts: number, pictures: number, lean = false) {
  const root = mkdtempSync(join(tmpdir(), 'starpunk-bench-import-'));
  try {
    const file = await buildExport(root, posts, pictures);
    const dataDir = join(root, 'data');
    mkdirSync(join(dataDir, 'notes'), { recursive: true });
    runMigrations({ dbPath: join(dataDir, 'starpunk.db'), backupsDir: join(dataDir, 'backups') });
    const size = statSync(file).size;
    const r = await runImportProcess(dataDir, file, join(root, 'uploads'), lean);
    if (r.code !== 0) throw new Error(`starpunk import exited with ${r.code}:\n${r.out.slice(-2000)}`);
    if (!r.out.includes(`imported ${posts} notes`))
      throw new Error(`unexpected report:\n${r.out.slice(-2000)}`);
    // RSS at each tenth of the run, to see whether it grows with the items.
    const tenths = Array.from(
      { length: 10 },
      (_, k) => r.samples[Math.floor((r.samples.length * (k + 1)) / 10) - 1] ?? 0,
    );
    return { ...r, sizeMb: size / 1024 / 1024, tenths };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The bench: one import of `posts` posts (a fifth with pictures), and optionally smaller ones for growth. */
export async function benchImport(opts: { posts: number; sizes?: number[] }): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  // Only what changed since the last build (scripts/build.mjs).
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'ignore' });
  const pictures = Math.round(opts.posts / 5);
  const r = await importOnce(opts.posts, pictures);
  const label = `${opts.posts.toLocaleString('en')} posts, ${pictures.toLocaleString('en')} pictures, ${r.sizeMb.toFixed(1)} MB WXR`;
  out.push({ name: `import WXR (${label}): wall time`, value: Math.round(r.ms / 100) / 10, unit: 's' });
  out.push({
    name: `import WXR (${label}): peak RSS`,
    value: r.peakMb,
    unit: 'MB',
    note: `RSS at each tenth of the run: ${r.tenths.join(', ')} MB`,
  });
  const l = await importOnce(opts.posts, pictures, true);
  out.push({
    name: `import WXR (${label}), npm start's memory flags: wall time`,
    value: Math.round(l.ms / 100) / 10,
    unit: 's',
  });
  out.push({
    name: `import WXR (${label}), npm start's memory flags: peak RSS`,
    value: l.peakMb,
    unit: 'MB',
    note: `RSS at each tenth of the run: ${l.tenths.join(', ')} MB`,
  });
  for (const n of opts.sizes ?? []) {
    const s = await importOnce(n, 0, true);
    out.push({
      name: `import WXR (${n.toLocaleString('en')} posts, no pictures), memory flags: peak RSS`,
      value: s.peakMb,
      unit: 'MB',
      note: `${(Math.round(s.ms / 100) / 10).toFixed(1)} s; ${s.sizeMb.toFixed(1)} MB WXR`,
    });
  }
  return out;
}
