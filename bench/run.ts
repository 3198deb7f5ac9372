/**
 * `npm run bench`: StarPunk's benchmarks. Figures are printed as a table and written to
 * bench/results/latest.json. Usage: npm run bench [-- --only=migrations|http] [--notes=100000] [--duration=5] [--warmup=1]
 * (seconds per load and of warm-up before it; shorter runs are for trying the bench, not for figures)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchHttp } from './http.js';
import { type BenchResult, benchMigrations } from './migrations.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const only = args.get('only');
const notes = Number(args.get('notes') ?? 100_000);

const sections: Record<string, () => Promise<BenchResult[]> | BenchResult[]> = {
  migrations: () => benchMigrations({ notes, freshRuns: 20 }),
  http: () =>
    benchHttp({
      notes,
      ...(args.has('duration') ? { durationS: Number(args.get('duration')) } : {}),
      ...(args.has('warmup') ? { warmupS: Number(args.get('warmup')) } : {}),
    }),
};

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
