/**
 * The settings service: the saved site and author settings over the first-run defaults, re-read
 * when the database changed (here, in another server process, or by a CLI command on the same
 * database) and checked once, here. Pages never read it directly: the site context
 * (src/site/context.ts) turns the settings into what pages show, under its one version.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { changeToken } from '../db/change-token.js';
import type { Db } from '../db/open.js';
import { settingsStore } from '../db/store/settings.js';
import { defaultSettings, isSocialImageRef, isTimeZone, SETTING_KEYS, type SiteSettings } from './schema.js';

/** The settings in force: the same object while they stay the same. */
export interface CurrentSettings {
  settings: SiteSettings;
}

/** Reads and saves the site and author settings. */
export interface SettingsService {
  /** The settings in force now: cheap (no table read unless the database changed). */
  current(): CurrentSettings;
  /** Saves settings (only the given ones). */
  save(changes: Partial<SiteSettings>): CurrentSettings;
}

const isLink = (v: string) => /^(https?:\/\/|mailto:)/i.test(v);

/** The settings saved in the database over the first-run defaults from the environment. */
export function readSettings(db: Db, config: Config): SiteSettings {
  const s = defaultSettings(config);
  const saved = new Map(
    settingsStore(db)
      .listPublicSettings()
      .map((r) => [r.key, r.value]),
  );
  const str = (k: string) => saved.get(k);
  const take = (field: 'siteName' | 'siteDescription' | 'footerText' | 'authorUrl' | 'authorNote') => {
    const v = str(SETTING_KEYS[field]);
    if (v !== undefined) s[field] = v.trim();
  };
  take('siteDescription');
  take('footerText');
  take('authorUrl');
  take('authorNote');
  // A name is never empty: an empty saved value leaves the variable's (the first-run default).
  const name = str(SETTING_KEYS.siteName)?.trim();
  if (name) s.siteName = name;
  const author = str(SETTING_KEYS.authorName)?.trim();
  if (author) s.authorName = author;
  const lang = str(SETTING_KEYS.language)?.trim();
  if (lang && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}$/.test(lang)) s.language = lang;
  const per = Number(str(SETTING_KEYS.postsPerPage));
  if (Number.isInteger(per) && per >= 1 && per <= 100) s.postsPerPage = per;
  const zone = str(SETTING_KEYS.timeZone)?.trim();
  if (zone && isTimeZone(zone)) s.timeZone = zone;
  const icon = str(SETTING_KEYS.icon)?.trim();
  if (icon && /^[a-f0-9]{8,64}$/.test(icon)) s.icon = icon;
  const social = str(SETTING_KEYS.socialImage)?.trim();
  // The rule the settings form applies: a value stored any other way (an import, a hand edit)
  // that the form would refuse is not used.
  if (social && isSocialImageRef(social)) s.socialImage = social;
  const photo = str(SETTING_KEYS.authorPhoto)?.trim();
  if (photo && (/^https?:\/\//i.test(photo) || photo.startsWith('/'))) s.authorPhoto = photo;
  try {
    const parsed = JSON.parse(str(SETTING_KEYS.relMe) ?? '[]') as unknown;
    if (Array.isArray(parsed)) {
      s.relMe = parsed
        .filter((v): v is string => typeof v === 'string' && isLink(v.trim()))
        .map((v) => v.trim());
    }
  } catch {
    s.relMe = [];
  }
  return s;
}

/** How each setting is written to the settings table. */
function encode(field: keyof SiteSettings, value: SiteSettings[keyof SiteSettings]): string {
  if (field === 'relMe') return JSON.stringify(value);
  return String(value);
}

/** Builds the settings service over the settings table; `config` holds the first-run defaults. */
export function createSettingsService(deps: { db: Db; config: Config; clock: Clock }): SettingsService {
  const { db, config, clock } = deps;
  const store = settingsStore(db);
  const changed = changeToken(db);
  let token = '';
  let fingerprint = '';
  let now: CurrentSettings | undefined;

  function current(): CurrentSettings {
    const t = changed();
    if (now && t === token) return now;
    // The database changed (any write, here or elsewhere): the settings are read again, and are
    // a new object only if they differ, so note writes leave the page caches alone.
    const settings = readSettings(db, config);
    const print = JSON.stringify(settings);
    token = t;
    if (now && print === fingerprint) return now;
    fingerprint = print;
    now = { settings };
    return now;
  }

  function save(changes: Partial<SiteSettings>): CurrentSettings {
    const entries: [string, string][] = [];
    for (const [field, value] of Object.entries(changes) as [
      keyof SiteSettings,
      SiteSettings[keyof SiteSettings],
    ][]) {
      if (value === undefined) continue;
      entries.push([SETTING_KEYS[field], encode(field, value)]);
    }
    if (entries.length > 0) store.upsertSettings(entries, clock.now().toISOString());
    return current();
  }

  return { current, save };
}
