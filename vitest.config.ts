import { defineConfig } from 'vitest/config';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'hono/jsx' } },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/browser/**', 'test/interop/**', 'test/lived-in/**', 'node_modules/**', 'dist/**'],
    testTimeout: 30000,
    hookTimeout: 30000,
    pool: 'forks',
    // Test files share their worker's module cache: importing the app graph once per worker rather
    // than once per file took `npm test` from ~135 s of module imports to ~14 s. Nothing in the suite
    // relies on a fresh module graph (no vi.mock, no stubbed globals); every test builds its own app,
    // database and temporary directory.
    isolate: false,
  },
});
