/**
 * Markdown sites: a folder of a Jekyll, Hugo or Eleventy site, or of a site Indiekit publishes to,
 * read as import items (contract.ts). Each generator's conventions as it documents them:
 *
 * - Jekyll: `_posts/YYYY-MM-DD-slug.md` (date and slug from the name; `<category>/_posts/` adds a
 *   category), `_drafts/` as drafts, `published: false`, `categories`/`tags`, `permalink` (front
 *   matter or `_config.yml`, built-in styles included), collections `_config.yml` declares,
 *   `redirect_from` (jekyll-redirect-from) as more old addresses; pages with front matter.
 * - Hugo: `content/<section>/…` (YAML, TOML or JSON front matter), `date` (and its fallbacks),
 *   `slug`, `url`, `aliases`, `draft`, `expiryDate`, `headless`, `tags`/`categories`, permalink
 *   patterns of the configuration, page bundles (`index.md` with its pictures beside it),
 *   `{{< figure >}}`; files at the top of `content/` as pages.
 * - Eleventy: the input folder, `date` (or a YYYY-MM-DD in the path), `permalink`, `tags` (the
 *   collection tags `post`/`posts`/`all` dropped), `eleventyExcludeFromCollections` (unlisted),
 *   `draft`; files at the top of the input folder (not tagged as posts) as pages.
 * - Indiekit (over any of the three): its post types' folders (`_notes/`, `notes/`…), its front
 *   matter in each preset's spelling (`in-reply-to`, `in_reply_to`, `inReplyTo`…; `post-status`,
 *   `photo` with `url` and `alt`, `category`, `syndication`), its URL templates as old addresses.
 *
 * Every post's old address is computed from the generator's permalink rules under the site's
 * address (from its configuration, or `--site`). Pictures the text or front matter names that are
 * files of the site come from the folder; the text is made to point at them so the engine can
 * point it at the stored copies. Nothing is written; the folder is read, never run.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
} from 'node:fs';
import { basename, dirname, extname, join, posix, relative, sep } from 'node:path';
import type { Visibility } from '../../notes/types.js';
import {
  type ImportEvent,
  type ImportFormat,
  type ImportItem,
  type ImportMedia,
  ImportSourceError,
  type ReaderOptions,
  type SourceReader,
} from '../contract.js';
import {
  hugoPath,
  indiekitPath,
  indiekitTemplate,
  jekyllPath,
  normalPath,
  onSite,
  UNKNOWN_SITE,
} from './addresses.js';
import { datedName, parseSiteDate } from './dates.js';
import { type FrontMatterData, splitFrontMatter } from './front-matter.js';
import {
  isEleventy,
  isHugo,
  isIndiekit,
  isJekyll,
  readSite,
  type SiteConfig,
  type Generator as SiteGenerator,
} from './site.js';

/** The idempotency key's first half: one for every generator, so `--from` never changes it. */
export const MARKDOWN_SITE = 'markdown-site';

const MARKDOWN = /\.(md|markdown|mdown|mkd)$/i;
const IMAGE = /\.(jpe?g|png|gif|webp|avif)$/i;
/** Folders no generator reads content from (their output, dependencies, tooling). */
const NEVER = new Set(['node_modules', '_site', 'vendor', '.git', 'public', 'resources', 'themes', 'static']);
const MAX_FILE_BYTES = 5 * 1024 * 1024;

/** The folders Indiekit's presets write post types to (plural of each type). */
const INDIEKIT_TYPES = new Set([
  'posts',
  'articles',
  'notes',
  'photos',
  'videos',
  'audio',
  'bookmarks',
  'checkins',
  'events',
  'replies',
  'reposts',
  'likes',
  'rsvps',
  'jams',
]);

function siteFormat(
  name: SiteGenerator | 'indiekit',
  title: string,
  detectFolder: (path: string) => boolean,
): ImportFormat {
  return {
    name,
    title,
    detect: () => false,
    detectFolder(path) {
      try {
        return detectFolder(path);
      } catch {
        return false;
      }
    },
    open(path, options) {
      return openSite(path, name, options);
    },
  };
}

