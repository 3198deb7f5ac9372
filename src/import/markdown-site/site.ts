/**
 * Which generator a folder is a site of, and what its configuration says that an import needs:
 * the site's address (Jekyll `url` + `baseurl`, Hugo `baseURL`, Indiekit `publication.me`), its
 * permalink rules, its time zone, where its content is. Configuration is read, never run: an
 * Eleventy or Indiekit configuration in JavaScript is only searched for the few plain values it
 * states (the input folder, the site's address).
 */
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { parseDocument } from 'yaml';
import { ImportSourceError } from '../contract.js';
import { knownZone } from './dates.js';

export type Generator = 'jekyll' | 'hugo' | 'eleventy';

/** A Jekyll collection as `_config.yml` declares it. */
export interface JekyllCollection {
  output: boolean;
  permalink?: string;
}

/** What the import knows about the site in a folder. */
export interface SiteConfig {
  root: string;
  generator: Generator;
  /** Its posts were written by Indiekit (its configuration is in the folder, or `--from indiekit`). */
  indiekit: boolean;
  /** The site's address without a trailing slash (`https://example.com/blog`), when known. */
  baseUrl?: string;
  /** Where `baseUrl` came from, for the report. */
  baseUrlFrom?: string;
  /** The time zone of dates written without one. */
  zone?: string;
  /** Jekyll: the permalink template of posts (a built-in style already expanded). */
  permalink?: string;
  /** Jekyll: whether pages get `/about/` (pretty) rather than `/about.html`. */
  prettyPages?: boolean;
  /** Jekyll: the folder collections (and _posts, _drafts) are in, relative to root ('' = root). */
  collectionsDir?: string;
  /** Jekyll: collections by name (without the underscore). */
  collections?: Map<string, JekyllCollection>;
  /** Hugo: the content folder, relative to root. */
  contentDir?: string;
  /** Hugo: permalink patterns of regular pages, by top-level section. */
  permalinks?: Map<string, string>;
  /** Eleventy: the input folder, relative to root ('' = root). */
  inputDir?: string;
  /** What the reader should tell the person about the configuration. */
  warnings: string[];
}

const isFile = (p: string) => {
  try {
    return lstatSync(p).isFile();
  } catch {
    return false;
  }
};
const isDir = (p: string) => {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
};
const firstFile = (root: string, names: string[]) => names.find((n) => isFile(join(root, n)));

const JEKYLL_CONFIGS = ['_config.yml', '_config.yaml', '_config.toml'];
const HUGO_CONFIGS = ['hugo.toml', 'hugo.yaml', 'hugo.yml', 'hugo.json'];
const HUGO_OLD_CONFIGS = ['config.toml', 'config.yaml', 'config.yml', 'config.json'];
const ELEVENTY_CONFIGS = [
  'eleventy.config.js',
  'eleventy.config.mjs',
  'eleventy.config.cjs',
  'eleventy.config.ts',
  '.eleventy.js',
  '.eleventy.cjs',
  '.eleventy.mjs',
];
const INDIEKIT_CONFIGS = [
  'indiekit.config.js',
  'indiekit.config.mjs',
  'indiekit.config.cjs',
  'indiekit.config.ts',
  '.indiekitrc',
  '.indiekitrc.json',
  '.indiekitrc.yaml',
  '.indiekitrc.yml',
  '.indiekitrc.js',
  '.indiekitrc.cjs',
  '.indiekitrc.mjs',
];

