import { defineConfig } from 'vitest/config';

/**
 * Tests that need programs from the system, not npm: the real server driven by Debian's headless
 * Chromium (test/browser), and our pages read by Python's mf2py (test/interop, Debian's
 * python3-mf2py). `.ci/run` installs both. One file at a time.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts', 'test/interop/**/*.test.ts', 'test/lived-in/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