/** Indiekit first: a site it publishes to is also a Jekyll, Hugo or Eleventy site. */
export const indiekitFormat = siteFormat('indiekit', 'Indiekit site', isIndiekit);
export const hugoFormat = siteFormat('hugo', 'Hugo site', isHugo);
export const jekyllFormat = siteFormat('jekyll', 'Jekyll site', isJekyll);
export const eleventyFormat = siteFormat('eleventy', 'Eleventy site', isEleventy);
export const MARKDOWN_SITE_FORMATS: readonly ImportFormat[] = [
  indiekitFormat,
  hugoFormat,
  jekyllFormat,
  eleventyFormat,
];

// --- reading the folder safely --------------------------------------------------------------

/** Regular files under `dir` (relative to `root`, posix), sorted; links and unsafe names are reported. */
function* walk(root: string, dir: string, skipped: string[]): Generator<string> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.name.startsWith('.')) continue;
    if (e.isSymbolicLink()) {
      if (MARKDOWN.test(e.name) || !extname(e.name)) skipped.push(rel);
      continue;
    }
    if (e.isDirectory()) {
      if (NEVER.has(e.name)) continue;
      yield* walk(root, rel, skipped);
    } else if (e.isFile()) yield rel;
  }
}

/** True when `rel` is a regular file really inside `root` (no link on the way out). */
function safeFile(root: string, rel: string): boolean {
  if (rel.split('/').some((s) => s === '..' || s === '')) return false;
  const full = join(root, rel);
  try {
    if (!lstatSync(full).isFile()) return false;
    const back = relative(realpathSync(root), realpathSync(dirname(full)));
    return !(back.startsWith('..') || back.split(sep).includes('..'));
  } catch {
    return false;
  }
}

/** The text of a file of the site (a regular file inside it, not a link), or undefined. */
function readText(root: string, rel: string): { text: string; mtime: Date } | undefined {
  if (!safeFile(root, rel)) return undefined;
  const fd = openSync(join(root, rel), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return undefined;
    return { text: readFileSync(fd, 'utf8'), mtime: st.mtime };
  } finally {
    closeSync(fd);
  }
}

// --- front matter values --------------------------------------------------------------------

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined;

/** A list from a list or a single value; `split` splits a string on spaces (Jekyll's categories and tags). */
function list(v: unknown, split = false): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.flatMap((x) => list(x, false));
  if (typeof v === 'string')
    return (split ? v.split(/\s+/) : [v]).map((s) => s.trim()).filter((s) => s !== '');
  if (typeof v === 'number') return [String(v)];
  return [];
}

/** The value of an Indiekit property in any preset's spelling: `in-reply-to`, `in_reply_to`, `inReplyTo`. */
function prop(data: FrontMatterData, kebab: string): unknown {
  const snake = kebab.replace(/-/g, '_');
  const camel = kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  return data[kebab] ?? data[snake] ?? data[camel];
}

/** Addresses from a property (strings, or objects with `url`). */
function urls(v: unknown): string[] {
  const out: string[] = [];
  for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) {
    const u =
      typeof x === 'string'
        ? x
        : x && typeof x === 'object'
          ? str((x as Record<string, unknown>).url)
          : undefined;
    if (u && /^https?:\/\//i.test(u.trim())) out.push(u.trim());
  }
  return out;
}

/** The line of the front matter key `key` in `text` (for errors about its value), or 1. */
function lineOf(text: string, key: string): { line: number; column: number } {
  const lines = text.split('\n');
  const re = new RegExp(`^\\s*"?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*[:=]`);
  const i = lines.findIndex((l) => re.test(l));
  return { line: i >= 0 ? i + 1 : 1, column: 1 };
}

// --- one file -------------------------------------------------------------------------------

/** Where a file is in its site, as its generator sees it. */
interface Entry {
  /** Relative to the site's root (posix). */
  rel: string;
  kind: 'note' | 'page';
  /** Jekyll: `_posts`, `_drafts`, a collection; Hugo/Eleventy: the first folder. */
  folder: string;
  /** Jekyll: the path inside the collection folder; Hugo: inside content; Eleventy: inside input. */
  inner: string;
  /** Jekyll: categories from the folders above `_posts`. */
  pathCategories: string[];
  /** Jekyll `_drafts/`. */
  draft: boolean;
  /** Hugo: a leaf bundle's folder (relative to root), whose pictures belong to the page. */
  bundle?: string;
}

