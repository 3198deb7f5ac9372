/**
 * Preloaded (`node --import`) into `starpunk serve` by the two-servers test: loads the whole CLI
 * module graph first, then waits until every process in the group has done the same, so the
 * processes reach their migrations within milliseconds of each other instead of seconds apart.
 * Changes nothing in how the server runs; without STARPUNK_TEST_BARRIER it does nothing.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.env.STARPUNK_TEST_BARRIER;
const count = Number(process.env.STARPUNK_TEST_BARRIER_COUNT ?? '2');
if (dir) {
  await import(pathToFileURL(join(import.meta.dirname, '..', '..', 'src', 'cli', 'run.ts')).href);
  writeFileSync(join(dir, `ready-${process.pid}`), '');
  const until = Date.now() + 60_000;
  while (readdirSync(dir).filter((n) => n.startsWith('ready-')).length < count && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1));
  }
}
