/**
 * HTTP benchmarks: the public site, served by the production build in a child process, at 100 notes
 * and at a large size (100,000 by default), in requests per second and as a share of a bare
 * node:http server answering a fixed string in the same run (the ceiling on this machine).
 * autocannon drives the load from this process, over loopback only, bounded in time.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { MAX_DIMENSION, variantsFor } from '../src/media/sizes.js';
import type { BenchResult } from './migrations.js';
import { random, type SeedReport, seedNotes, TOPICS } from './seed.js';

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
  /**
   * CPU time the server process spent per response (µs): less disturbed than req/s by other
   * processes on a shared machine (their time is not counted, though they still slow ours).
   */
  cpuUsPerRequest: number;
}

/** One URL to load, and how. */
interface Endpoint {
  key: string;
  label: string;
  path: string;
  expect: 200 | 201 | 304;
  method?: 'GET' | 'POST';
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** A new path for every request (e.g. a distinct `?before=` cursor, so the page cache never hits). */
  nextPath?: () => string;
  /** A new body for every request (e.g. a different note each time). */
  nextBody?: () => string;
}

interface RunOptions {
  connections: number;
  durationS: number;
  warmupS: number;
}

/** CPU time (clock ticks) of the whole machine, and of this process plus its reaped children (Linux only). */
function cpuTicks(): { machine: number; ours: number } | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy = user + nice + system + steal. Interrupt
    // time is left out: loopback traffic is processed there, and it is ours but not in our ticks.
    const machine = cpu[0]! + cpu[1]! + cpu[2]! + cpu[7]!;
    const self = readFileSync('/proc/self/stat', 'utf8');
    const f = self
      .slice(self.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    // Fields 14–17 of stat(5) (utime, stime, cutime, cstime) are 11–14 after the name.
    return { machine, ours: f[11]! + f[12]! + f[13]! + f[14]! };
  } catch {
    return undefined;
  }
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

/** How to start one server process. */
interface ChildSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** A path that answers 200 once the server is ready. */
  readyPath: string;
}

interface Child {
  spec: ChildSpec;
  proc: ChildProcess;
  port: number;
  base: string;
  startupMs: number;
}

