/**
 * The author profile kept in the settings table (`author.name`, `author.photo`, `author.url`,
 * `author.note`, `author.rel_me`): carried over from a Python StarPunk 1.2+ `author_profile` on
 * upgrade, and what the admin's settings will edit. A saved profile wins over SITE_AUTHOR, which is
 * only the first-run default (docs/decisions/0007-python-data-directories.md).
 */
import type { Config } from '../config.js';
import type { Db } from '../db/open.js';
import { settingsStore } from '../db/store/settings.js';

/** The author as pages, feeds and the IndieAuth profile show them. */
export interface AuthorProfile {
  name: string;
  photo: string;
  url: string;
  note: string;
  /** rel="me" links: other profiles of the same person (Mastodon, GitHub, e-mail…). */
  relMe: string[];
}

const isLink = (v: string) => /^(https?:\/\/|mailto:)/i.test(v);

/** The saved author profile, or undefined when none was ever saved. */
export function readAuthorProfile(db: Db): AuthorProfile | undefined {
  const s = settingsStore(db);
  const get = (k: string) => s.findSetting(`author.${k}`)?.trim() ?? '';
  let relMe: string[] = [];
  try {
    const parsed = JSON.parse(s.findSetting('author.rel_me') ?? '[]') as unknown;
    if (Array.isArray(parsed)) relMe = parsed.filter((v): v is string => typeof v === 'string' && isLink(v));
  } catch {
    relMe = [];
  }
  const profile = { name: get('name'), photo: get('photo'), url: get('url'), note: get('note'), relMe };
  if (!profile.name && !profile.photo && !profile.note && relMe.length === 0) return undefined;
  if (profile.photo && !isLink(profile.photo) && !profile.photo.startsWith('/')) profile.photo = '';
  return profile;
}

/** The configuration with the saved author profile applied (name over SITE_AUTHOR). */
export function withAuthorProfile(config: Config, profile: AuthorProfile | undefined): Config {
  if (!profile) return config;
  return Object.freeze({ ...config, siteAuthor: profile.name || config.siteAuthor, author: profile });
}