interface Ctx {
  site: SiteConfig;
  root: string;
  now: Date;
  options: ReaderOptions;
}

/** The name a file's slug comes from: the file's name, or its folder's for `index.md`. */
function stemOf(inner: string): string {
  const stem = basename(inner, extname(inner));
  if (stem === 'index' && inner.includes('/')) return basename(dirname(inner));
  return stem;
}

function titleize(slug: string): string {
  return slug
    .split('-')
    .filter((w) => w !== '')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');
}

/** The instant a front-matter date names; a value that is not a date stops the import, naming the line. */
function dateField(
  data: FrontMatterData,
  key: string,
  ctx: Ctx,
  file: string,
  text: string,
): Date | undefined {
  const v = data[key];
  if (v === undefined || v === null || v === '' || typeof v === 'boolean') return undefined;
  const d = parseSiteDate(v, ctx.site.zone);
  if (!d)
    throw new ImportSourceError(
      join(ctx.root, file),
      lineOf(text, key),
      `"${key}: ${String(v)}" is not a date this import can read (write it as 2024-02-02 or 2024-02-02T10:00:00+01:00)`,
    );
  return d;
}

/** When the post was published, by the generator's rules. */
function dateOf(e: Entry, data: FrontMatterData, ctx: Ctx, text: string, mtime: Date): Date {
  const d = (k: string) => dateField(data, k, ctx, e.rel, text);
  const g = ctx.site.generator;
  if (g === 'hugo') {
    return (
      d('date') ??
      d('publishDate') ??
      d('pubdate') ??
      d('published') ??
      d('lastmod') ??
      d('modified') ??
      mtime
    );
  }
  if (g === 'eleventy') {
    const raw = data.date;
    if (
      typeof raw === 'string' &&
      /^(last modified|created|git last modified|git created)$/i.test(raw.trim())
    )
      return mtime;
    const inPath = /(\d{4}-\d{2}-\d{2})/.exec(e.inner)?.[1];
    return d('date') ?? d('published') ?? (inPath ? parseSiteDate(inPath) : undefined) ?? mtime;
  }
  const named = datedName(basename(e.inner, extname(e.inner)));
  return (
    d('date') ?? d('published') ?? (named ? parseSiteDate(named.date, ctx.site.zone) : undefined) ?? mtime
  );
}

