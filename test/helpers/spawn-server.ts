import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** A real `starpunk` process started from the sources. */
export interface RunningServer {
  child: ChildProcess;
  url: string;
  /** Everything it wrote, standard output and error interleaved. */
  output: () => string;
  /** Standard output alone (the JSON log lines). */
  stdout: () => string;
  /** Standard error alone (the start banner, fatal errors). */
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs `starpunk <args>` as a separate process with `env`; resolves when it serves, or rejects with its output. */
export function startServer(env: Record<string, string>, args: string[] = ['serve']): Promise<RunningServer> {
  const child = spawn(TSX, [join(ROOT, 'src', 'main.ts'), ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    cwd: env.CWD ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const logsInfo = !['warn', 'error'].includes(env.LOG_LEVEL ?? 'info');
  const streams = { stdout: '', stderr: '' };
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20000);
    let served = false;
    const onData = (from: 'stdout' | 'stderr') => (chunk: Buffer) => {
      out += chunk.toString();
      streams[from] += chunk.toString();
      // The start banner on standard error, printed whatever the log level; and, when the level
      // shows it, the JSON line logged just before it (the two pipes are read independently).
      const m = /^ {2}listening on \S+:(\d+)$/m.exec(streams.stderr);
      const logged = !logsInfo || streams.stdout.includes('"msg":"StarPunk is serving"');
      if (m && logged && !served) {
        served = true;
        clearTimeout(timer);
        resolve({
          child,
          url: `http://127.0.0.1:${m[1]}`,
          output: () => out,
          stdout: () => streams.stdout,
          stderr: () => streams.stderr,
          exited,
        });
      }
    };
    child.stdout!.on('data', onData('stdout'));
    child.stderr!.on('data', onData('stderr'));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`server exited with ${code}:\n${out}`), { code, output: out }));
    });
  });
}
