/**
 * The owner's ActivityPub settings (admin → ActivityPub), kept in the settings table under
 * `activitypub.*` (not public settings: export and the settings page leave them alone).
 */
import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import { settingsStore } from '../db/store/settings.js';
import { AppError } from '../lib/errors.js';

/** What the owner chose. */
export interface ActivityPubSettings {
  /** The user part of `@user@domain`. */
  username: string;
  /** Follow requests wait for the owner's approval (Mastodon's "locked" account). */
  approveFollowers: boolean;
  /** Shown in directories and suggestions (Mastodon's `discoverable`). */
  discoverable: boolean;
  /** Public notes may be indexed by search (Mastodon's `indexable`). */
  indexable: boolean;
  /** Followers listed publicly (the count always is). */
  showFollowers: boolean;
  /** Accounts that are also the owner (`alsoKnownAs`): the Mastodon account to move from. */
  alsoKnownAs: string[];
  /** The account this one moved to (`movedTo`), or ''. */
  movedTo: string;
}

const KEYS = {
  username: 'activitypub.username',
  approveFollowers: 'activitypub.approve_followers',
  discoverable: 'activitypub.discoverable',
  indexable: 'activitypub.indexable',
  showFollowers: 'activitypub.show_followers',
  alsoKnownAs: 'activitypub.also_known_as',
  movedTo: 'activitypub.moved_to',
} as const;

/** The handle a new site has, until the owner picks another. */
export const DEFAULT_USERNAME = 'owner';

/** A user name as Mastodon accepts one: letters, digits and underscores (dots and dashes inside). */
export function isValidUsername(name: string): boolean {
  return /^[a-z0-9_](?:[a-z0-9_.-]{0,28}[a-z0-9_])?$/i.test(name);
}

/** Reads and saves the ActivityPub settings. */
export function createActivityPubSettings(deps: { db: Db; clock: Clock }) {
  const store = settingsStore(deps.db);
  const flag = (key: string, fallback: boolean) => {
    const v = store.findSetting(key);
    return v === undefined ? fallback : v === 'true';
  };
  function list(key: string): string[] {
    try {
      const v = JSON.parse(store.findSetting(key) ?? '[]') as unknown;
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }
  function current(): ActivityPubSettings {
    const username = store.findSetting(KEYS.username);
    return {
      username: username && isValidUsername(username) ? username : DEFAULT_USERNAME,
      approveFollowers: flag(KEYS.approveFollowers, false),
      discoverable: flag(KEYS.discoverable, true),
      indexable: flag(KEYS.indexable, true),
      showFollowers: flag(KEYS.showFollowers, false),
      alsoKnownAs: list(KEYS.alsoKnownAs),
      movedTo: store.findSetting(KEYS.movedTo) ?? '',
    };
  }
  return {
    current,
    /** Saves what changed; a bad user name or account address is refused with the reason. */
    save(changes: Partial<ActivityPubSettings>): ActivityPubSettings {
      const entries: [string, string][] = [];
      if (changes.username !== undefined) {
        if (!isValidUsername(changes.username))
          throw new AppError(
            'invalid_request',
            'The user name may use letters, digits and underscores (dots and dashes inside), at most 30.',
          );
        entries.push([KEYS.username, changes.username]);
      }
      for (const k of ['approveFollowers', 'discoverable', 'indexable', 'showFollowers'] as const) {
        if (changes[k] !== undefined) entries.push([KEYS[k], changes[k] ? 'true' : 'false']);
      }
      for (const url of [...(changes.alsoKnownAs ?? []), ...(changes.movedTo ? [changes.movedTo] : [])]) {
        let ok = false;
        try {
          ok = /^https?:$/.test(new URL(url).protocol);
        } catch {
          ok = false;
        }
        if (!ok) throw new AppError('invalid_request', `${url} is not an account address (https://…).`);
      }
      if (changes.alsoKnownAs !== undefined)
        entries.push([KEYS.alsoKnownAs, JSON.stringify(changes.alsoKnownAs.slice(0, 10))]);
      if (changes.movedTo !== undefined) entries.push([KEYS.movedTo, changes.movedTo]);
      if (entries.length > 0) store.upsertSettings(entries, deps.clock.now().toISOString());
      return current();
    },
  };
}

/** The settings service type. */
export type ActivityPubSettingsService = ReturnType<typeof createActivityPubSettings>;