/** The tags of a post: tags and categories as the generator has them, Eleventy's collection tags left out. */
function tagsOf(e: Entry, data: FrontMatterData, site: SiteConfig): string[] {
  const jekyll = site.generator === 'jekyll';
  const raw = [
    ...e.pathCategories,
    ...list(data.categories, jekyll),
    ...list(data.category, jekyll),
    ...list(data.tags, jekyll || site.generator === 'eleventy'),
    ...list(data.tag, jekyll),
  ];
  const drop = site.generator === 'eleventy' ? new Set(['post', 'posts', 'all']) : new Set<string>();
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of raw) {
    const key = t.toLowerCase();
    if (drop.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}

/** The path (from the site's root) of an address on the old site, or undefined for another site's. */
function pathOnSite(site: SiteConfig, raw: string): string | undefined {
  if (/^https?:\/\//i.test(raw)) {
    try {
      const u = new URL(raw);
      const base = new URL(site.baseUrl ?? UNKNOWN_SITE);
      if (u.host !== base.host) return undefined;
      const prefix = base.pathname.replace(/\/+$/, '');
      if (prefix && !u.pathname.startsWith(`${prefix}/`)) return undefined;
      return u.pathname.slice(prefix.length) + u.search;
    } catch {
      return undefined;
    }
  }
  return normalPath(raw);
}

/** Every address the post had on the old site (absolute), and what could not be computed. */
function addressesOf(
  e: Entry,
  data: FrontMatterData,
  ctx: Ctx,
  date: Date,
  title: string | null,
  warnings: string[],
): string[] {
  const { site } = ctx;
  const paths: string[] = [];
  const add = (p: string | undefined) => {
    if (p !== undefined) paths.push(p);
  };
  const fmPermalink = data.permalink;
  if (site.generator === 'jekyll') {
    if (!e.draft) {
      const stem = basename(e.inner, extname(e.inner));
      const fileSlug = str(data.slug) ?? datedName(stem)?.rest ?? stem;
      const collection = e.folder.replace(/^_/, '');
      const facts = {
        date,
        ...(site.zone ? { zone: site.zone } : {}),
        slug: fileSlug,
        categories: [...e.pathCategories, ...list(data.categories, true), ...list(data.category, true)],
        collection,
        path: e.inner.replace(/\.[^.]+$/, ''),
        name: stem,
      };
      const declared = site.collections?.get(collection);
      let template: string | undefined = typeof fmPermalink === 'string' ? fmPermalink : undefined;
      if (e.kind === 'page') {
        const path = e.inner.replace(/\.[^.]+$/, '');
        if (template) add(template.includes(':') ? jekyllPath(template, facts) : normalPath(template));
        else add(site.prettyPages ? `/${path}/` : `/${path}.html`);
      } else if (e.folder === '_posts') {
        template ??= site.permalink ?? '/:categories/:year/:month/:day/:title:output_ext';
        const p = jekyllPath(template, facts);
        if (p === undefined)
          warnings.push(`its permalink "${template}" has a placeholder Jekyll does not have`);
        add(p);
      } else if (template ?? declared?.permalink) {
        const t = (template ?? declared?.permalink)!;
        add(jekyllPath(t, facts));
      } else if (!site.indiekit) add(jekyllPath('/:collection/:path:output_ext', facts));
      for (const r of list(data.redirect_from)) add(pathOnSite(site, r));
    }
  } else if (site.generator === 'hugo') {
    const sections = e.inner.split('/').slice(0, e.bundle ? -2 : -1);
    const url = str(data.url);
    const filename = stemOf(e.inner);
    if (url) {
      const p = pathOnSite(site, url);
      add(p === undefined ? undefined : /\.[a-z0-9]+$/i.test(p) || p.endsWith('/') ? p : `${p}/`);
    } else {
      const pattern = e.kind === 'note' ? site.permalinks?.get((sections[0] ?? '').toLowerCase()) : undefined;
      const facts = {
        date,
        ...(site.zone ? { zone: site.zone } : {}),
        title,
        slug: str(data.slug),
        filename,
        sections,
      };
      if (pattern) {
        const p = hugoPath(pattern, facts);
        if (p === undefined)
          warnings.push(`the permalink pattern "${pattern}" has a token this import does not know`);
        add(p);
      } else add(`/${[...sections, str(data.slug) ?? filename].join('/')}/`.toLowerCase());
    }
    // Aliases: site-relative (`/old-url`) or relative to the page's section (`old-name`, `../old`).
    for (const alias of list(data.aliases)) {
      if (/^https?:\/\//i.test(alias)) add(pathOnSite(site, alias));
      else {
        const resolved = new URL(alias, `http://x/${sections.map(encodeURIComponent).join('/')}/`).pathname;
        add(decodeURI(resolved));
      }
    }
  } else {
    if (typeof fmPermalink === 'string') {
      if (/\{[{%]/.test(fmPermalink))
        warnings.push('its permalink is a template; its old address was not computed');
      else add(pathOnSite(site, fmPermalink.replace(/index\.html?$/, '')));
    } else if (fmPermalink !== false) {
      const noExt = e.inner.replace(/\.[^.]+$/, '');
      add(
        basename(noExt) === 'index' ? `/${dirname(noExt) === '.' ? '' : `${dirname(noExt)}/`}` : `/${noExt}/`,
      );
    }
  }
  // Indiekit's own idea of the address (its preset's URL template), for its post types' folders.
  const folder = e.folder.replace(/^_/, '');
  if (
    site.indiekit &&
    e.kind === 'note' &&
    !e.draft &&
    INDIEKIT_TYPES.has(folder) &&
    fmPermalink === undefined
  ) {
    const stem = stemOf(e.inner);
    const fileSlug = datedName(stem)?.rest ?? stem;
    add(indiekitPath(indiekitTemplate(site.generator, e.folder), date, fileSlug));
  }
  return [...new Set(paths.map((p) => onSite(site.baseUrl, p)))];
}

/** Sources of pictures a post's text names: Markdown images, `<img>`, and Hugo's figure shortcode. */
const MD_IMAGE = /!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
const HTML_IMAGE = /<img\b[^>]*>/gi;
const FIGURE = /\{\{[<%]\s*figure\b([^}]*?)[>%]\}\}/g;

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

/** Finds the file of the site a picture address names, trying the places the generator serves files from. */
function localImage(ctx: Ctx, e: Entry, src: string): { localPath: string; url: string } | undefined {
  const { site, root } = ctx;
  let path = src.split(/[?#]/)[0]!;
  try {
    path = decodeURIComponent(path);
  } catch {}
  if (!IMAGE.test(path)) return undefined;
  const candidates: string[] = [];
  let absolute: string | undefined;
  if (/^https?:\/\//i.test(path) || path.startsWith('//')) {
    const onOld = pathOnSite(site, path.startsWith('//') ? `https:${path}` : path);
    if (onOld === undefined) return undefined;
    absolute = path;
    path = onOld;
  }
  const fileDir = posix.dirname(e.rel);
  if (path.startsWith('/')) {
    const p = path.replace(/^\/+/, '');
    if (site.generator === 'hugo') candidates.push(`static/${p}`, `${site.contentDir ?? 'content'}/${p}`);
    if (site.generator === 'eleventy' && site.inputDir) candidates.push(`${site.inputDir}/${p}`);
    candidates.push(p);
  } else {
    candidates.push(posix.join(fileDir, path));
    if (e.bundle) candidates.push(posix.join(e.bundle, path));
    if (site.generator === 'hugo') candidates.push(posix.join('static', posix.dirname(e.inner), path));
  }
  for (const c of candidates) {
    const rel = posix.normalize(c);
    if (rel.startsWith('..') || rel.startsWith('/')) continue;
    if (safeFile(root, rel)) return { localPath: rel, url: absolute ?? onSite(site.baseUrl, `/${rel}`) };
  }
  return undefined;
}

/** The body with its local pictures pointing at their addresses on the old site, and the pictures. */
function pictures(ctx: Ctx, e: Entry, body: string): { body: string; media: ImportMedia[] } {
  const media: ImportMedia[] = [];
  const found = (src: string, alt: string): string | undefined => {
    const img = localImage(ctx, e, src);
    if (!img) return undefined;
    if (!media.some((m) => m.url === img.url)) media.push({ ...img, alt, role: 'inline' });
    return img.url;
  };
  let out = body.replace(FIGURE, (all, attrs: string) => {
    const src = attr(attrs, 'src');
    if (!src) return all;
    const alt = attr(attrs, 'alt') ?? attr(attrs, 'caption') ?? attr(attrs, 'title') ?? '';
    return `![${alt.replace(/[[\]]/g, '')}](${src})`;
  });
  out = out.replace(MD_IMAGE, (all, alt: string, src: string, title?: string) => {
    const url = found(src, alt);
    return url ? `![${alt}](${url}${title ?? ''})` : all;
  });
  out = out.replace(HTML_IMAGE, (tag) => {
    const src = attr(tag, 'src');
    if (!src) return tag;
    const url = found(src, attr(tag, 'alt') ?? '');
    return url
      ? tag.replace(/(\bsrc\s*=\s*)(?:"[^"]*"|'[^']*'|[^\s>]+)/i, (_, a: string) => `${a}"${url}"`)
      : tag;
  });
  return { body: out, media };
}

/** Pictures the front matter attaches: Indiekit's `photo` (`url`, `alt`), `photos`, `image`, `images`. */
function photos(ctx: Ctx, e: Entry, data: FrontMatterData, taken: ImportMedia[]): ImportMedia[] {
  const out: ImportMedia[] = [];
  const add = (src: string, alt: string) => {
    const local = localImage(ctx, e, src);
    let m: ImportMedia | undefined;
    if (local) m = { ...local, alt, role: 'photo' };
    else if (/^https?:\/\//i.test(src) && IMAGE.test(new URL(src).pathname))
      m = { url: src, alt, role: 'photo' };
    if (!m) return;
    const same = [...taken, ...out].find((x) => x.url === m.url);
    if (same) {
      if (!same.alt && alt) same.alt = alt;
      return;
    }
    out.push(m);
  };
  for (const key of ['photo', 'photos', 'image', 'images', 'featured_image']) {
    const v = data[key];
    for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) {
      if (typeof x === 'string') add(x.trim(), '');
      else if (x && typeof x === 'object') {
        const o = x as Record<string, unknown>;
        const src = str(o.url) ?? str(o.path) ?? str(o.src) ?? str(o.value);
        if (src) add(src, str(o.alt) ?? '');
      }
    }
  }
  // A Hugo bundle's other pictures are the page's own (page resources): attached, alt from `resources`.
  if (e.bundle) {
    const resources = Array.isArray(data.resources) ? (data.resources as Record<string, unknown>[]) : [];
    let names: string[] = [];
    try {
      names = readdirSync(join(ctx.root, e.bundle)).sort();
    } catch {}
    for (const name of names) {
      if (!IMAGE.test(name)) continue;
      const meta = resources.find((r) => r && typeof r === 'object' && str(r.src) === name);
      const params = meta?.params as Record<string, unknown> | undefined;
      add(name, str(params?.alt) ?? str(meta?.title) ?? '');
    }
  }
  return out;
}

/** The import item of one file, or why it is skipped. */
function itemOf(ctx: Ctx, entry: Entry): ImportEvent {
  let e = entry;
  const file = readText(ctx.root, e.rel);
  if (!file)
    return {
      type: 'skipped',
      sourceId: e.rel,
      label: e.rel,
      reason: 'not a regular file of the site, or larger than 5 MB',
    };
  const { text, mtime } = file;
  const { data, body: raw, format } = splitFrontMatter(text, join(ctx.root, e.rel));
  const { site } = ctx;
  const skip = (reason: string): ImportEvent => ({ type: 'skipped', sourceId: e.rel, label: e.rel, reason });
  if (site.generator === 'jekyll' && e.kind === 'page' && format === 'none')
    return skip('no front matter: Jekyll copies it as a file, not a page');
  if (site.generator === 'hugo' && data.headless === true)
    return skip('a headless bundle (never shown on its own)');
  const warnings: string[] = [];
  // Eleventy: a file at the top of the input folder tagged as a post is a post.
  if (
    site.generator === 'eleventy' &&
    e.kind === 'page' &&
    list(data.tags, true).some((t) => t === 'post' || t === 'posts')
  )
    e = { ...e, kind: 'note' };

  const stem = stemOf(e.inner);
  const fileSlug = site.generator === 'hugo' ? stem : (datedName(stem)?.rest ?? stem);
  const slug = str(data.slug) ?? fileSlug;
  const title =
    str(data.title) ??
    str(data.name) ??
    (site.generator === 'jekyll' && e.folder === '_posts' && !site.indiekit ? titleize(fileSlug) : null);
  const publishedAt = dateOf(e, data, ctx, text, mtime);

  const expiry =
    site.generator === 'hugo'
      ? (dateField(data, 'expiryDate', ctx, e.rel, text) ??
        dateField(data, 'expirydate', ctx, e.rel, text) ??
        dateField(data, 'unpublishdate', ctx, e.rel, text))
      : undefined;
  if (expiry && expiry.getTime() <= ctx.now.getTime()) return skip('expired on the old site (expiryDate)');

  const status = str(prop(data, 'post-status'));
  const draft =
    e.draft ||
    data.draft === true ||
    data.published === false ||
    status === 'draft' ||
    (site.generator === 'eleventy' && data.permalink === false);
  const vis = str(data.visibility);
  let visibility: Visibility = vis === 'unlisted' || vis === 'private' ? vis : 'public';
  if (visibility === 'public') {
    const build = data.build && typeof data.build === 'object' ? (data.build as Record<string, unknown>) : {};
    const excluded = data.eleventyExcludeFromCollections;
    if (excluded === true || build.list === 'never') visibility = 'unlisted';
  }

  const properties: NonNullable<ImportItem['properties']> = {};
  for (const key of ['in-reply-to', 'like-of', 'repost-of', 'bookmark-of', 'syndication'] as const) {
    const values = urls(prop(data, key));
    if (values.length > 0) properties[key] = values;
  }

  let body = raw;
  if (site.generator === 'jekyll') {
    const basePath = site.baseUrl ? new URL(site.baseUrl).pathname.replace(/\/+$/, '') : '';
    body = body
      .replace(/\{\{\s*site\.url\s*\}\}\s*\{\{\s*site\.baseurl\s*\}\}/g, site.baseUrl ?? '')
      .replace(/\{\{\s*site\.baseurl\s*\}\}/g, basePath)
      .replace(/\{\{\s*site\.url\s*\}\}/g, site.baseUrl ? new URL(site.baseUrl).origin : '');
  }
  const inline = pictures(ctx, e, body);
  body = inline.body;
  const media = [...inline.media, ...photos(ctx, e, data, inline.media)];
  const codes = new Set<string>();
  for (const m of body.matchAll(/\{\{[<%]\s*\/?\s*([\w.-]+)/g)) codes.add(`{{< ${m[1]} >}}`);
  for (const m of body.matchAll(/\{%-?\s*(\w+)/g)) if (!/^end/.test(m[1]!)) codes.add(`{% ${m[1]} %}`);
  if (codes.size > 0)
    warnings.push(`template code StarPunk cannot run was left as text: ${[...codes].sort().join(', ')}`);

  const summary = str(data.summary) ?? str(data.excerpt) ?? str(data.description);
  const oldAddresses = draft ? [] : addressesOf(e, data, ctx, publishedAt, title, warnings);
  const item: ImportItem = {
    sourceId: e.rel,
    kind: e.kind,
    label: e.rel,
    title,
    content: { markdown: body.replace(/\r\n/g, '\n') },
    ...(summary ? { summary } : {}),
    slug,
    publishedAt,
    published: !draft,
    visibility,
    tags: e.kind === 'note' ? tagsOf(e, data, site) : [],
    media,
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
    responses: [],
    oldAddresses,
    ...(e.kind === 'page' && !draft
      ? { menu: { order: Number(data.weight ?? data.nav_order ?? data.order) || 0 } }
      : {}),
    warnings,
  };
  return { type: 'item', item };
}

// --- the generators' layouts ----------------------------------------------------------------

const ROOT_FILES = /^(readme|license|licence|changelog|contributing|code_of_conduct|security)\.[a-z]+$/i;

/** The entries of a Jekyll site: posts, drafts, collections' documents, pages. */
function* jekyllEntries(
  site: SiteConfig,
  files: string[],
): Generator<Entry | { skip: string; reason: string }> {
  const cdir = site.collectionsDir ? `${site.collectionsDir}/` : '';
  for (const rel of files) {
    if (!MARKDOWN.test(rel)) continue;
    const segs = rel.split('/');
    const posts = segs.indexOf('_posts');
    const drafts = segs.indexOf('_drafts');
    const special = posts >= 0 ? posts : drafts;
    if (special >= 0) {
      const above = segs.slice(0, special).filter((s) => !s.startsWith('_'));
      const prefix = site.collectionsDir ? site.collectionsDir.split('/') : [];
      yield {
        rel,
        kind: 'note',
        folder: '_posts',
        inner: segs.slice(special + 1).join('/'),
        pathCategories: above.slice(prefix.length),
        draft: special === drafts,
      };
      continue;
    }
    const inCollections = cdir === '' || rel.startsWith(cdir);
    const first = inCollections ? rel.slice(cdir.length).split('/')[0]! : '';
    if (first.startsWith('_') && rel.slice(cdir.length).includes('/')) {
      const name = first.slice(1);
      const declared = site.collections?.get(name);
      if ((site.indiekit && INDIEKIT_TYPES.has(name)) || declared) {
        if (declared && !declared.output && !site.indiekit) {
          yield { skip: rel, reason: 'a collection Jekyll does not publish (output: false)' };
          continue;
        }
        yield {
          rel,
          kind: 'note',
          folder: first,
          inner: rel.slice(cdir.length + first.length + 1),
          pathCategories: [],
          draft: false,
        };
      }
      continue;
    }
    // Jekyll reads nothing else from folders starting with "_".
    if (segs.some((s) => s.startsWith('_'))) continue;
    const name = segs.at(-1)!;
    if (/^index\./i.test(name) && segs.length === 1) yield { skip: rel, reason: 'the home page' };
    else if (/^404\./.test(name)) yield { skip: rel, reason: 'the error page' };
    else if (segs.length === 1 && ROOT_FILES.test(name))
      yield { skip: rel, reason: 'a file about the repository' };
    else yield { rel, kind: 'page', folder: '', inner: rel, pathCategories: [], draft: false };
  }
}

/** The entries of a Hugo site: content files, bundles with their pictures. */
function* hugoEntries(
  site: SiteConfig,
  files: string[],
): Generator<Entry | { skip: string; reason: string }> {
  const content = site.contentDir ?? 'content';
  const inContent = files.filter((f) => f.startsWith(`${content}/`));
  const bundles = new Set(
    inContent.filter((f) => /(^|\/)index\.(md|markdown)$/i.test(f)).map((f) => posix.dirname(f)),
  );
  for (const rel of inContent) {
    if (!MARKDOWN.test(rel)) continue;
    const inner = rel.slice(content.length + 1);
    const name = posix.basename(inner);
    if (/^_index\./i.test(name)) {
      yield { skip: rel, reason: "a section's list page (_index.md)" };
      continue;
    }
    const dir = posix.dirname(rel);
    const isBundle = /^index\./i.test(name);
    if (isBundle && !inner.includes('/')) {
      yield { skip: rel, reason: 'the home page' };
      continue;
    }
    // A Markdown file inside another page's bundle is one of its resources.
    let up = isBundle ? posix.dirname(dir) : dir;
    let inBundle = false;
    while (up.startsWith(content) && up !== content) {
      if (bundles.has(up)) inBundle = true;
      up = posix.dirname(up);
    }
    if (inBundle) {
      yield { skip: rel, reason: 'a resource of a page bundle' };
      continue;
    }
    const depth = inner.split('/').length - (isBundle ? 1 : 0);
    yield {
      rel,
      kind: depth <= 1 ? 'page' : 'note',
      folder: inner.split('/')[0]!,
      inner,
      pathCategories: [],
      draft: false,
      ...(isBundle ? { bundle: dir } : {}),
    };
  }
}

/** The entries of an Eleventy site: Markdown templates of the input folder. */
function* eleventyEntries(
  site: SiteConfig,
  files: string[],
): Generator<Entry | { skip: string; reason: string }> {
  const input = site.inputDir ? `${site.inputDir}/` : '';
  for (const rel of files) {
    if (!MARKDOWN.test(rel) || !rel.startsWith(input)) continue;
    const inner = rel.slice(input.length);
    const segs = inner.split('/');
    if (segs.some((s) => s.startsWith('_'))) continue;
    const name = segs.at(-1)!;
    if (segs.length === 1 && /^index\./i.test(name)) yield { skip: rel, reason: 'the home page' };
    else if (segs.length === 1 && ROOT_FILES.test(name))
      yield { skip: rel, reason: 'a file about the repository' };
    else
      yield {
        rel,
        kind: segs.length > 1 ? 'note' : 'page',
        folder: segs.length > 1 ? segs[0]! : '',
        inner,
        pathCategories: [],
        draft: false,
      };
  }
}

function openSite(path: string, as: SiteGenerator | 'indiekit', options: ReaderOptions): SourceReader {
  let isDir = false;
  try {
    isDir = lstatSync(path).isDirectory();
  } catch {}
  if (!isDir)
    throw new ImportSourceError(path, undefined, `not a folder: a ${as} site is imported as its folder`);
  const reader: SourceReader = {
    format: MARKDOWN_SITE,
    mediaFolder: path,
    async *events(): AsyncGenerator<ImportEvent> {
      const site = readSite(path, as, options.siteUrl);
      if (site.baseUrl) reader.siteUrl = site.baseUrl;
      for (const w of site.warnings) yield { type: 'warning', message: w };
      if (!site.baseUrl)
        yield {
          type: 'warning',
          message:
            "the old site's address is not known (give it with --site https://…): old addresses are kept as paths from the root of the domain",
        };
      const ctx: Ctx = { site, root: path, now: new Date(), options };
      const linked: string[] = [];
      const files = [...walk(path, '', linked)];
      for (const l of linked)
        yield { type: 'skipped', sourceId: l, label: l, reason: 'a symbolic link (not followed)' };
      const entries =
        site.generator === 'jekyll'
          ? jekyllEntries(site, files)
          : site.generator === 'hugo'
            ? hugoEntries(site, files)
            : eleventyEntries(site, files);
      for (const e of entries) {
        if ('skip' in e) {
          yield { type: 'skipped', sourceId: e.skip, label: e.skip, reason: e.reason };
          continue;
        }
        const ev = itemOf(ctx, e);
        if (ev) yield ev;
      }
    },
  };
  return reader;
}
