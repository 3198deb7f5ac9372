/**
 * The long fuzz run (`npm run fuzz`): the same properties CI runs from test/fuzz, with a large
 * budget, and optionally the fault loops of test/faults with many iterations.
 *
 *   npm run fuzz                          # 20,000 runs per property (fewer for I/O-heavy ones), random seed
 *   npm run fuzz -- --runs 100000 --seed 7
 *   npm run fuzz -- --faults --iterations 40 --twin-rounds 5
 *
 * A failure prints the seed and the shrunk counterexample; rerun with `--seed` to replay it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const VITEST = join(ROOT, 'node_modules', '.bin', 'vitest');

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

function wholeNumber(name: string, fallback: number): number {
  const raw = option(name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    console.error(`fuzz: ${name} must be a positive whole number (got "${raw}")`);
    process.exit(2);
  }
  return Number(raw);
}

const runs = wholeNumber('--runs', 20_000);
const seed = wholeNumber('--seed', Math.floor(Math.random() * 2 ** 31));
const faults = process.argv.includes('--faults');
const iterations = wholeNumber('--iterations', 40);
const twinRounds = wholeNumber('--twin-rounds', 5);

function vitest(folder: string, env: Record<string, string>): { ok: boolean; seconds: number } {
  const started = performance.now();
  const r = spawnSync(VITEST, ['run', folder, '--testTimeout=0', '--hookTimeout=120000'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return { ok: r.status === 0, seconds: Math.round((performance.now() - started) / 1000) };
}

console.log(`fuzz: ${runs} runs per property, seed ${seed}${faults ? `, faults: ${iterations} kills` : ''}`);
const results: [string, { ok: boolean; seconds: number }][] = [
  ['test/fuzz', vitest('test/fuzz', { FUZZ_RUNS: String(runs), FUZZ_SEED: String(seed) })],
];
if (faults) {
  results.push([
    'test/faults',
    vitest('test/faults', {
      FAULT_ITERATIONS: String(iterations),
      FAULT_SEED: String(seed),
      FAULT_TWIN_ROUNDS: String(twinRounds),
    }),
  ]);
}
for (const [folder, r] of results)
  console.log(`fuzz: ${folder} ${r.ok ? 'passed' : 'FAILED'} in ${r.seconds} s`);
console.log(`fuzz: replay with  npm run fuzz -- --runs ${runs} --seed ${seed}${faults ? ' --faults' : ''}`);
process.exit(results.every(([, r]) => r.ok) ? 0 : 1);