/** Starts a server process (on `port`, else a free one) and waits until its ready path answers 200. */
async function startChild(spec: ChildSpec, port?: number): Promise<Child> {
  const listenOn = port ?? (await freePort());
  const started = performance.now();
  const proc = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? spec.cwd,
      ...spec.env,
      HOST,
      PORT: String(listenOn),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const base = `http://${HOST}:${listenOn}`;
  const what = `${spec.command} ${spec.args.join(' ')}`;
  for (let waited = 0; waited < 120_000; waited += 50) {
    if (proc.exitCode !== null) throw new Error(`${what} exited: ${output}`);
    try {
      const res = await fetch(`${base}${spec.readyPath}`);
      await res.arrayBuffer();
      if (res.status === 200)
        return { spec, proc, port: listenOn, base, startupMs: performance.now() - started };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`${what} did not answer ${spec.readyPath} within 120 s: ${output}`);
}

/** Stops a server process (SIGTERM, or SIGKILL when asked or after 15 s) and waits for it to exit. */
async function stopChild(child: Child, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const { proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * After a load run the server may still be answering requests whose connections the load
 * generator dropped (50 of them: seconds when each takes 100+ ms). When it does not answer
 * within a second, it is restarted on the same port (same ETags) rather than waited for.
 */
async function settle(child: Child): Promise<Child> {
  try {
    const res = await fetch(`${child.base}${child.spec.readyPath}`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return child;
  } catch {
    // A read-only workload: killing the process loses nothing.
    await stopChild(child, 'SIGKILL');
    return startChild(child.spec, child.port);
  }
}

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/**
 * Loads one endpoint for warm-up + duration seconds in one continuous run (so the warm-up leaves
 * no abandoned requests behind); only responses after the warm-up count.
 */
/** CPU time (µs) a process has used so far, from /proc (Linux only; NaN elsewhere). */
function processCpuUs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    // utime and stime (fields 14 and 15 of stat(5)), in clock ticks of 10 ms.
    return (f[11]! + f[12]!) * 10_000;
  } catch {
    return Number.NaN;
  }
}

async function measure(base: string, ep: Endpoint, o: RunOptions, pid?: number): Promise<Load> {
  const { nextPath, nextBody } = ep;
  const options: autocannon.Options = {
    url: `${base}${ep.path}`,
    connections: o.connections,
    duration: o.warmupS + o.durationS,
    timeout: 30,
    method: ep.method ?? 'GET',
    headers: ep.headers ?? {},
    ...(ep.body === undefined ? {} : { body: ep.body }),
    ...(nextPath || nextBody
      ? {
          requests: [
            {
              setupRequest: (req) => ({
                ...req,
                ...(nextPath ? { path: nextPath() } : {}),
                ...(nextBody ? { body: nextBody() } : {}),
              }),
            },
          ],
        }
      : {}),
  };
  const latencies: number[] = [];
  let bytes = 0;
  let errors = 0;
  let unexpected = 0;
  let from = Number.POSITIVE_INFINITY;
  let cpuFrom = Number.NaN;
  await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
    instance.on('start', () => {
      from = performance.now() + o.warmupS * 1000;
      setTimeout(() => {
        cpuFrom = processCpuUs(pid);
      }, o.warmupS * 1000).unref();
    });
    instance.on('response', (_client, status, resBytes, responseTime) => {
      if (performance.now() < from) return;
      latencies.push(responseTime);
      bytes += resBytes;
      if (status !== ep.expect) unexpected++;
    });
    instance.on('reqError', () => {
      if (performance.now() >= from) errors++;
    });
  });
  const seconds = (performance.now() - from) / 1000;
  latencies.sort((x, y) => x - y);
  return {
    rps: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    bytes: latencies.length > 0 ? bytes / latencies.length : 0,
    requests: latencies.length,
    errors,
    unexpected,
    cpuUsPerRequest: (processCpuUs(pid) - cpuFrom) / latencies.length,
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

/** What the endpoints need besides the seed: the cached page's ETag, a token, the site URL, an image. */
interface EndpointContext {
  etag: string;
  token: string;
  siteUrl: string;
  image: Buffer;
}

const BOUNDARY = '----starpunk-bench-boundary';

/** A multipart/form-data body with one file part, as a Micropub client uploads a photo. */
function multipartImage(image: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="bench.jpg"\r\n` +
        'Content-Type: image/jpeg\r\n\r\n',
    ),
    image,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

function endpointsFor(seed: SeedReport, x: EndpointContext): Endpoint[] {
  // Cursors above every note: each shows the newest page, but under a cache key never seen before.
  let counter = 0;
  let created = 0;
  const future = Date.now() + 10 * 365 * 86_400_000;
  // Cursors anywhere in the archive (a fixed sequence): pages nobody asked for yet, whose entries
  // are mostly not rendered yet either at 100,000 notes.
  const rnd = random(42);
  const span = seed.newestAt - seed.oldestAt;
  const auth = { authorization: `Bearer ${x.token}` };
  return [
    { key: 'home', label: '/ (home)', path: '/', expect: 200 },
    {
      key: 'home-uncached',
      label: '/ uncached (new ?before= each request)',
      path: '/',
      expect: 200,
      nextPath: () => `/?before=${future + counter++}-1`,
    },
    {
      key: 'archive',
      label: '/?before= random older page, cold',
      path: '/',
      expect: 200,
      // The largest id a cursor may carry (15 digits): every note at that minute and before.
      nextPath: () => `/?before=${seed.oldestAt + Math.floor(rnd() * span) + 1}-999999999999999`,
    },
    {
      key: 'home-304',
      label: '/ If-None-Match → 304',
      path: '/',
      expect: 304,
      headers: { 'if-none-match': x.etag },
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
    {
      // One of 250 different searches per request (50 words, pages 1–5): the result cache (128
      // searches) mostly misses, so this is the cost of ranking.
      key: 'search-varied',
      label: '/search?q=<one of 50 words>&page=<1–5>',
      path: '/search',
      expect: 200,
      nextPath: () =>
        `/search?q=${TOPICS[Math.floor(rnd() * TOPICS.length)]}&page=${1 + Math.floor(rnd() * 5)}`,
    },
    {
      key: 'source',
      label: 'Micropub q=source (one note)',
      path: `/micropub?q=source&url=${encodeURIComponent(new URL(`notes/${seed.middleSlug}`, x.siteUrl).href)}`,
      expect: 200,
      headers: auth,
    },
    // Writes last: they add notes and media to the data set.
    {
      key: 'create',
      label: 'Micropub create (form)',
      path: '/micropub',
      method: 'POST',
      expect: 201,
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      // A different note each time, as an author writes them: the same text over and over would
      // measure the search for a free slug (`…-2`, `…-3`, …), and run out of them at 10,000.
      nextBody: () =>
        `h=entry&content=A+note+from+the+benchmark+number+${++created}%2C+with+%2Aemphasis%2A+and+a+%5Blink%5D%28https%3A%2F%2Fexample.com%2F%29.&category=bench`,
    },
    {
      key: 'upload',
      label: `Micropub media upload (JPEG, ${Math.round(x.image.length / 1024)} KB)`,
      path: '/micropub/media',
      method: 'POST',
      expect: 201,
      headers: { ...auth, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body: multipartImage(x.image),
    },
  ];
}

/** How the StarPunk server is started: the production build when it builds, else the sources via tsx. */
function prepareServer(): {
  command: string;
  args: string[];
  /** The entry script, for CLI commands. */
  main: string;
  migrationsDir?: string;
  how: string;
} {
  const t0 = performance.now();
  const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (built.status === 0) {
    progress(`built dist/ in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return {
      command: process.execPath,
      // As `npm start` runs it (the young-generation cap is part of the production command).
      args: [
        '--max-semi-space-size=2',
        '--max-old-space-size=128',
        join(ROOT, 'dist', 'src', 'main.js'),
        'serve',
      ],
      main: join(ROOT, 'dist', 'src', 'main.js'),
      migrationsDir: join(ROOT, 'dist', 'src', 'db', 'migrations'),
      how: 'node --max-semi-space-size=2 --max-old-space-size=128 dist/src/main.js serve (as npm start)',
    };
  }
  progress(`npm run build failed, serving from the sources with tsx:\n${built.stdout}${built.stderr}`);
  return {
    command: join(ROOT, 'node_modules', '.bin', 'tsx'),
    args: [join(ROOT, 'src', 'main.ts'), 'serve'],
    main: join(ROOT, 'src', 'main.ts'),
    how: 'tsx src/main.ts serve (the build failed)',
  };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits });
