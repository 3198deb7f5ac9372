/**
 * Each post's address on the old site, computed as its generator computes it (its documented
 * default permalink rules, or the pattern the site's configuration or the post's front matter
 * gives). Pure functions: the reader gives the facts, these return a path from the site's root.
 */
import { partsIn } from './dates.js';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Day of the year (1–366) of a year/month/day. */
function yearDay(y: number, m: number, d: number): number {
  return Math.round((Date.UTC(y, m - 1, d) - Date.UTC(y, 0, 1)) / 86_400_000) + 1;
}

/** ISO week-numbering year and week of a date. */
function isoWeek(y: number, m: number, d: number): { year: number; week: number; weekday: number } {
  const t = new Date(Date.UTC(y, m - 1, d));
  const weekday = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - weekday);
  const start = Date.UTC(t.getUTCFullYear(), 0, 1);
  return { year: t.getUTCFullYear(), week: Math.ceil(((t.getTime() - start) / 86_400_000 + 1) / 7), weekday };
}

/** Jekyll's `slugify` in its default mode: every run of characters but letters and digits becomes `-`, lower case. */
export function jekyllSlugify(s: string): string {
  return s
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}

/** Jekyll's `slugify` in its "pretty" mode with case kept (what `:title` is). */
function jekyllPretty(s: string): string {
  return s.replace(/[^\p{M}\p{L}\p{Nd}._~!$&'()+,;=@]+/gu, '-').replace(/^-|-$/g, '');
}

/** What a Jekyll document's permalink placeholders are filled from. */
export interface JekyllFacts {
  date: Date;
  zone?: string;
  /** The file's name without date and extension, or the `slug` front matter. */
  slug: string;
  categories: string[];
  collection: string;
  /** The path inside the collection's folder, without extension. */
  path: string;
  /** The file's name without extension. */
  name: string;
}

/** A Jekyll permalink template filled in; undefined when it names a placeholder Jekyll does not have. */
export function jekyllPath(template: string, f: JekyllFacts): string | undefined {
  const p = partsIn(f.date, f.zone);
  const w = isoWeek(p.year, p.month, p.day);
  const weekday = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay();
  const values: Record<string, string> = {
    year: String(p.year),
    short_year: pad(p.year % 100),
    month: pad(p.month),
    i_month: String(p.month),
    short_month: MONTHS[p.month - 1]!.slice(0, 3),
    long_month: MONTHS[p.month - 1]!,
    day: pad(p.day),
    i_day: String(p.day),
    y_day: pad(yearDay(p.year, p.month, p.day), 3),
    w_year: String(w.year),
    week: pad(w.week),
    w_day: String(w.weekday),
    short_day: DAYS[weekday]!.slice(0, 3),
    long_day: DAYS[weekday]!,
    hour: pad(p.hour),
    minute: pad(p.minute),
    second: pad(p.second),
    title: jekyllPretty(f.slug),
    slug: jekyllSlugify(f.slug),
    categories: [...new Set(f.categories.map((c) => c.toLowerCase()))].join('/'),
    slugified_categories: [...new Set(f.categories.map(jekyllSlugify))].join('/'),
    output_ext: '.html',
    collection: f.collection,
    path: f.path,
    name: jekyllSlugify(f.name),
    basename: f.name,
  };
  let unknown = false;
  const filled = template.replace(/:([a-z_]+)/g, (all, key: string) => {
    // Longest placeholder first: `:slugified_categories` before `:slug`.
    const names = Object.keys(values)
      .filter((n) => key.startsWith(n))
      .sort((a, b) => b.length - a.length);
    const name = names[0];
    if (!name) {
      unknown = true;
      return all;
    }
    return values[name]! + key.slice(name.length);
  });
  if (unknown) return undefined;
  return normalPath(filled);
}

/** Hugo's `urlize`: lower case, spaces as hyphens, what a path may not hold left out. */
export function hugoUrlize(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '-')
    .replace(/[^\p{L}\p{N}\-_./]/gu, '')
    .replace(/-{2,}/g, '-');
}

/** What a Hugo page's permalink tokens are filled from. */
export interface HugoFacts {
  date: Date;
  zone?: string;
  title: string | null;
  slug: string | undefined;
  /** The file's name without extension, or the bundle's folder name. */
  filename: string;
  /** The sections it is in, outermost first (`['posts']`). */
  sections: string[];
}

/** A Hugo permalink pattern filled in (configure permalinks); undefined for a token it does not know. */
export function hugoPath(pattern: string, f: HugoFacts): string | undefined {
  const p = partsIn(f.date, f.zone);
  const weekday = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay();
  const slug = f.slug ? hugoUrlize(f.slug) : hugoUrlize(f.title ?? f.filename);
  const values: Record<string, string> = {
    year: String(p.year),
    month: pad(p.month),
    monthname: MONTHS[p.month - 1]!.toLowerCase(),
    day: pad(p.day),
    weekday: String(weekday),
    weekdayname: DAYS[weekday]!.toLowerCase(),
    yearday: String(yearDay(p.year, p.month, p.day)),
    section: f.sections[0] ?? '',
    sections: f.sections.join('/'),
    title: hugoUrlize(f.title ?? f.filename),
    slug,
    slugorfilename: f.slug ? hugoUrlize(f.slug) : f.filename,
    slugorcontentbasename: f.slug ? hugoUrlize(f.slug) : f.filename,
    filename: f.filename,
    contentbasename: f.filename,
  };
  let unknown = false;
  const filled = pattern.replace(/:([a-z]+)(\[[^\]]*\])?/g, (all, key: string, index?: string) => {
    if (key === 'sections' && index) {
      const m = /^\[(last|\d+)(?::(\d+))?\]$/.exec(index);
      if (!m) {
        unknown = true;
        return all;
      }
      if (m[1] === 'last') return f.sections.at(-1) ?? '';
      return f.sections.slice(Number(m[1]), m[2] ? Number(m[2]) : Number(m[1]) + 1).join('/');
    }
    const v = values[key];
    if (v === undefined) {
      unknown = true;
      return all;
    }
    return v;
  });
  if (unknown) return undefined;
  const path = normalPath(filled);
  // Hugo writes a page at a pattern without an extension as a folder (…/index.html).
  return /\.[a-z0-9]+$/i.test(path) || path.endsWith('/') ? path : `${path}/`;
}

