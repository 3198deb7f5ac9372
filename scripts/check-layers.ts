// The layer rule of docs/architecture.md, checked over the import graph of src/ (every static,
// dynamic, type-only and re-export import; tests excluded). `npm run lint` runs it as
// `tsx scripts/check-layers.ts`; test/architecture/layers.test.ts checks the checker. On a
// breach it exits 1 and names the file and line of every import that breaks the rule.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

export interface Layer {
  name: string;
  /** Folders under src/ ('notes') and files in src/'s root ('config.ts'). */
  units: string[];
}

/**
 * The layers of src/, lowest first. A unit is a folder under src/ or a file in src/'s root. A unit
 * may import units of its own layer or of lower layers, never of a higher one; and no units may
 * import each other in a cycle, except the pairs in ALLOWED_CYCLES. Keep docs/architecture.md in step.
 */
export const LAYERS: Layer[] = [
  // Pure helpers: import nothing else from src/.
  { name: 'lib', units: ['lib'] },
  // What every layer may use: configuration, time, logging, the version, the SSRF-safe fetch, the
  // worker pool that reads untrusted HTML.
  {
    name: 'platform',
    units: ['outbound', 'untrusted-html', 'config.ts', 'clock.ts', 'logger.ts', 'version.ts'],
  },
  // The database: connection, migrations, one store per table. legacy/ is the migration runner's
  // reader of Python StarPunk's data.
  { name: 'storage', units: ['db', 'legacy'] },
  // What the owner keeps: notes, media, pages, settings, drafts, keys, and the job queue.
  { name: 'domain', units: ['jobs', 'notes', 'media', 'pages', 'settings', 'keys', 'drafts', 'features'] },
  // Protocols and background features.
  {
    name: 'features',
    units: [
      'auth',
      'indieauth',
      'micropub',
      'reply-context',
      'webmention',
      'activitypub',
      'syndication',
      'websub',
      // Moving in: the import contract, its engine and the source readers (ADR 0017).
      'import',
      // The untrusted-HTML worker's side: runs the features' parsers on a worker thread.
      'html-worker',
    ],
  },
  // What a page or a feed shows: site facts, feed formats, JSX views.
  { name: 'presentation', units: ['feeds', 'views', 'site'] },
  // HTTP middleware and the routes.
  { name: 'web', units: ['http', 'routes'] },
  // Wiring: builds the services and mounts the routes.
  { name: 'app', units: ['app.ts'] },
  // Commands and operations on a whole site (backup, export, import, restore).
  { name: 'operations', units: ['cli', 'ops'] },
  { name: 'entry', units: ['main.ts'] },
];

/** Cycles the rule tolerates: the migration runner and its reader of the Python schema. */
export const ALLOWED_CYCLES: string[][] = [['db', 'legacy']];

const SOURCE = /\.(ts|tsx|mts)$/;
const TEST = /\.test\.(ts|tsx|mts)$/;

function* sourceFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) yield* sourceFiles(full);
    else if (e.isFile() && SOURCE.test(e.name) && !TEST.test(e.name) && !e.name.endsWith('.d.ts')) yield full;
  }
}

/** The source file an import specifier names: `./x.js` is `./x.ts` or `./x.tsx` when that exists. */
function sourceOf(target: string): string {
  const m = /\.(m?js|jsx)$/.exec(target);
  if (!m) return target;
  const stem = target.slice(0, -m[0].length);
  for (const ext of m[1] === 'mjs' ? ['.mts'] : ['.ts', '.tsx'])
    if (existsSync(stem + ext)) return stem + ext;
  return target;
}

/** The unit a path under `srcDir` belongs to, or undefined when it lies outside src/. */
function unitOf(srcDir: string, file: string): string | undefined {
  const rel = relative(srcDir, file);
  if (rel.startsWith('..') || rel === '') return undefined;
  return rel.split(sep)[0] as string;
}

function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Strongly connected components of a graph (Map unit → Set of units) with more than one unit. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/**
 * Checks the import graph of `srcDir` against `layers`. Returns the problems found (empty when the
 * rule holds) and the folder-level edges, each edge with the first import that makes it.
 */
export function checkLayers(
  srcDir: string,
  layers: Layer[] = LAYERS,
  allowedCycles: string[][] = ALLOWED_CYCLES,
): { problems: string[]; files: number; edges: string[] } {
  const root = resolve(srcDir);
  const layerOf = new Map<string, { index: number; name: string }>();
  layers.forEach((layer, i) => {
    for (const unit of layer.units) layerOf.set(unit, { index: i, name: layer.name });
  });
  const problems: string[] = [];
  const graph = new Map<string, Set<string>>();
  const firstImport = new Map<string, string>();
  const unclassified = new Set<string>();
  let files = 0;

  for (const file of sourceFiles(root)) {
    files++;
    const from = unitOf(root, file)!;
    if (!layerOf.has(from)) unclassified.add(from);
    const text = readFileSync(file, 'utf8');
    const where = (pos: number): string =>
      `src/${relative(root, file).split(sep).join('/')}:${lineOf(text, pos)}`;
    for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
      const spec = imported.fileName;
      if (!spec.startsWith('.')) continue; // packages and node: builtins
      const target = sourceOf(resolve(dirname(file), spec));
      const to = unitOf(root, target);
      if (to === undefined) {
        problems.push(`${where(imported.pos)} imports ${spec}, outside src/`);
        continue;
      }
      if (to === from) continue;
      const out = graph.get(from) ?? new Set<string>();
      graph.set(from, out);
      out.add(to);
      const key = `${from} -> ${to}`;
      if (!firstImport.has(key)) firstImport.set(key, `${where(imported.pos)} '${spec}'`);
      const a = layerOf.get(from);
      const b = layerOf.get(to);
      if (!b) unclassified.add(to);
      if (a && b && b.index > a.index) {
        problems.push(
          `${where(imported.pos)}: ${from} (layer ${a.name}) imports ${spec} from ${to} (higher layer ${b.name})`,
        );
      }
    }
  }

  for (const unit of [...unclassified].sort()) {
    problems.push(
      `src/${unit} is in no layer: add it to LAYERS in scripts/check-layers.ts and to docs/architecture.md`,
    );
  }
  const allowed = new Set(allowedCycles.map((c) => [...c].sort().join(' ')));
  for (const component of cycles(graph)) {
    if (allowed.has(component.join(' '))) continue;
    const inside = [...firstImport]
      .filter(([key]) => {
        const [a = '', b = ''] = key.split(' -> ');
        return component.includes(a) && component.includes(b);
      })
      .map(([key, at]) => `    ${key}  (${at})`);
    const shown =
      inside.length > 30 ? [...inside.slice(0, 30), `    … and ${inside.length - 30} more`] : inside;
    problems.push(`import cycle between ${component.join(', ')}:\n${shown.join('\n')}`);
  }
  return { problems, files, edges: [...firstImport.keys()].sort() };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const srcDir = process.argv[2] ?? join(import.meta.dirname, '..', 'src');
  const { problems, files, edges } = checkLayers(srcDir);
  if (problems.length > 0) {
    console.error(`layer rule (docs/architecture.md): ${problems.length} problem(s)\n`);
    for (const p of problems) console.error(`  ${p}`);
    process.exitCode = 1;
  } else {
    console.log(`layers: ${files} files, ${edges.length} folder edges, rule holds`);
  }
}
