/**
 * HTTP benchmarks: the public site, served by the production build in a child process, at 100 notes
 * and at a large size (100,000 by default), in requests per second and as a share of a bare
 * node:http server answering a fixed string in the same run (the ceiling on this machine).
 * autocannon drives the load from this process, over loopback only, bounded in time.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { BenchResult } from './migrations.js';
import { type SeedReport, seedNotes } from './seed.js';

const ROOT = join(import.meta.dirname, '..');
const HOST = '127.0.0.1';
const SMALL = 100;

/** Options of benchHttp. */
export interface HttpBenchOptions {
  /** The large data set's size (the small one always holds 100 notes). */
  notes: number;
  connections?: number;
  durationS?: number;
  warmupS?: number;
}

/** A figure of the http section, with its numbers kept apart for bench/results/latest.json. */
export interface HttpBenchResult extends BenchResult {
  figures?: Record<string, number | string>;
}

/** What one load run measured. */
interface Load {
  rps: number;
  p50: number;
  p99: number;
  /** Mean bytes per response, headers included. */
  bytes: number;
  requests: number;
  errors: number;
  /** Responses with another status than the one expected. */
  unexpected: number;
}

/** One URL to load, and how. */
interface Endpoint {
  key: string;
  label: string;
  path: string;
  expect: 200 | 304;
  headers?: Record<string, string>;
  /** A distinct `?before=` cursor on every request, so the render cache never hits. */
  uniqueCursor?: boolean;
}

interface RunOptions {
  connections: number;
  durationS: number;
  warmupS: number;
}

function progress(text: string): void {
  process.stderr.write(`  http: ${text}\n`);
}

