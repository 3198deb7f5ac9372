import { AppError } from '../lib/errors.js';

/** Lowercase ASCII letters, digits and hyphens, starting and ending with a letter or digit. */
export const SLUG_PATTERN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** The longest slug StarPunk accepts or generates (suffixes included). */
export const MAX_SLUG_LENGTH = 200;

// Generated slugs stay short enough to read in a URL; custom slugs may use the full MAX_SLUG_LENGTH.
const MAX_GENERATED_LENGTH = 60;

// A note whose slugs are all taken this many times over points at a bug, not at a busy author.
const MAX_SUFFIX = 10_000;

/**
 * Slugs that would shadow StarPunk's own routes or well-known files: notes and standalone pages
 * (served at /<slug>) may not use them. A test checks this list against the app's route table.
 */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'admin',
  'api',
  'archive',
  'auth',
  'edit',
  'favicon',
  'feed',
  'feeds',
  'follow',
  'health',
  'index',
  'login',
  'logout',
  'media',
  'metrics',
  'micropub',
  'new',
  'note',
  'notes',
  'opml',
  'robots',
  'search',
  'sitemap',
  'static',
  'tag',
  'tags',
  'webmention',
  'well-known',
]);

/** The outcome of checking a slug the author typed. */
export type SlugValidation = { ok: true; slug: string } | { ok: false; reason: string };

/** Checks a slug the author chose (trimmed and lowercased) against the pattern, the length limit and the reserved words. */
export function validateCustomSlug(input: string): SlugValidation {
  const slug = input.trim().toLowerCase();
  if (slug === '') {
    return {
      ok: false,
      reason: 'The slug is empty; write one, or leave it out and one will be made for you.',
    };
  }
  if (slug.length > MAX_SLUG_LENGTH) {
    return {
      ok: false,
      reason: `The slug is ${slug.length} characters long; it may be at most ${MAX_SLUG_LENGTH}.`,
    };
  }
  if (!SLUG_PATTERN.test(slug)) {
    return {
      ok: false,
      reason:
        `“${slug}” is not a valid slug: use only letters a–z, digits 0–9 and hyphens, ` +
        'and start and end with a letter or digit.',
    };
  }
  if (RESERVED_SLUGS.has(slug)) {
    return { ok: false, reason: `“${slug}” is reserved for StarPunk's own pages; choose another slug.` };
  }
  return { ok: true, slug };
}

// Letters that NFKD leaves whole (they are not a base letter plus a mark), with their usual ASCII spelling.
const FOLD: Readonly<Record<string, string>> = {
  ß: 'ss',
  ẞ: 'SS',
  æ: 'ae',
  Æ: 'AE',
  ø: 'o',
  Ø: 'O',
  œ: 'oe',
  Œ: 'OE',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'TH',
  ı: 'i',
};
const FOLD_PATTERN = new RegExp(`[${Object.keys(FOLD).join('')}]`, 'g');

/** Folds text to lowercase ASCII where a Latin spelling exists ("Ærøskøbing" → "aeroskobing"); the rest is left as is. */
function foldToAscii(text: string): string {
  // Marks go first so that a marked special letter (ǿ = ø + acute) is folded too.
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(FOLD_PATTERN, (c) => FOLD[c] ?? c)
    .toLowerCase();
}

/** Joins words with hyphens up to `maxChars`, cutting between words (or inside a single overlong first word). */
function joinWithin(words: readonly string[], maxChars: number): string {
  let out = '';
  for (const word of words) {
    const next = out === '' ? word : `${out}-${word}`;
    if (next.length > maxChars) return out === '' ? word.slice(0, maxChars) : out;
    out = next;
  }
  return out;
}

/** Turns text into a slug of at most `maxWords` words and 60 characters, folding accents to ASCII; '' when nothing is left. */
export function slugify(text: string, maxWords = 8): string {
  const words = foldToAscii(text)
    // "Don't" is one word.
    .replace(/(?<=[a-z0-9])['’ʼ](?=[a-z0-9])/g, '')
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '')
    .slice(0, Math.max(0, maxWords));
  return joinWithin(words, MAX_GENERATED_LENGTH);
}

/** Removes what would make poor slug words from Markdown: URLs, link targets, images, HTML tags and footnote marks. */
function stripMarkdown(markdown: string): string {
  return (
    markdown
      .replace(/```[^\n]*\n[\s\S]*?(```|$)/g, ' ')
      .replace(/<[^>\n]*>/g, ' ')
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\[\^[^\]]*\]/g, ' ')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
      // Reference definitions: "[id]: https://…"
      .replace(/^\s*\[[^\]]+\]:.*$/gm, ' ')
      .replace(/\b(?:https?:\/\/|www\.)\S+/gi, ' ')
      .replace(/[#*_~`>|[\]()!\\]/g, ' ')
  );
}

/** Formats a moment as YYYYMMDDHHMMSS in UTC. */
function timestampSlug(now: Date): string {
  return now
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/\D/g, '');
}

/** How much of a note's content its generated slug is read from. */
const SLUG_SOURCE_CHARS = 2048;

/** Makes a slug for a new note from its title, else its first words, else the UTC time (YYYYMMDDHHMMSS). */
export function generateSlug(opts: { name?: string | null; content?: string; now: Date }): string {
  const fromName = opts.name ? slugify(opts.name) : '';
  // The first words are all a slug takes: only the start of the content is read, which also keeps
  // the Markdown-stripping expressions (some backtrack quadratically on runs of "[", "<", "`") cheap.
  const start = (opts.content ?? '').slice(0, SLUG_SOURCE_CHARS);
  const slug = fromName || slugify(stripMarkdown(start)) || timestampSlug(opts.now);
  return RESERVED_SLUGS.has(slug) ? `${slug}-note` : slug;
}

/** Returns `base` if it is free, else the first free `base-2`, `base-3`, … (shortening base to stay within 200 characters). */
export function nextFreeSlug(base: string, isTaken: (slug: string) => boolean): string {
  if (!isTaken(base)) return base;
  for (let n = 2; n <= MAX_SUFFIX; n++) {
    const suffix = `-${n}`;
    const stem = base.slice(0, MAX_SLUG_LENGTH - suffix.length).replace(/-+$/, '');
    const candidate = `${stem}${suffix}`;
    if (!isTaken(candidate)) return candidate;
  }
  throw new AppError('conflict', `Every slug from “${base}” to “${base}-${MAX_SUFFIX}” is taken.`);
}
