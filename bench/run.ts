/**
 * `npm run bench`: StarPunk's benchmarks. Figures are printed as a table and written to
 * bench/results/latest.json. Usage: npm run bench [-- --only=migrations|python|http|webmention|import] [--notes=100000] [--duration=5] [--warmup=1]
 * (seconds per load and of warm-up before it; shorter runs are for trying the bench, not for figures)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchHttp } from './http.js';
import { benchImport } from './import.js';
import { type BenchResult, benchMigrations } from './migrations.js';
import { benchPythonUpgrade } from './python-upgrade.js';
import { benchWebmention } from './webmention.js';

const USAGE =
  'usage: npm run bench [-- --only=migrations|python|http|webmention|import] [--notes=100000] [--duration=5] [--warmup=1] [--posts=10000]\n';

/** A bad command line: say what is wrong and how to call it, run nothing. */
function refuse(message: string): never {
  process.stderr.write(`npm run bench: ${message}\n${USAGE}`);
  process.exit(2);
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      only: { type: 'string' },
      notes: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      posts: { type: 'string' },
    },
    strict: true,
  }));
} catch (err) {
  refuse((err as Error).message);
}

/** A number option within [min, max], or `fallback` when absent. */
function numberOption(name: string, fallback: number, min: number, max: number, whole = false): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max || (whole && !Number.isInteger(n))) {
    refuse(`--${name} must be ${whole ? 'a whole number' : 'a number'} from ${min} to ${max} (got "${raw}")`);
  }
  return n;
}

const notes = numberOption('notes', 100_000, 1, 10_000_000, true);
const durationS = numberOption('duration', 5, 0.5, 600);
const warmupS = numberOption('warmup', 1, 0, 600);
const posts = numberOption('posts', 10_000, 10, 1_000_000, true);

const sections: Record<string, () => Promise<BenchResult[]> | BenchResult[]> = {
  migrations: () => benchMigrations({ notes, freshRuns: 20 }),
  python: () => benchPythonUpgrade({ notes }),
  http: () => benchHttp({ notes, durationS, warmupS }),
  webmention: () => benchWebmention({ mentions: 1000, shown: 500 }),
  // Memory against the number of items: the same import at a quarter and a half of the size, without pictures.
  import: () => benchImport({ posts, sizes: [Math.round(posts / 4), Math.round(posts / 2), posts] }),
};
const only = values.only;
if (only !== undefined && !(only in sections)) {
  refuse(`--only must be one of ${Object.keys(sections).join(', ')} (got "${only}")`);
}

const results: Record<string, BenchResult[]> = {};
for (const [name, fn] of Object.entries(sections)) {
  if (only && only !== name) continue;
  process.stdout.write(`\n## ${name}\n`);
  const rs = await fn();
  results[name] = rs;
  for (const r of rs) {
    process.stdout.write(
      `${r.name.padEnd(58)} ${r.value.toFixed(r.unit === 'ms' ? 1 : 2).padStart(10)} ${r.unit}${r.note ? `  (${r.note})` : ''}\n`,
    );
  }
}
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
process.stdout.write(`\nmachine: ${machine}\n`);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(
  join(import.meta.dirname, 'results', 'latest.json'),
  JSON.stringify({ at: new Date().toISOString(), machine, results }, null, 2),
);