/** Indiekit's post URL templates (`{yyyy}/{MM}/{dd}/{slug}`), filled in. */
export function indiekitPath(template: string, date: Date, slug: string, zone?: string): string {
  const p = partsIn(date, zone);
  const values: Record<string, string> = {
    yyyy: String(p.year),
    yy: pad(p.year % 100),
    MM: pad(p.month),
    M: String(p.month),
    dd: pad(p.day),
    d: String(p.day),
    slug,
    n: '',
  };
  return normalPath(template.replace(/\{(\w+)\}/g, (all, k: string) => values[k] ?? all));
}

/** A path from the site's root: one leading slash, no doubled slashes. */
export function normalPath(path: string): string {
  return `/${path}`.replace(/\/{2,}/g, '/');
}

/** The old site's root when its address is not known: paths alone are kept (former addresses are paths). */
export const UNKNOWN_SITE = 'http://old-site.invalid';

/** An absolute address on the old site: `path` (from the site's root) under `base`. */
export function onSite(base: string | undefined, path: string): string {
  const root = base ?? UNKNOWN_SITE;
  const u = new URL(root);
  const prefix = u.pathname.replace(/\/+$/, '');
  return `${u.origin}${prefix}${normalPath(path)}`;
}

/** Indiekit's preset URL templates of its post types, by generator (packages/preset-* /lib/post-types.js). */
export function indiekitTemplate(generator: 'jekyll' | 'hugo' | 'eleventy', folder: string): string {
  const plural = folder.replace(/^_/, '');
  if (generator === 'hugo') return `${plural}/{slug}`;
  if (plural === 'posts' && generator === 'jekyll') return '{yyyy}/{MM}/{dd}/{slug}';
  return `${plural}/{yyyy}/{MM}/{dd}/{slug}`;
}
