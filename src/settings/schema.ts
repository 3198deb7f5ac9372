/**
 * The site and author settings an owner edits in the admin: their keys in the settings table, the
 * form schema (zod) that validates what the settings page posts, and the defaults taken from the
 * environment variables on first run (docs/decisions/0008-settings.md).
 */
import { z } from 'zod';
import type { Config } from '../config.js';

/** Every setting the admin edits, as the site uses it. */
export interface SiteSettings {
  siteName: string;
  siteDescription: string;
  /** BCP 47 language tag of the site's pages (`<html lang>`). */
  language: string;
  postsPerPage: number;
  footerText: string;
  /** IANA time zone that dates are shown and entered in. '' until the owner saves one (then UTC). */
  timeZone: string;
  /** Hash naming the current site icon files, or '' (no icon). */
  icon: string;
  /** Absolute URL or site path of the default social image, or ''. */
  socialImage: string;
  authorName: string;
  /** Site path or absolute URL of the author's photo (largest size), or ''. */
  authorPhoto: string;
  authorUrl: string;
  authorNote: string;
  relMe: string[];
}

/** The settings table keys of each setting (public ones only: `site.*` and `author.*`). */
export const SETTING_KEYS = {
  siteName: 'site.name',
  siteDescription: 'site.description',
  language: 'site.language',
  postsPerPage: 'site.posts_per_page',
  footerText: 'site.footer',
  timeZone: 'site.time_zone',
  icon: 'site.icon',
  socialImage: 'site.social_image',
  authorName: 'author.name',
  authorPhoto: 'author.photo',
  authorUrl: 'author.url',
  authorNote: 'author.note',
  relMe: 'author.rel_me',
} as const satisfies Record<keyof SiteSettings, string>;

/** Whether `key` is a public setting (exported, imported): under `site.` or `author.`. */
export function isPublicSettingKey(key: string): boolean {
  return /^(site|author)\.[a-z0-9_.]{1,64}$/.test(key);
}

/** The settings a fresh site starts with: the environment variables (first-run defaults). */
export function defaultSettings(config: Config): SiteSettings {
  return {
    siteName: config.siteName,
    siteDescription: config.siteDescription,
    language: 'en',
    postsPerPage: 20,
    footerText: '',
    timeZone: '',
    icon: '',
    socialImage: '',
    authorName: config.siteAuthor,
    authorPhoto: '',
    authorUrl: '',
    authorNote: '',
    relMe: [],
  };
}

/** Whether Intl knows `zone` as an IANA time zone. */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Whether `tag` is a well-formed BCP 47 language tag Intl accepts. */
function isLanguageTag(tag: string): boolean {
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}$/.test(tag)) return false;
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/** A rel-me link: an http(s) URL or a mailto: address. */
function isRelMeLink(v: string): boolean {
  if (/^mailto:[^\s@]+@[^\s@]+$/i.test(v)) return v.length <= 320;
  return isWebUrl(v);
}

function isWebUrl(v: string): boolean {
  if (v.length > 2048) return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * A default social image the site may show: an http(s) address, or a path under /media/ of this
 * site with no "." or ".." segments. The one rule, for the form and for what the table holds.
 */
export function isSocialImageRef(v: string): boolean {
  return isWebUrl(v) || /^\/media\/(?:[\w-][\w.-]*\/)*[\w-][\w.-]*$/.test(v);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

// No control characters anywhere in a setting (they would end up in pages and feeds).
const text = (label: string, max: number) =>
  z
    .string()
    .transform((s) => s.trim())
    .refine((s) => s.length <= max, `${label} is at most ${max} characters.`)
    .refine((s) => !CONTROL.test(s), `${label} has invisible control characters.`);

/** The settings form as posted (text fields; the pictures come as files beside it). */
export const settingsFormSchema = z.object({
  site_name: text('The site name', 120).refine((s) => s !== '', 'Give the site a name.'),
  site_description: text('The description', 500),
  language: text('The language', 35).refine(
    (s) => isLanguageTag(s),
    'The language must be a language tag such as en, en-GB, fr or pt-BR.',
  ),
  posts_per_page: z
    .string()
    .trim()
    .refine((s) => /^\d{1,3}$/.test(s) && Number(s) >= 1 && Number(s) <= 100, {
      message: 'Posts per page must be a whole number from 1 to 100.',
    })
    .transform(Number),
  footer_text: text('The footer text', 500),
  time_zone: text('The time zone', 64).refine(
    (s) => s === '' || isTimeZone(s),
    'The time zone must be a name such as Europe/Paris, America/New_York or UTC.',
  ),
  author_name: text('The author’s name', 120),
  author_url: text('The author’s URL', 2048).refine(
    (s) => s === '' || isWebUrl(s),
    'The author’s URL must start with https:// or http://.',
  ),
  author_note: text('The short bio', 1000),
  rel_me: text('The rel-me links', 20_000)
    .transform((s) =>
      s
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== ''),
    )
    .superRefine((list, ctx) => {
      if (list.length > 50) ctx.addIssue({ code: 'custom', message: 'At most 50 rel-me links.' });
      for (const l of list) {
        if (!isRelMeLink(l)) {
          ctx.addIssue({
            code: 'custom',
            message: `“${l.slice(0, 80)}” is not a link: use https://… for a profile or mailto:you@example.com.`,
          });
        }
      }
    }),
  social_image_url: text('The social image URL', 2048).refine(
    (s) => s === '' || isSocialImageRef(s),
    'The social image must be an https:// URL or a /media/ path of this site.',
  ),
});

/** The text settings a valid form sets. */
export type SettingsForm = z.output<typeof settingsFormSchema>;

/** Validates the posted form: the values, or every problem in words a person reads. */
export function parseSettingsForm(
  body: Record<string, unknown>,
): { ok: true; value: SettingsForm } | { ok: false; errors: string[] } {
  const input: Record<string, string> = {};
  for (const k of Object.keys(settingsFormSchema.shape)) {
    const v = body[k];
    input[k] = typeof v === 'string' ? v : '';
  }
  const r = settingsFormSchema.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, errors: r.error.issues.map((i) => i.message) };
}
