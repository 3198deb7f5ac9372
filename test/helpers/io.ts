import type { Io } from '../../src/cli/context.js';

/** An Io that records output, for calling CLI commands in-process. */
export function captureIo(
  env: Record<string, string | undefined>,
  cwd: string,
): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env, cwd, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
}
