// Builds dist/ from the TypeScript sources, doing only what changed.
//
// `npm start` runs this before every start. A full `tsc` takes 20–30 s on a small machine, so:
// - when no input changed since the last build (same paths, sizes and contents as recorded in
//   dist/.build-inputs), nothing runs at all: a fingerprint over ~300 small files is read in tens
//   of milliseconds;
// - otherwise `tsc` runs incrementally (dist/.tsbuildinfo), re-emitting only the changed modules
//   and what depends on their types, then the assets (SQL migrations, static files) are copied.
// `--force` rebuilds everything (what `npm run build` does, and what CI and the Dockerfile use).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const force = process.argv.includes('--force');
const STAMP = 'dist/.build-inputs';
const BUILD_INFO = 'dist/.tsbuildinfo';
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'scripts/build.mjs'];
const ASSETS = [
  ['src/db/migrations', 'dist/src/db/migrations'],
  ['src/static', 'dist/src/static'],
];

/** Every input file, sorted, so the fingerprint does not depend on directory order. */
function files(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => files(join(path, entry.name)));
}

function fingerprint() {
  const hash = createHash('sha256');
  hash.update(process.version.split('.')[0] ?? '');
  for (const file of INPUTS.flatMap(files)) {
    hash.update(file);
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

const started = Date.now();
const before = fingerprint();
const current = existsSync(STAMP) && existsSync('dist/src/main.js') && readFileSync(STAMP, 'utf8') === before;
if (current && !force) {
  process.stderr.write(`build: dist/ is current (${Date.now() - started} ms)\n`);
  process.exit(0);
}
if (force) rmSync(BUILD_INFO, { force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(
  process.execPath,
  [tsc, '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', BUILD_INFO],
  {
    stdio: 'inherit',
  },
);
for (const [from, to] of ASSETS) {
  if (existsSync(to)) rmSync(to, { recursive: true });
  if (existsSync(from)) cpSync(from, to, { recursive: true });
}
// A source edited while tsc ran leaves the stamp stale, so the next start builds again.
writeFileSync(STAMP, before);
process.stderr.write(`build: dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
