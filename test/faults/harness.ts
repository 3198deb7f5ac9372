/**
 * Process harness for the fault tests: runs `starpunk` from the sources as ONE process in its own
 * process group (node with tsx's loader, no `tsx` wrapper), so SIGKILL reaches the server itself
 * and cleanup can end the whole group by its id.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'src', 'main.ts');
const LOADER = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** The site URL every fault test uses (tokens are minted for it; nothing resolves it). */
export const SITE_URL = 'http://starpunk.test/';

/** A running `starpunk serve`. */
export interface Server {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
  /** Sends `signal` to the server's process group. */
  signal: (signal: NodeJS.Signals) => void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop: (graceMs?: number) => Promise<void>;
}

const live = new Set<Server>();

function baseEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    HOST: '127.0.0.1',
    PORT: '0',
    SITE_URL,
    LOG_LEVEL: 'info',
    // tsx reads tsconfig.json (JSX settings) from the working directory; name it in case that moves.
    TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'),
    ...env,
  };
}

const BARRIER = pathToFileURL(join(import.meta.dirname, 'start-barrier.ts')).href;

/**
 * Starts `starpunk serve`; resolves once it logs that it is serving, rejects with its output
 * otherwise. With `barrier` (a directory), it waits in start-barrier.ts for `barrierCount` peers.
 */
export function startStarpunk(
  env: Record<string, string>,
  options: { timeoutMs?: number; barrier?: string; barrierCount?: number } = {},
): Promise<Server> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const preload = options.barrier ? ['--import', BARRIER] : [];
  if (options.barrier) {
    env = {
      ...env,
      STARPUNK_TEST_BARRIER: options.barrier,
      STARPUNK_TEST_BARRIER_COUNT: String(options.barrierCount ?? 2),
    };
  }
  const child = spawn(process.execPath, ['--import', LOADER, ...preload, MAIN, 'serve'], {
    env: baseEnv(env),
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const signal = (sig: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const server: Server = {
    child,
    url: '',
    output: () => out,
    exited,
    signal,
    stop: async (graceMs = 10_000) => {
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      live.delete(server);
    },
  };
  live.add(server);
  void exited.then(() => live.delete(server));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal('SIGKILL');
      reject(new Error(`server did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"port":(\d+)[^\n]*"msg":"StarPunk is serving"/.exec(out);
      if (m && !server.url) {
        clearTimeout(timer);
        server.url = `http://127.0.0.1:${m[1]}`;
        resolve(server);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before serving:\n${out}`));
    });
  });
}

/** Kills every server this harness started that is still running (for afterAll/afterEach, even after a failure). */
export async function killAll(): Promise<void> {
  const servers = [...live];
  for (const s of servers) s.signal('SIGKILL');
  await Promise.all(servers.map((s) => s.exited));
  live.clear();
}

/** Runs a `starpunk` CLI command; never rejects on a non-zero exit. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', LOADER, MAIN, ...args],
      { env: baseEnv({ LOG_LEVEL: 'error', ...env }), cwd: ROOT, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Mints an access token with the CLI, as an operator would. */
export async function mintToken(dataPath: string, scope: string): Promise<string> {
  const r = await runCli(['token', 'create', '--scope', scope, '--client-id', 'https://faults.example/'], {
    DATA_PATH: dataPath,
  });
  if (r.code !== 0) throw new Error(`token create failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

/** A small seeded PRNG (mulberry32): the fault schedule of a run replays from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every file under `dir`, as paths relative to it (dot files included). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

/** Fetches with the body read in full; undefined when the connection failed or the answer was cut off. */
export async function tryFetch(url: string, init: RequestInit): Promise<Response | undefined> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
    // Read the body now: a kill after the headers must count as no answer.
    const body = await res.arrayBuffer();
    return new Response(res.status === 204 || res.status === 304 ? null : body, {
      status: res.status,
      headers: res.headers,
    });
  } catch {
    return undefined;
  }
}
