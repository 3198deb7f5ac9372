/**
 * The site context: the one producer of what every page knows about the site — the saved settings
 * over the first-run defaults, the menu of the owner's pages, the absolute default social image,
 * the icon, the time zone and language, the site's URLs — under one version that moves when any of
 * it changes (docs/decisions/0014-site-context.md). Public pages, feeds, error pages, the sign-in
 * and IndieAuth pages, the admin frame, standalone pages and `starpunk export` all read it here;
 * nothing else builds a `PageSite` or a `FeedSite`.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import { changeToken } from '../db/change-token.js';
import type { Db } from '../db/open.js';
import type { FeedSite } from '../feeds/index.js';
import { discoveryLinks, type SiteUrls, siteUrls } from '../lib/site-urls.js';
import type { MenuEntry, PageService } from '../pages/service.js';
import { defaultSettings, type SiteSettings } from '../settings/schema.js';
import type { SettingsService } from '../settings/service.js';
import type { PageSite } from '../views/layout.js';
import { feedSiteFrom } from './feed-item.js';

/** Everything pages know about the site, for one version. Frozen; a new object per version. */
export interface SiteFacts {
  /**
   * Moves whenever anything here changes (a saved setting, the menu), and only then: a digest of
   * the facts, so two processes on one database, or one before and after a restart, give the same
   * facts the same version. Part of every cache key and validator of rendered pages (ADR 0005).
   */
  version: string;
  /** The settings in force (saved values over the environment's first-run defaults). */
  settings: SiteSettings;
  /** The configuration with the settings applied (site name, description, author). */
  config: Config;
  /** What every HTML page renders; layout frames are cached per object, so per version. */
  page: PageSite;
  /** What every feed (and the export's feed.json) says of the site. */
  feed: FeedSite;
  /** The IANA time zone dates are shown and entered in ('UTC' when none was saved). */
  timeZone: string;
  /** The BCP 47 language of pages and feeds. */
  language: string;
  /** Absolute URLs of the site's pages and endpoints (SITE_URL). */
  urls: SiteUrls;
}

/** The source of the site facts in force. */
export interface SiteContext {
  /** The facts in force now: cheap (nothing is read unless the database changed). */
  current(): SiteFacts;
  /**
   * The facts in force, or the last known ones when the database cannot be read: for error
   * pages, whose error may be that very failure. Never throws.
   */
  currentOrLast(): SiteFacts;
  /** Reads every part again at the next `current()`: for a part wired after the context was built. */
  refresh(): void;
}

/** The configuration with the settings applied: what services that take a Config see of the site. */
function applySettings(config: Config, s: SiteSettings): Config {
  return Object.freeze({
    ...config,
    siteName: s.siteName,
    siteDescription: s.siteDescription,
    siteAuthor: s.authorName,
    author: {
      name: s.authorName,
      photo: s.authorPhoto,
      url: s.authorUrl,
      note: s.authorNote,
      relMe: s.relMe,
    },
  });
}

/** The facts for these settings and this menu; `settings` were validated by the settings service. */
function factsOf(
  config: Config,
  urls: SiteUrls,
  settings: SiteSettings,
  menu: readonly MenuEntry[],
  fediverseHandle?: string,
): SiteFacts {
  const effective = applySettings(config, settings);
  const timeZone = settings.timeZone || 'UTC';
  const language = settings.language || 'en';
  // Link previews need an absolute image URL, whether an address or a /media/ path was saved.
  let socialImage = '';
  try {
    socialImage = settings.socialImage ? urls.abs(settings.socialImage) : '';
  } catch {
    socialImage = '';
  }
  const page: PageSite = {
    name: settings.siteName,
    url: config.siteUrl,
    author: settings.authorName,
    description: settings.siteDescription,
    authorPhoto: settings.authorPhoto,
    authorNote: settings.authorNote,
    relMe: settings.relMe,
    authorUrl: settings.authorUrl,
    language,
    footerText: settings.footerText,
    timeZone,
    icon: settings.icon,
    links: discoveryLinks(urls, config.adminMe),
    menu: menu.map((m) => ({ ...m })),
    socialImage,
    ...(fediverseHandle ? { fediverseHandle } : {}),
  };
  const feed: FeedSite = feedSiteFrom(effective, language);
  const version = createHash('sha1')
    .update(JSON.stringify([config.siteUrl, config.adminMe, page, feed, settings]))
    .digest('base64url')
    .slice(0, 16);
  return Object.freeze({ version, settings, config: effective, page, feed, timeZone, language, urls });
}

/**
 * Builds the site context over the settings service and the pages' menu. `config` is the start-up
 * configuration (SITE_URL and the first-run defaults); `db` tells when anything may have changed.
 */
export function createSiteContext(deps: {
  db: Db;
  config: Config;
  settings: Pick<SettingsService, 'current'>;
  pages: Pick<PageService, 'menu'>;
  /** The site's fediverse address while ActivityPub runs (read again whenever the database changed). */
  fediverseHandle?: () => string | undefined;
}): SiteContext {
  const { config } = deps;
  const urls = siteUrls(config);
  const changed = changeToken(deps.db);
  let token = '';
  let now: SiteFacts | undefined;
  let from: { settings: SiteSettings; menu: readonly MenuEntry[]; handle: string | undefined } | undefined;

  function current(): SiteFacts {
    const t = changed();
    if (now && t === token) return now;
    // The database changed (any write, here or elsewhere): each part is asked again, and keeps
    // its object while its content is the same, so note writes leave the version alone.
    const settings = deps.settings.current().settings;
    const menu = deps.pages.menu();
    const handle = deps.fediverseHandle?.();
    token = t;
    if (now && from?.settings === settings && from.menu === menu && from.handle === handle) return now;
    const next = factsOf(config, urls, settings, menu, handle);
    from = { settings, menu, handle };
    // Same facts, same object (a value saved again): caches keyed on its identity stay warm.
    if (now?.version !== next.version) now = next;
    return now;
  }

  function currentOrLast(): SiteFacts {
    try {
      return current();
    } catch {
      now ??= factsOf(config, urls, defaultSettings(config), []);
      return now;
    }
  }

  return {
    current,
    currentOrLast,
    refresh() {
      token = '';
    },
  };
}