function packageJson(root: string): Record<string, unknown> | undefined {
  const p = join(root, 'package.json');
  if (!isFile(p)) return undefined;
  try {
    const v = JSON.parse(readFileSync(p, 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function dependsOn(pkg: Record<string, unknown> | undefined, test: (name: string) => boolean): boolean {
  if (!pkg) return false;
  for (const key of ['dependencies', 'devDependencies']) {
    const deps = pkg[key];
    if (deps && typeof deps === 'object' && Object.keys(deps).some(test)) return true;
  }
  return false;
}

/** A Jekyll site: a `_config.yml` (or .yaml, .toml) or a `_posts` folder. */
export function isJekyll(root: string): boolean {
  return firstFile(root, JEKYLL_CONFIGS) !== undefined || isDir(join(root, '_posts'));
}

/** A Hugo site: a `hugo.toml` (or .yaml, .json), or an older `config.toml` beside a `content` folder. */
export function isHugo(root: string): boolean {
  if (firstFile(root, HUGO_CONFIGS)) return true;
  if (!isDir(join(root, 'content'))) return false;
  return (
    firstFile(root, HUGO_OLD_CONFIGS) !== undefined ||
    isDir(join(root, 'config', '_default')) ||
    isDir(join(root, 'archetypes'))
  );
}

/** An Eleventy site: its configuration file, or a package.json that depends on @11ty/eleventy. */
export function isEleventy(root: string): boolean {
  return (
    firstFile(root, ELEVENTY_CONFIGS) !== undefined ||
    dependsOn(packageJson(root), (n) => n === '@11ty/eleventy')
  );
}

/** A site Indiekit publishes to: its configuration (cosmiconfig's places for "indiekit") is in the folder. */
export function isIndiekit(root: string): boolean {
  if (firstFile(root, INDIEKIT_CONFIGS)) return true;
  const pkg = packageJson(root);
  return (pkg !== undefined && 'indiekit' in pkg) || dependsOn(pkg, (n) => n.startsWith('@indiekit/'));
}

/** Parses a configuration file (YAML, TOML or JSON by its name), naming the file and place when it cannot. */
export function readConfigFile(root: string, rel: string): Record<string, unknown> {
  const text = readFileSync(join(root, rel), 'utf8');
  const file = join(root, rel);
  let data: unknown;
  if (rel.endsWith('.toml')) {
    try {
      data = parseToml(text);
    } catch (err) {
      if (err instanceof TomlError)
        throw new ImportSourceError(
          file,
          { line: err.line, column: err.column },
          `cannot be read: ${err.message.split('\n')[0]}`,
        );
      throw err;
    }
  } else if (rel.endsWith('.json') || rel === '.indiekitrc') {
    try {
      data = JSON.parse(text);
    } catch (err) {
      if (rel === '.indiekitrc') return readYamlConfig(text, file);
      throw new ImportSourceError(file, undefined, `cannot be read: ${(err as Error).message}`);
    }
  } else return readYamlConfig(text, file);
  return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

function readYamlConfig(text: string, file: string): Record<string, unknown> {
  const doc = parseDocument(text, { schema: 'core', prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const before = text.slice(0, err.pos[0]);
    const line = before.split('\n').length;
    throw new ImportSourceError(
      file,
      { line, column: err.pos[0] - before.lastIndexOf('\n') },
      `cannot be read: ${err.message.split('\n')[0]}`,
    );
  }
  const data = doc.toJS({ maxAliasCount: 50 }) as unknown;
  return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

/** `obj[key]`, the key matched without regard to case (Hugo's configuration keys are case-insensitive). */
export function ci(obj: unknown, key: string): unknown {
  if (!obj || typeof obj !== 'object') return undefined;
  const k = Object.keys(obj).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : (obj as Record<string, unknown>)[k];
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** An http(s) address without its trailing slash, or undefined. */
export function siteAddress(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

/** Jekyll's built-in permalink styles (its docs/_data/permalinks.yml). */
const JEKYLL_STYLES: Record<string, string> = {
  date: '/:categories/:year/:month/:day/:title:output_ext',
  pretty: '/:categories/:year/:month/:day/:title/',
  ordinal: '/:categories/:year/:y_day/:title:output_ext',
  weekdate: '/:categories/:year/W:week/:short_day/:title:output_ext',
  none: '/:categories/:title:output_ext',
};

function jekyllConfig(root: string, site: SiteConfig): void {
  const rel = firstFile(root, JEKYLL_CONFIGS);
  const cfg = rel ? readConfigFile(root, rel) : {};
  const url = str(cfg.url);
  const baseurl = str(cfg.baseurl) ?? '';
  const address = siteAddress(url ? `${url.replace(/\/+$/, '')}/${baseurl.replace(/^\/+/, '')}` : undefined);
  if (address) {
    site.baseUrl = address;
    site.baseUrlFrom = `${rel} (url${baseurl ? ', baseurl' : ''})`;
  }
  const style = str(cfg.permalink) ?? 'date';
  site.permalink = JEKYLL_STYLES[style] ?? style;
  site.prettyPages = site.permalink.endsWith('/');
  const zone = str(cfg.timezone);
  if (zone && knownZone(zone)) site.zone = zone;
  site.collectionsDir = (str(cfg.collections_dir) ?? '').replace(/^\/+|\/+$/g, '');
  const collections = new Map<string, JekyllCollection>();
  const declared = cfg.collections;
  if (Array.isArray(declared)) {
    for (const name of declared) if (typeof name === 'string') collections.set(name, { output: false });
  } else if (declared && typeof declared === 'object') {
    for (const [name, v] of Object.entries(declared as Record<string, unknown>)) {
      const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
      const permalink = str(o.permalink);
      collections.set(name, {
        output: o.output === true,
        ...(permalink ? { permalink: JEKYLL_STYLES[permalink] ?? permalink } : {}),
      });
    }
  }
  const posts = collections.get('posts');
  if (posts?.permalink) site.permalink = posts.permalink;
  site.collections = collections;
}

function hugoConfig(root: string, site: SiteConfig): void {
  const rel =
    firstFile(root, HUGO_CONFIGS) ??
    firstFile(root, HUGO_OLD_CONFIGS) ??
    firstFile(
      root,
      [...HUGO_CONFIGS, ...HUGO_OLD_CONFIGS].map((n) => `config/_default/${n}`),
    );
  const cfg = rel ? readConfigFile(root, rel) : {};
  const address = siteAddress(str(ci(cfg, 'baseURL')));
  if (address) {
    site.baseUrl = address;
    site.baseUrlFrom = `${rel} (baseURL)`;
  }
  const zone = str(ci(cfg, 'timeZone'));
  if (zone && knownZone(zone)) site.zone = zone;
  site.contentDir = (str(ci(cfg, 'contentDir')) ?? 'content').replace(/^\.?\/+|\/+$/g, '');
  const permalinks = new Map<string, string>();
  const p = ci(cfg, 'permalinks');
  if (p && typeof p === 'object' && !Array.isArray(p)) {
    const page = ci(p, 'page');
    const source = page && typeof page === 'object' ? page : p;
    for (const [section, pattern] of Object.entries(source as Record<string, unknown>))
      if (typeof pattern === 'string') permalinks.set(section.toLowerCase(), pattern);
  }
  site.permalinks = permalinks;
}

function eleventyConfig(root: string, site: SiteConfig): void {
  const rel = firstFile(root, ELEVENTY_CONFIGS);
  let input: string | undefined;
  if (rel) {
    const text = readFileSync(join(root, rel), 'utf8');
    input =
      /setInputDirectory\(\s*["'`]([^"'`]+)["'`]/.exec(text)?.[1] ??
      /\binput\s*:\s*["'`]([^"'`]+)["'`]/.exec(text)?.[1];
  }
  if (!input) {
    const scripts = packageJson(root)?.scripts;
    if (scripts && typeof scripts === 'object')
      for (const s of Object.values(scripts))
        if (typeof s === 'string') input ??= /eleventy\b[^&|;]*--input[= ]["']?([^\s"']+)/.exec(s)?.[1];
  }
  const dir = (input ?? '.').replace(/^\.\/?/, '').replace(/\/+$/, '');
  if (dir !== '' && !isDir(join(root, dir))) {
    site.warnings.push(`the Eleventy input folder "${dir}" is not there; the whole folder is read`);
    site.inputDir = '';
  } else site.inputDir = dir;
}

/** The site's address as its Indiekit configuration states it (`publication.me`). */
function indiekitAddress(root: string): { url: string; from: string } | undefined {
  const pkg = packageJson(root);
  const fromObject = (o: unknown) => siteAddress(str(ci(ci(o, 'publication'), 'me')));
  const inPkg = pkg && fromObject(pkg.indiekit);
  if (inPkg) return { url: inPkg, from: 'package.json (indiekit.publication.me)' };
  for (const rel of INDIEKIT_CONFIGS) {
    if (!isFile(join(root, rel))) continue;
    if (/\.(json|ya?ml)$/.test(rel) || rel === '.indiekitrc') {
      const url = fromObject(readConfigFile(root, rel));
      if (url) return { url, from: `${rel} (publication.me)` };
    } else {
      const m = /\bme\s*:\s*["'`](https?:\/\/[^"'`\s]+)["'`]/.exec(readFileSync(join(root, rel), 'utf8'));
      const url = siteAddress(m?.[1]);
      if (url) return { url, from: `${rel} (publication.me)` };
    }
  }
  return undefined;
}

/** Which generator Indiekit's preset names, when its configuration says. */
function indiekitPreset(root: string): Generator | undefined {
  const texts: string[] = [];
  for (const rel of [...INDIEKIT_CONFIGS, 'package.json'])
    if (isFile(join(root, rel))) texts.push(readFileSync(join(root, rel), 'utf8'));
  const m = /@indiekit\/preset-(jekyll|hugo|eleventy)/.exec(texts.join('\n'));
  return m ? (m[1] as Generator) : undefined;
}

/**
 * Reads the site in `root` as `generator` (or, for Indiekit, the generator its site is built
 * with); `siteUrl` (`--site`) overrides the address its configuration states.
 */
export function readSite(root: string, as: Generator | 'indiekit', siteUrl?: string): SiteConfig {
  const indiekit = as === 'indiekit';
  let generator: Generator;
  if (as !== 'indiekit') generator = as;
  else if (isHugo(root)) generator = 'hugo';
  else if (isJekyll(root)) generator = 'jekyll';
  else if (isEleventy(root)) generator = 'eleventy';
  else generator = indiekitPreset(root) ?? 'jekyll';
  const site: SiteConfig = { root, generator, indiekit, warnings: [] };
  if (generator === 'jekyll') jekyllConfig(root, site);
  else if (generator === 'hugo') hugoConfig(root, site);
  else eleventyConfig(root, site);
  if (indiekit && !site.baseUrl) {
    const me = indiekitAddress(root);
    if (me) {
      site.baseUrl = me.url;
      site.baseUrlFrom = me.from;
    }
  }
  if (siteUrl) {
    site.baseUrl = siteAddress(siteUrl);
    site.baseUrlFrom = '--site';
  }
  return site;
}