/** A free loopback port (the OS picks one; a child is told to listen on it just after). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

interface Child {
  proc: ChildProcess;
  base: string;
  startupMs: number;
  output: () => string;
}

/** Starts a server process on a free port and waits until `readyPath` answers 200. */
async function startChild(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  readyPath: string,
): Promise<Child> {
  const port = await freePort();
  const started = performance.now();
  const proc = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...env, HOST, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const base = `http://${HOST}:${port}`;
  for (let waited = 0; waited < 120_000; waited += 50) {
    if (proc.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited: ${output}`);
    try {
      const res = await fetch(`${base}${readyPath}`);
      await res.arrayBuffer();
      if (res.status === 200)
        return { proc, base, startupMs: performance.now() - started, output: () => output };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`${command} ${args.join(' ')} did not answer ${readyPath} within 120 s: ${output}`);
}

/** Stops a server process with SIGTERM (SIGKILL after 15 s) and waits for it to exit. */
async function stopChild(child: Child): Promise<void> {
  const { proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

let cursorCounter = 0;

/** Loads one endpoint: a warm-up run, then the measured run. */
async function measure(base: string, ep: Endpoint, o: RunOptions): Promise<Load> {
  // Cursors above every note: each shows the newest page, but under a cache key never seen before.
  const future = Date.now() + 10 * 365 * 86_400_000;
  const options: autocannon.Options = {
    url: `${base}${ep.path}`,
    connections: o.connections,
    headers: ep.headers ?? {},
    ...(ep.uniqueCursor
      ? {
          requests: [
            {
              method: 'GET',
              setupRequest: (req) => ({ ...req, path: `/?before=${future + cursorCounter++}-1` }),
            },
          ],
        }
      : {}),
  };
  await autocannon({ ...options, duration: o.warmupS });
  const r = await autocannon({ ...options, duration: o.durationS });
  const requests = r.requests.total;
  const unexpected = ep.expect === 200 ? r.non2xx : requests - r['3xx'];
  return {
    rps: requests / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    bytes: requests > 0 ? r.throughput.total / requests : 0,
    requests,
    errors: r.errors,
    unexpected,
  };
}

/** Checks that the seeded site is really served: newest note on the home page, note page, search, feeds. */
async function verifySite(base: string, seed: SeedReport): Promise<string> {
  const home = await fetch(`${base}/`);
  const html = await home.text();
  if (home.status !== 200 || !html.includes(`/notes/${seed.newestSlug}"`)) {
    throw new Error(`the home page (${home.status}) does not show the newest note ${seed.newestSlug}`);
  }
  const etag = home.headers.get('etag');
  if (!etag) throw new Error('the home page has no ETag');
  for (const path of [
    `/notes/${seed.middleSlug}`,
    `/search?q=${seed.searchWord}`,
    '/feed.rss',
    '/feed.atom',
    '/feed.json',
  ]) {
    const res = await fetch(`${base}${path}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  }
  const again = await fetch(`${base}/`, { headers: { 'If-None-Match': etag } });
  await again.arrayBuffer();
  if (again.status !== 304)
    throw new Error(`a conditional home page request answered ${again.status}, not 304`);
  return etag;
}

function endpointsFor(seed: SeedReport, etag: string): Endpoint[] {
  return [
    { key: 'home', label: '/ (home)', path: '/', expect: 200 },
    {
      key: 'home-uncached',
      label: '/ uncached (new ?before= each request)',
      path: '/',
      expect: 200,
      uniqueCursor: true,
    },
    {
      key: 'home-304',
      label: '/ If-None-Match → 304',
      path: '/',
      expect: 304,
      headers: { 'if-none-match': etag },
    },
    { key: 'note', label: '/notes/<slug>', path: `/notes/${seed.middleSlug}`, expect: 200 },
    { key: 'rss', label: '/feed.rss', path: '/feed.rss', expect: 200 },
    { key: 'atom', label: '/feed.atom', path: '/feed.atom', expect: 200 },
    { key: 'json', label: '/feed.json', path: '/feed.json', expect: 200 },
    {
      key: 'search',
      label: `/search?q=${seed.searchWord}`,
      path: `/search?q=${encodeURIComponent(seed.searchWord)}`,
      expect: 200,
    },
  ];
}

/** How the StarPunk server is started: the production build when it builds, else the sources via tsx. */
function prepareServer(): { command: string; args: string[]; migrationsDir?: string; how: string } {
  const t0 = performance.now();
  const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (built.status === 0) {
    progress(`built dist/ in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return {
      command: process.execPath,
      args: [join(ROOT, 'dist', 'src', 'main.js'), 'serve'],
      migrationsDir: join(ROOT, 'dist', 'src', 'db', 'migrations'),
      how: 'node dist/src/main.js serve',
    };
  }
  progress(`npm run build failed, serving from the sources with tsx:\n${built.stdout}${built.stderr}`);
  return {
    command: join(ROOT, 'node_modules', '.bin', 'tsx'),
    args: [join(ROOT, 'src', 'main.ts'), 'serve'],
    how: 'tsx src/main.ts serve (the build failed)',
  };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits });

/** Runs the HTTP benchmarks and returns their figures. */
export async function benchHttp(opts: HttpBenchOptions): Promise<HttpBenchResult[]> {
  const run: RunOptions = {
    connections: opts.connections ?? 50,
    durationS: opts.durationS ?? 5,
    warmupS: opts.warmupS ?? 1,
  };
  const loadBefore = loadavg()[0]!;
  const server = prepareServer();
  const root = mkdtempSync(join(tmpdir(), 'starpunk-bench-http-'));
  const children: Child[] = [];
  const start = async (...a: Parameters<typeof startChild>) => {
    const c = await startChild(...a);
    children.push(c);
    return c;
  };
  try {
    const sizes = [SMALL, opts.notes];
    const seeds: SeedReport[] = [];
    for (const count of sizes) {
      const dataPath = join(root, `notes-${seeds.length}-${count}`);
      mkdirSync(dataPath);
      progress(`seeding ${fmt(count)} notes…`);
      const seed = await seedNotes({
        dataPath,
        count,
        ...(server.migrationsDir ? { migrationsDir: server.migrationsDir } : {}),
      });
      progress(`seeded ${fmt(count)} notes in ${(seed.durationMs / 1000).toFixed(1)} s`);
      seeds.push(seed);
    }
    // Write the seeded files out now, so that the kernel's writeback does not run during the loads.
    spawnSync('sync');

    const baseline = async () => {
      const child = await start(
        process.execPath,
        [join(import.meta.dirname, 'http-baseline.mjs')],
        {},
        root,
        '/',
      );
      progress('loading the node:http baseline…');
      const load = await measure(child.base, { key: 'ceiling', label: '', path: '/', expect: 200 }, run);
      await stopChild(child);
      return load;
    };
    const ceilingBefore = await baseline();

    const loads = new Map<string, Load>();
    const startups: number[] = [];
    let endpoints: Endpoint[] = [];
    for (const [i, count] of sizes.entries()) {
      const seed = seeds[i]!;
      const child = await start(
        server.command,
        server.args,
        {
          DATA_PATH: join(root, `notes-${i}-${count}`),
          LOG_LEVEL: 'error',
          SITE_NAME: 'StarPunk bench',
          SITE_AUTHOR: 'Bench Author',
        },
        join(root, `notes-${i}-${count}`),
        '/health',
      );
      startups.push(child.startupMs);
      const etag = await verifySite(child.base, seed);
      endpoints = endpointsFor(seed, etag);
      for (const ep of endpoints) {
        progress(`loading ${ep.label} at ${fmt(count)} notes…`);
        loads.set(`${ep.key}@${count}`, await measure(child.base, ep, run));
      }
      await stopChild(child);
    }
    const ceilingAfter = await baseline();
    const ceiling = (ceilingBefore.rps + ceilingAfter.rps) / 2;

    const results: HttpBenchResult[] = [
      {
        name: 'node:http fixed string (the ceiling)',
        value: ceiling,
        unit: 'req/s',
        note: `before ${fmt(ceilingBefore.rps)}, after ${fmt(ceilingAfter.rps)}; p99 ${ceilingBefore.p99} ms; load avg ${loadBefore.toFixed(2)}`,
        figures: {
          before: ceilingBefore.rps,
          after: ceilingAfter.rps,
          p50: ceilingBefore.p50,
          p99: ceilingBefore.p99,
          connections: run.connections,
          durationS: run.durationS,
          loadAvgAtStart: loadBefore,
          server: server.how,
        },
      },
    ];
    for (const [i, count] of sizes.entries()) {
      for (const ep of endpoints) {
        const l = loads.get(`${ep.key}@${count}`)!;
        const small = loads.get(`${ep.key}@${SMALL}`)!;
        const vsSmall = i > 0 ? l.rps / small.rps : undefined;
        const problems =
          l.errors + l.unexpected > 0 ? `; ${l.errors} errors, ${l.unexpected} not ${ep.expect}` : '';
        results.push({
          name: `${ep.label} @ ${fmt(count)}`,
          value: l.rps,
          unit: 'req/s',
          note:
            `${(l.rps / ceiling).toFixed(2)}× node:http, p50 ${l.p50} ms, p99 ${l.p99} ms, ${fmt(l.bytes / 1024, 1)} KB` +
            (vsSmall === undefined ? '' : `, ${(vsSmall * 100).toFixed(0)}% of ${SMALL}`) +
            problems,
          figures: {
            notes: count,
            path: ep.key === 'home-uncached' ? '/?before=<unique cursor>' : ep.path,
            ratioToNodeHttp: l.rps / ceiling,
            p50Ms: l.p50,
            p99Ms: l.p99,
            bytesPerResponse: l.bytes,
            requests: l.requests,
            errors: l.errors,
            unexpectedStatus: l.unexpected,
            ...(vsSmall === undefined ? {} : { ratioToSmall: vsSmall }),
          },
        });
      }
    }
    for (const [i, count] of sizes.entries()) {
      const seed = seeds[i]!;
      results.push({
        name: `seed ${fmt(count)} notes (files + rows, one transaction)`,
        value: seed.durationMs,
        unit: 'ms',
        note: `"${seed.searchWord}" in ${fmt(seed.searchHits)} notes`,
        figures: { searchHits: seed.searchHits },
      });
      results.push({ name: `serve start-up with ${fmt(count)} notes`, value: startups[i]!, unit: 'ms' });
    }
    return results;
  } finally {
    for (const c of children) await stopChild(c);
    rmSync(root, { recursive: true, force: true });
  }
}
