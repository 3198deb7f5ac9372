// The layer rule of docs/architecture.md: src/ as it is keeps it, and the checker that `npm run lint`
// runs catches each way of breaking it (on small trees written to a temporary folder).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLayers, type Layer } from '../../scripts/check-layers.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

const LAYERS: Layer[] = [
  { name: 'lib', units: ['lib'] },
  { name: 'platform', units: ['config.ts'] },
  { name: 'storage', units: ['db', 'legacy'] },
  { name: 'domain', units: ['notes', 'media'] },
  { name: 'web', units: ['routes'] },
];
const ALLOWED = [['db', 'legacy']];

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A src/ tree of the given files (path → source). */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'starpunk-layers-'));
  dirs.push(root);
  const src = join(root, 'src');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  return src;
}

const check = (files: Record<string, string>) => checkLayers(tree(files), LAYERS, ALLOWED).problems;

describe('the layer rule', () => {
  it('holds for src/', () => {
    const { problems, files } = checkLayers(SRC);
    expect(problems).toEqual([]);
    expect(files).toBeGreaterThan(100);
  });

  it('allows imports of the same or a lower layer', () => {
    expect(
      check({
        'lib/a.ts': 'export const a = 1;\n',
        'config.ts': "import { a } from './lib/a.js';\nexport const c = a;\n",
        'notes/n.ts':
          "import { c } from '../config.js';\nimport { m } from '../media/m.js';\nexport const n = c + m;\n",
        'media/m.ts': "import { a } from '../lib/a.js';\nexport const m = a;\n",
        'routes/r.ts': "import { n } from '../notes/n.js';\nexport const r = n;\n",
      }),
    ).toEqual([]);
  });

  it('refuses an import of a higher layer, naming the file and line', () => {
    const problems = check({
      'lib/a.ts': "// a helper\nimport { n } from '../notes/n.js';\nexport const a = n;\n",
      'notes/n.ts': 'export const n = 1;\n',
    });
    expect(problems).toEqual([
      'src/lib/a.ts:2: lib (layer lib) imports ../notes/n.js from notes (higher layer domain)',
    ]);
  });

  it('counts type-only imports, re-exports and dynamic imports', () => {
    const problems = check({
      'notes/a.ts': "import type { R } from '../routes/r.js';\nexport type A = R;\n",
      'notes/b.ts': "export { r } from '../routes/r.js';\n",
      'notes/c.ts': "export async function c() {\n  return (await import('../routes/r.js')).r;\n}\n",
      'routes/r.ts': 'export const r = 1;\nexport type R = number;\n',
    });
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => p.split(':').slice(0, 2).join(':'))).toEqual([
      'src/notes/a.ts:1',
      'src/notes/b.ts:1',
      'src/notes/c.ts:2',
    ]);
  });

  it('refuses a cycle inside one layer', () => {
    const problems = check({
      'notes/n.ts': "import { m } from '../media/m.js';\nexport const n = m;\n",
      'media/m.ts': "import type { N } from '../notes/t.js';\nexport const m = 1;\n",
      'notes/t.ts': 'export type N = number;\n',
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^import cycle between media, notes:/);
    expect(problems[0]).toContain("media -> notes  (src/media/m.ts:1 '../notes/t.js')");
  });

  it('tolerates the migration runner and its legacy reader importing each other', () => {
    expect(
      check({
        'db/migrate.ts': "import { carry } from '../legacy/python.js';\nexport const run = carry;\n",
        'legacy/python.ts':
          "import type { Db } from '../db/open.js';\nexport const carry = (_db: Db) => 1;\n",
        'db/open.ts': 'export type Db = object;\n',
      }),
    ).toEqual([]);
  });

  it('refuses a folder that is in no layer', () => {
    expect(check({ 'activitypub/inbox.ts': 'export const inbox = 1;\n' })).toEqual([
      'src/activitypub is in no layer: add it to LAYERS in scripts/check-layers.ts and to docs/architecture.md',
    ]);
  });

  it('refuses an import from outside src/, and ignores packages and tests', () => {
    expect(
      check({
        'notes/n.ts':
          "import { z } from 'zod';\nimport { h } from '../../test/helpers/h.js';\nexport const n = [z, h];\n",
        'lib/a.test.ts': "import { r } from '../routes/r.js';\nexport const t = r;\n",
        'routes/r.ts': 'export const r = 1;\n',
      }),
    ).toEqual(['src/notes/n.ts:2 imports ../../test/helpers/h.js, outside src/']);
  });
});
