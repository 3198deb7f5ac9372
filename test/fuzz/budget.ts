/**
 * Fuzz budget: CI runs every property with a fixed seed and a small number of runs; `npm run fuzz`
 * (scripts/fuzz.ts) sets FUZZ_RUNS for a long run and may set FUZZ_SEED to vary or replay it.
 */
import type { Parameters } from 'fast-check';

/** The seed CI uses, so a failure there replays exactly (fast-check prints the seed and path). */
export const CI_SEED = 20261127;

const envRuns = Number(process.env.FUZZ_RUNS ?? '');
const envSeed = Number(process.env.FUZZ_SEED ?? '');

/** True in the long run (FUZZ_RUNS set to a positive whole number). */
export const LONG_RUN = Number.isInteger(envRuns) && envRuns > 0;

/** The seed of this run: FUZZ_SEED when given, else the CI seed. */
export const SEED = process.env.FUZZ_SEED && Number.isInteger(envSeed) ? envSeed : CI_SEED;

/** Runs of a property: `ci` in CI; in a long run FUZZ_RUNS divided by `cost` (I/O per run), never fewer than `ci`. */
export function runsFor(ci: number, cost = 1): number {
  return LONG_RUN ? Math.max(ci, Math.floor(envRuns / cost)) : ci;
}

/** fast-check parameters for a property (see runsFor). */
export function budget(ci: number, cost = 1): Parameters<unknown> {
  return { seed: SEED, numRuns: runsFor(ci, cost) };
}