const ratio = (n: number) => n.toFixed(n < 0.01 ? 4 : 2);
const ms = (n: number) => `${n < 10 ? n.toFixed(1) : fmt(n)} ms`;

/** Pages served from the render cache (the ≥ 50% target). */
const CACHED = ['home', 'home-304', 'note', 'rss', 'atom', 'json'];

/** Prints which of the performance targets this run met (to stderr, beside the progress lines). */
function reportTargets(
  loads: Map<string, Load>,
  share: (key: string) => number,
  aside: (key: string) => string,
  sizes: number[],
  memory: { idle: number; peak: number }[],
  sharpRates: Map<string, { rps: number }>,
): void {
  const lines: string[] = [];
  const check = (ok: boolean, text: string) => lines.push(`${ok ? 'met   ' : 'MISSED'} ${text}`);
  for (const [i, count] of sizes.entries()) {
    const same = (key: string) => aside(`${key}@${i}`);
    for (const key of CACHED) {
      const r = share(`${key}@${i}`);
      check(
        r >= 0.5,
        `${key} @ ${fmt(count)}: ${(r * 100).toFixed(0)}% of node:http (cached: ≥ 50%)${same(key)}`,
      );
    }
    const u = share(`home-uncached@${i}`);
    check(
      u >= 0.25,
      `home uncached @ ${fmt(count)}: ${(u * 100).toFixed(0)}% of node:http (≥ 25%)${same('home-uncached')}`,
    );
    const create = loads.get(`create@${i}`);
    if (create) check(create.rps >= 2000, `create @ ${fmt(count)}: ${fmt(create.rps)}/s (≥ 2,000/s)`);
    const upload = loads.get(`upload@${i}`);
    const alone = sharpRates.get(`upload@${i}`);
    if (upload && alone) {
      const r = upload.rps / alone.rps;
      check(
        r >= 0.7,
        `upload @ ${fmt(count)}: ${fmt(upload.rps)}/s, ${(r * 100).toFixed(0)}% of sharp alone (${fmt(alone.rps)}/s; ≥ 70%)`,
      );
    }
  }
  for (const [key, l] of loads) check(l.p99 < 50, `${key} p99 ${ms(l.p99)} (< 50 ms)`);
  const keys = new Set([...loads.keys()].map((k) => k.split('@')[0]!));
  for (const key of keys) {
    if (key.startsWith('search')) continue;
    const r = share(`${key}@1`) / share(`${key}@0`);
    check(
      r >= 0.8,
      `${key} @ ${fmt(sizes[1]!)} is ${(r * 100).toFixed(0)}% of ${key} @ ${fmt(sizes[0]!)} (≥ 80%)`,
    );
  }
  const large = memory[1]!;
  check(large.peak < 150 * 2 ** 20, `resident memory @ ${fmt(sizes[1]!)}: peak ${mb(large.peak)} (< 150 MB)`);
  progress(`targets:\n    ${lines.join('\n    ')}`);
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** The site URL the bench servers are configured with (never fetched). */
const SITE_URL = 'https://bench.example/';

/** Runs a StarPunk CLI command (same build as the server) to completion; its stdout, or throws. */
function cli(server: { command: string; main: string }, env: Record<string, string>, args: string[]): string {
  const r = spawnSync(server.command, [server.main, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`starpunk ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Resident memory of a process now and at its peak (VmRSS, VmHWM), in bytes (Linux only; 0 elsewhere). */
function residentMemory(pid: number | undefined): { now: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { now: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return { now: 0, peak: 0 };
  }
}

/** A photo-like JPEG (soft gradients and grain from a fixed seed), as a phone would send, smaller. */
async function benchImage(): Promise<Buffer> {
  const width = 480;
  const height = 360;
  const rnd = random(7);
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const grain = rnd() * 24;
      pixels[o] = (x / width) * 200 + grain;
      pixels[o + 1] = (y / height) * 180 + grain;
      pixels[o + 2] = 120 + Math.sin(x / 40) * 60 + grain;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

/** libuv thread pool sizes the sharp-alone baseline is measured with: its default, and the server's. */
const BASELINE_POOLS = [4, 16];

/**
 * The upload's image processing done by sharp alone (bench/sharp-baseline.mjs, a process of its
 * own, at sharp's own settings): the outputs the server stores for this image (the main image
 * re-encoded within MAX_DIMENSION, and each size variant it makes for an image this size), with as
 * many images in flight as the load has uploads. Measured with libuv's default thread pool and with
 * the server's (src/main.ts sizes it), and the faster of the two kept: the strictest baseline.
 */
async function sharpAlone(
  image: Buffer,
  o: RunOptions,
  dir: string,
): Promise<{ rps: number; outputs: number; pool: number }> {
  const meta = await sharp(image).metadata();
  const sizes = [
    MAX_DIMENSION,
    ...variantsFor(Math.max(meta.width ?? 0, meta.height ?? 0)).map(([, s]) => s),
  ];
  const path = join(dir, 'sharp-baseline.jpg');
  writeFileSync(path, image);
  let best = { rps: 0, outputs: sizes.length, pool: 0 };
  for (const pool of BASELINE_POOLS) {
    const r = spawnSync(
      process.execPath,
      [
        join(import.meta.dirname, 'sharp-baseline.mjs'),
        path,
        JSON.stringify({ sizes, inFlight: o.connections, warmupS: o.warmupS, durationS: o.durationS }),
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', MALLOC_ARENA_MAX: '2', UV_THREADPOOL_SIZE: String(pool) },
        encoding: 'utf8',
      },
    );
    if (r.status !== 0) throw new Error(`sharp-baseline.mjs failed (${r.status}): ${r.stderr}`);
    const { rps } = JSON.parse(r.stdout) as { rps: number };
    if (rps > best.rps) best = { rps, outputs: sizes.length, pool };
  }
  return best;
}

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
  let current: Child | undefined;
  let baselineChild: Child | undefined;
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
    const ticksBefore = cpuTicks();
    const loadsStarted = performance.now();

    // The ceiling runs beside the servers for the whole bench and is loaded just before each
    // endpoint: this machine's speed drifts by a factor of two within minutes (shared CPU), so a
    // ratio is only fair against a ceiling measured at the same moment.
    const ceilingServer = await startChild({
      command: process.execPath,
      args: [join(import.meta.dirname, 'http-baseline.mjs')],
      env: {},
      cwd: root,
      readyPath: '/',
    });
    baselineChild = ceilingServer;
    const ceilingRun: RunOptions = { ...run, durationS: Math.max(1, run.durationS / 2) };
    const ceilings = new Map<string, Load>();
    const baseline = () =>
      measure(
        ceilingServer.base,
        { key: 'ceiling', label: '', path: '/', expect: 200 },
        ceilingRun,
        ceilingServer.proc.pid,
      );
    // The same server sending as many bytes per response as an endpoint did (headers included):
    // what this machine allows for responses that size, whatever the server does to make them.
    const sameSize = (bytes: number, headerBytes: number) =>
      measure(
        ceilingServer.base,
        {
          key: 'same-size',
          label: '',
          path: `/?n=${Math.max(0, Math.round(bytes - headerBytes))}`,
          expect: 200,
        },
        ceilingRun,
        ceilingServer.proc.pid,
      );
    progress('loading the node:http baseline…');
    const ceilingBefore = await baseline();

    const loads = new Map<string, Load>();
    const sameSizes = new Map<string, Load>();
    const startups: number[] = [];
    const memory: { idle: number; peak: number }[] = [];
    const commands: { backup: number; backupBytes: number; exportMs: number }[] = [];
    const rssAfter = new Map<string, number>();
    const image = await benchImage();
    /** The upload's processing by sharp alone, measured just before each upload load. */
    const sharpRates = new Map<string, { rps: number; outputs: number; pool: number }>();
    let endpoints: Endpoint[] = [];
    for (const [i, count] of sizes.entries()) {
      const seed = seeds[i]!;
      const dataPath = join(root, `notes-${i}-${count}`);
      const env = {
        // As `npm start`, the Dockerfile and the systemd unit set it.
        MALLOC_ARENA_MAX: '2',
        DATA_PATH: dataPath,
        LOG_LEVEL: 'error',
        SITE_URL: SITE_URL,
        SITE_NAME: 'StarPunk bench',
        SITE_AUTHOR: 'Bench Author',
      };
      const token = cli(server, env, ['token', 'create', '--scope', 'create update media']).trim();
      current = await startChild({
        command: server.command,
        args: server.args,
        env,
        cwd: dataPath,
        readyPath: '/health',
      });
      startups.push(current.startupMs);
      const etag = await verifySite(current.base, seed);
      const idle = residentMemory(current.proc.pid);
      let peak = idle.peak;
      endpoints = endpointsFor(seed, { etag, token, siteUrl: SITE_URL, image });
      for (const ep of endpoints) {
        progress(`loading ${ep.label} at ${fmt(count)} notes…`);
        ceilings.set(`${ep.key}@${i}`, await baseline());
        if (ep.key === 'upload') {
          progress('loading sharp alone with the same image processing…');
          sharpRates.set(`${ep.key}@${i}`, await sharpAlone(image, run, root));
        }
        const load = await measure(current.base, ep, run, current.proc.pid);
        loads.set(`${ep.key}@${i}`, load);
        if (CACHED.includes(ep.key) || ep.key === 'home-uncached') {
          // The ceiling's response is 36 bytes of body after its headers.
          sameSizes.set(`${ep.key}@${i}`, await sameSize(load.bytes, ceilingBefore.bytes - 36));
        }
        const rss = residentMemory(current.proc.pid);
        rssAfter.set(`${ep.key}@${i}`, rss.now);
        peak = Math.max(peak, rss.peak);
        current = await settle(current);
      }
      memory.push({ idle: idle.now, peak });
      await stopChild(current);
      // The operator's commands on the same data (now with the notes and media the writes added).
      progress(`timing starpunk backup and export at ${fmt(count)} notes…`);
      const out = join(root, `out-${i}`);
      mkdirSync(out);
      let t0 = performance.now();
      cli(server, env, ['backup', '--out', out]);
      const backup = performance.now() - t0;
      const archive = readdirSync(out).find((f) => f.endsWith('.tar.gz'));
      const backupBytes = archive ? statSync(join(out, archive)).size : 0;
      t0 = performance.now();
      cli(server, env, ['export', '--out', out]);
      commands.push({ backup, backupBytes, exportMs: performance.now() - t0 });
      rmSync(out, { recursive: true, force: true });
    }
    const ceilingAfter = await baseline();
    await stopChild(ceilingServer);
    // What other processes took while we measured: CPU the machine spent beyond ours and our servers'.
    const ticksAfter = cpuTicks();
    const foreign =
      ticksBefore && ticksAfter
        ? (ticksAfter.machine - ticksBefore.machine - (ticksAfter.ours - ticksBefore.ours)) /
          100 /
          (((performance.now() - loadsStarted) / 1000) * cpus().length)
        : Number.NaN;
    if (foreign > 0.05) {
      progress(
        `other processes used ${(foreign * 100).toFixed(0)}% of the CPU during the loads: figures are disturbed`,
      );
    }
    const all = [...ceilings.values()].map((c) => c.rps).sort((a, b) => a - b);
    const ceiling = all[Math.floor(all.length / 2)]!;
    /** An endpoint's share of the ceiling measured just before it. */
    const share = (key: string) => loads.get(key)!.rps / ceilings.get(key)!.rps;
    /** An endpoint's share of the bare server sending as many bytes, measured just after it. */
    const sameShare = (key: string) => {
      const z = sameSizes.get(key);
      return z ? loads.get(key)!.rps / z.rps : undefined;
    };
    // Beside a target: the share of a bare node:http server sending as many bytes, and the ratio of
    // the two servers' CPU time per response (less disturbed by other processes than req/s).
    const aside = (key: string) => {
      const z = sameShare(key);
      const cpu = ceilings.get(key)!.cpuUsPerRequest / loads.get(key)!.cpuUsPerRequest;
      return (
        ` [${z === undefined ? '' : `${(z * 100).toFixed(0)}% of node:http sending as many bytes; `}` +
        `${(cpu * 100).toFixed(0)}% by server CPU time per response]`
      );
    };
    reportTargets(loads, share, aside, sizes, memory, sharpRates);

    const results: HttpBenchResult[] = [
      {
        name: 'node:http fixed string (the ceiling, median)',
        value: ceiling,
        unit: 'req/s',
        note: `${fmt(all[0]!)}–${fmt(all.at(-1)!)} over ${all.length} runs, one before each endpoint; p99 ${ms(ceilingBefore.p99)}; other processes ${(foreign * 100).toFixed(0)}% CPU`,
        figures: {
          before: ceilingBefore.rps,
          after: ceilingAfter.rps,
          p50: ceilingBefore.p50,
          p99: ceilingBefore.p99,
          connections: run.connections,
          durationS: run.durationS,
          loadAvgAtStart: loadBefore,
          otherProcessesCpuShare: foreign,
          server: server.how,
        },
      },
    ];
    for (const [i, count] of sizes.entries()) {
      for (const ep of endpoints) {
        const key = `${ep.key}@${i}`;
        const l = loads.get(key)!;
        // Against the 100-note figure, each first divided by its own ceiling (the drift taken out).
        const vsSmall = i > 0 ? share(key) / share(`${ep.key}@0`) : undefined;
        const problems =
          l.errors + l.unexpected > 0 ? `; ${l.errors} errors, ${l.unexpected} not ${ep.expect}` : '';
        const alone = sharpRates.get(key);
        const vsSharp = alone
          ? `, ${ratio(l.rps / alone.rps)}× sharp alone (${fmt(alone.rps)} images/s, ${alone.outputs} output${alone.outputs === 1 ? '' : 's'} each, ${alone.pool} threads)`
          : '';
        results.push({
          name: `${ep.label} @ ${fmt(count)}`,
          value: l.rps,
          unit: 'req/s',
          note:
            `${ratio(share(key))}× node:http (${fmt(ceilings.get(key)!.rps)})${vsSharp}` +
            (sameSizes.has(key) ? `, ${ratio(sameShare(key)!)}× same bytes from node:http` : '') +
            `, p50 ${ms(l.p50)}, p99 ${ms(l.p99)}, ${fmt(l.bytes / 1024, 1)} KB, RSS ${mb(rssAfter.get(key)!)}` +
            `, CPU ${fmt(l.cpuUsPerRequest)} µs/req (node:http ${fmt(ceilings.get(key)!.cpuUsPerRequest)})` +
            (vsSmall === undefined ? '' : `, ${(vsSmall * 100).toFixed(0)}% of ${SMALL}`) +
            problems,
          figures: {
            notes: count,
            path: ep.nextPath ? ep.label : ep.path,
            method: ep.method ?? 'GET',
            ratioToNodeHttp: share(key),
            ...(alone ? { sharpAloneRps: alone.rps, ratioToSharpAlone: l.rps / alone.rps } : {}),
            nodeHttpJustBefore: ceilings.get(key)!.rps,
            cpuUsPerRequest: l.cpuUsPerRequest,
            nodeHttpCpuUsPerRequest: ceilings.get(key)!.cpuUsPerRequest,
            ...(sameSizes.has(key)
              ? { ratioToSameSizeNodeHttp: sameShare(key)!, sameSizeNodeHttp: sameSizes.get(key)!.rps }
              : {}),
            rssAfterBytes: rssAfter.get(key)!,
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
      results.push({
        name: `serve start-up with ${fmt(count)} notes`,
        value: startups[i]!,
        unit: 'ms',
        note: 'process start → first /health answer',
      });
      results.push({
        name: `resident memory idle @ ${fmt(count)}`,
        value: memory[i]!.idle / 2 ** 20,
        unit: 'MB',
        note: 'after start-up and one request per page kind',
      });
      results.push({
        name: `resident memory peak under load @ ${fmt(count)}`,
        value: memory[i]!.peak / 2 ** 20,
        unit: 'MB',
        note: `VmHWM over all the loads above, ${run.connections} connections`,
      });
      results.push({
        name: `starpunk backup @ ${fmt(count)}`,
        value: commands[i]!.backup,
        unit: 'ms',
        note: `whole command; archive ${mb(commands[i]!.backupBytes)}`,
      });
      results.push({
        name: `starpunk export @ ${fmt(count)}`,
        value: commands[i]!.exportMs,
        unit: 'ms',
        note: 'whole command',
      });
    }
    return results;
  } finally {
    if (current) await stopChild(current, 'SIGKILL');
    if (baselineChild) await stopChild(baselineChild, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
}
