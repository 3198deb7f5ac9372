/**
 * Mastodon: the account archive (Preferences → Import and export → Request your archive) read as
 * import items (contract.ts). Mastodon's BackupService writes a zip holding `outbox.json` (an
 * ActivityStreams OrderedCollection of the account's statuses: a `Create` of a `Note` or `Question`
 * for each post, an `Announce` of a status's URI for each boost, oldest first), `actor.json` (the
 * account), `likes.json`, `bookmarks.json` and the pictures under `media_attachments/` (each
 * attachment's `url` in the outbox is that path). The zip is read entry by entry, outbox.json
 * streamed one status at a time; the same archive unpacked into a folder reads the same way.
 *
 * What comes across: posts as notes at their date, the content warning (`summary`) as the note's
 * summary, pictures with their alt text (`name`), hashtags as tags, replies with `in-reply-to` (a
 * reply to one's own post points at its note here), boosts as reposts (`repost-of`), the status's
 * address as `u-syndication` and its addresses (`/users/<name>/statuses/<id>`, `/@<name>/<id>`) as
 * old addresses. Visibility follows Mastodon's audience (`to`/`cc`, as its ActivityPub TagManager
 * writes them) and the person's choice (`--mastodon-visibility`).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { JsonStreamError, jsonArrayElements } from '../../lib/json-array-stream.js';
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
import { type MastodonArchive, openFolderArchive, openZipArchive, ZIP_MAGIC } from './archive.js';

/** Who saw a status on Mastodon. */
export type MastodonAudience = 'public' | 'unlisted' | 'private' | 'direct';

/** What `--mastodon-visibility` may say. */
const VISIBILITY_CHOICES = ['keep', 'public-only', 'all'] as const;
type VisibilityChoice = (typeof VISIBILITY_CHOICES)[number];

/** The files Mastodon's BackupService writes besides the pictures. */
const ARCHIVE_FILES = ['outbox.json', 'actor.json', 'likes.json', 'bookmarks.json'];

/** The addresses Mastodon writes for "everyone" (TagManager#public_collection?). */
const PUBLIC = new Set(['https://www.w3.org/ns/activitystreams#Public', 'as:Public', 'Public']);

/** The largest actor.json read. */
const MAX_ACTOR_BYTES = 1024 * 1024;

/** The Mastodon account archive as an import format. */
export const mastodonFormat: ImportFormat = {
  name: 'mastodon',
  title: 'Mastodon archive',
  detect(_head, path) {
    const first = firstBytes(path, 512);
    if (first.subarray(0, 4).equals(ZIP_MAGIC)) {
      const name = firstZipEntryName(first);
      return name !== undefined && (ARCHIVE_FILES.includes(name) || name.startsWith('media_attachments/'));
    }
    // Before Mastodon 4.2 the archive was a .tar.gz of the same files: claimed, to say what to do.
    return first[0] === 0x1f && first[1] === 0x8b && OLD_ARCHIVE_NAME.test(basename(path));
  },
  detectFolder(path) {
    return ['outbox.json', 'actor.json'].every((f) => {
      try {
        return statSync(join(path, f)).isFile();
      } catch {
        return false;
      }
    });
  },
  choices: [
    {
      name: 'mastodon-visibility',
      values: VISIBILITY_CHOICES,
      default: 'keep',
      help:
        'which Mastodon posts come across: keep (default: public, unlisted and followers-only ' +
        'as public, unlisted and private; direct messages skipped), public-only, or all (direct messages too, as private)',
    },
  ],
  open(path, options) {
    return openArchive(path, options);
  },
};

/** The name Mastodon gave its archives before 4.2 (`archive-20230101120000-<32 hex>.tar.gz`). */
const OLD_ARCHIVE_NAME = /^archive-\d{14}-[0-9a-f]{32}\.tar\.gz$/;

function firstBytes(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    return buf.subarray(0, readSync(fd, buf, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

/** The name in a zip's first local file header. */
function firstZipEntryName(head: Buffer): string | undefined {
  if (head.length < 30) return undefined;
  const length = head.readUInt16LE(26);
  if (30 + length > head.length) return undefined;
  return head.subarray(30, 30 + length).toString('utf8');
}

/**
 * Who saw a status, from its `to` and `cc` as Mastodon's ActivityPub::TagManager writes them:
 * public (to: Public), unlisted (to: followers, cc: Public), followers-only (to: followers) and
 * direct (to: the people mentioned).
 */
export function audienceOf(to: unknown, cc: unknown, followers: string | undefined): MastodonAudience {
  const list = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
  const t = list(to);
  const c = list(cc);
  if (t.some((u) => PUBLIC.has(u))) return 'public';
  if (c.some((u) => PUBLIC.has(u))) return 'unlisted';
  const isFollowers = (u: string) => (followers ? u === followers : /\/followers$/.test(u));
  if (t.some(isFollowers)) return 'private';
  return 'direct';
}

/** The account, from actor.json. */
interface Actor {
  id?: string;
  url?: string;
  followers?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const httpUrl = (v: unknown): string | undefined => {
  const s = str(v);
  if (!s) return undefined;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
};

const AUDIENCE_NAMES: Record<MastodonAudience, string> = {
  public: 'public',
  unlisted: 'unlisted',
  private: 'followers-only',
  direct: 'a direct message',
};

/** Where a status of `audience` goes under `choice`, or why it is skipped. */
function placeOf(audience: MastodonAudience, choice: VisibilityChoice): Visibility | { skip: string } {
  if (audience === 'direct')
    return choice === 'all'
      ? 'private'
      : { skip: 'a direct message (--mastodon-visibility all imports them as private)' };
  if (audience !== 'public' && choice === 'public-only')
    return { skip: `${AUDIENCE_NAMES[audience]} on Mastodon (--mastodon-visibility public-only)` };
  return audience;
}

/** The status id in a status or activity address (`…/statuses/<id>`, `…/statuses/<id>/activity`). */
function statusIdOf(uri: string): string | undefined {
  return /\/statuses\/([^/?#]+)(?:\/activity)?\/?$/.exec(uri)?.[1];
}

/** Mastodon's hashtag links (`<a … class="mention hashtag" rel="tag">#<span>cats</span></a>`) as plain text. */
function unlinkHashtags(html: string): string {
  return html.replace(
    /<a\b[^>]*\bclass="[^"]*\bhashtag\b[^"]*"[^>]*>([\s\S]*?)<\/a>/gi,
    (_m, inner: string) => inner.replace(/<[^>]*>/g, ''),
  );
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Ctx {
  path: string;
  archive: MastodonArchive;
  actor: Actor;
  choice: VisibilityChoice;
}

function openArchive(path: string, options: ReaderOptions): SourceReader {
  const raw = options.choices?.['mastodon-visibility'] ?? 'keep';
  if (!(VISIBILITY_CHOICES as readonly string[]).includes(raw))
    throw new ImportSourceError(
      path,
      undefined,
      `--mastodon-visibility must be one of ${VISIBILITY_CHOICES.join(', ')}`,
    );
  const choice = raw as VisibilityChoice;
  const folder = statSync(path).isDirectory();
  const reader: SourceReader = {
    format: 'mastodon',
    async *events(): AsyncGenerator<ImportEvent> {
      if (!folder && OLD_ARCHIVE_NAME.test(basename(path)))
        throw new ImportSourceError(
          path,
          undefined,
          'an archive from Mastodon before 4.2 (.tar.gz): unpack it (tar xzf) and import the folder it makes',
        );
      let archive: MastodonArchive;
      try {
        archive = folder ? openFolderArchive(path) : await openZipArchive(path);
      } catch (err) {
        throw new ImportSourceError(
          path,
          undefined,
          `not a readable zip archive (${(err as Error).message})`,
          {
            cause: err,
          },
        );
      }
      const outbox = folder ? join(path, 'outbox.json') : `${path} (outbox.json)`;
      try {
        if (!archive.has('outbox.json'))
          throw new ImportSourceError(
            path,
            undefined,
            'no outbox.json in it: is it a Mastodon account archive (Preferences → Import and export → Request your archive)?',
          );
        const actor = await readActor(archive, path);
        if (!actor.id)
          yield {
            type: 'warning',
            message: `${path}: no actor.json; replies to your own posts are not linked to their notes here`,
          };
        reader.siteUrl = actor.url ?? actor.id;
        const ctx: Ctx = { path, archive, actor, choice };
        try {
          for await (const el of jsonArrayElements(await archive.stream('outbox.json'), 'orderedItems')) {
            yield toEvent(el.value, `${basename(outbox)}:${el.place.line}:${el.place.column}`, ctx);
          }
        } catch (err) {
          if (err instanceof JsonStreamError) throw new ImportSourceError(outbox, err.place, err.message);
          if (err instanceof ImportSourceError) throw err;
          throw new ImportSourceError(outbox, undefined, `cannot be read (${(err as Error).message})`, {
            cause: err,
          });
        }
        for (const [file, what] of [
          ['likes.json', 'favourites'],
          ['bookmarks.json', 'bookmarks'],
        ] as const)
          if (archive.has(file))
            yield {
              type: 'warning',
              message: `${file}: your ${what} are not imported (the archive gives no dates for them)`,
            };
      } finally {
        archive.close();
      }
    },
  };
  return reader;
}

async function readActor(archive: MastodonArchive, path: string): Promise<Actor> {
  if (!archive.has('actor.json')) return {};
  let json: unknown;
  try {
    json = JSON.parse((await archive.read('actor.json', MAX_ACTOR_BYTES)).toString('utf8'));
  } catch (err) {
    throw new ImportSourceError(
      `${path} (actor.json)`,
      undefined,
      `not valid JSON (${(err as Error).message})`,
    );
  }
  const a = (json ?? {}) as Record<string, unknown>;
  const actor: Actor = {};
  const id = httpUrl(a.id);
  const url = httpUrl(a.url);
  const followers = httpUrl(a.followers);
  if (id) actor.id = id;
  if (url) actor.url = url;
  if (followers) actor.followers = followers;
  return actor;
}

/** One entry of the outbox as an event. */
function toEvent(value: unknown, place: string, ctx: Ctx): ImportEvent {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return { type: 'skipped', label: place, reason: 'not an activity' };
  const activity = value as Record<string, unknown>;
  const type = str(activity.type);
  if (type === 'Create') return createEvent(activity, place, ctx);
  if (type === 'Announce') return announceEvent(activity, place, ctx);
  return { type: 'skipped', label: place, reason: `a ${type ?? 'typeless'} activity` };
}

/** The account's own status address prefix (`https://host/users/name/statuses/`). */
function ownPrefix(activity: Record<string, unknown>, ctx: Ctx): string | undefined {
  const account = ctx.actor.id ?? httpUrl(activity.actor);
  return account ? `${account}/statuses/` : undefined;
}

/** `url`, when it names one of the account's own statuses: that status's id. */
function ownStatus(url: string, activity: Record<string, unknown>, ctx: Ctx): string | undefined {
  const prefix = ownPrefix(activity, ctx);
  if (!prefix || !url.startsWith(prefix)) return undefined;
  return statusIdOf(url);
}

function dateOf(...values: unknown[]): Date | undefined {
  for (const v of values) {
    const s = str(v);
    if (!s) continue;
    const d = new Date(s);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return undefined;
}

function createEvent(activity: Record<string, unknown>, place: string, ctx: Ctx): ImportEvent {
  const object = activity.object;
  if (!object || typeof object !== 'object' || Array.isArray(object))
    return { type: 'skipped', label: place, reason: 'a post that is not in the archive' };
  const note = object as Record<string, unknown>;
  const id = httpUrl(note.id);
  const url = httpUrl(note.url) ?? id;
  const label = url ?? place;
  const sourceId = (id && statusIdOf(id)) ?? id;
  if (!sourceId) return { type: 'skipped', label, reason: 'a post without an id' };
  const noteType = str(note.type);
  if (noteType !== 'Note' && noteType !== 'Question' && noteType !== 'Article')
    return { type: 'skipped', sourceId, label, reason: `a ${noteType ?? 'typeless'} object` };
  const audience = audienceOf(note.to ?? activity.to, note.cc ?? activity.cc, ctx.actor.followers);
  const visibility = placeOf(audience, ctx.choice);
  if (typeof visibility === 'object') return { type: 'skipped', sourceId, label, reason: visibility.skip };
  const publishedAt = dateOf(note.published, activity.published);
  if (!publishedAt) return { type: 'skipped', sourceId, label, reason: 'a post without a date' };

  const warnings: string[] = [];
  let html = str(note.content) ?? '';
  if (!html && note.contentMap && typeof note.contentMap === 'object')
    html = Object.values(note.contentMap).find((v): v is string => typeof v === 'string') ?? '';
  html = unlinkHashtags(html);
  if (noteType === 'Question') {
    const options = [...asArray(note.oneOf), ...asArray(note.anyOf)]
      .map((o) => str((o as Record<string, unknown> | undefined)?.name))
      .filter((n): n is string => n !== undefined);
    if (options.length > 0) html += `<ul>${options.map((o) => `<li>${escapeHtml(o)}</li>`).join('')}</ul>`;
    warnings.push('a poll: its options are kept as a list, its votes are not');
  }

  const tags: string[] = [];
  for (const t of asArray(note.tag)) {
    const tag = t as Record<string, unknown> | undefined;
    const name = str(tag?.name);
    if (str(tag?.type) === 'Hashtag' && name) {
      const clean = name.replace(/^#/, '');
      if (clean && !tags.includes(clean)) tags.push(clean);
    }
  }

  const media: ImportMedia[] = [];
  const origin = originOf(ctx.actor.id ?? httpUrl(activity.actor) ?? id!);
  for (const a of asArray(note.attachment)) {
    const att = a as Record<string, unknown> | undefined;
    const ref = str(att?.url);
    if (!att || !ref) continue;
    const name = archiveName(ref);
    const mediaType = str(att.mediaType) ?? '';
    if (!name) {
      warnings.push(`an attachment at ${ref.slice(0, 200)} that is not in the archive`);
      continue;
    }
    if (!mediaType.startsWith('image/')) {
      warnings.push(`${name}: ${mediaType || 'a file'} is not imported (StarPunk keeps pictures only)`);
      continue;
    }
    media.push({
      url: new URL(`/system/${name}`, origin).href,
      localPath: name,
      alt: str(att.name)?.trim() ?? '',
      role: 'photo',
      read: (max) => ctx.archive.read(name, max),
    });
  }

  const properties: NonNullable<ImportItem['properties']> = {};
  const sameSource: NonNullable<ImportItem['sameSource']> = [];
  if (url) properties.syndication = [url];
  const inReplyTo = httpUrl(note.inReplyTo);
  if (inReplyTo) {
    properties['in-reply-to'] = [inReplyTo];
    const own = ownStatus(inReplyTo, activity, ctx);
    if (own) sameSource.push({ url: inReplyTo, sourceId: own });
  }
  const summary = str(note.summary)?.trim();
  const item: ImportItem = {
    sourceId,
    kind: 'note',
    label,
    title: noteType === 'Article' ? (str(note.name) ?? null) : null,
    content: { html },
    ...(summary ? { summary } : {}),
    publishedAt,
    published: true,
    visibility,
    tags,
    media,
    properties,
    responses: [],
    ...(sameSource.length > 0 ? { sameSource } : {}),
    oldAddresses: [...new Set([url, id].filter((u): u is string => u !== undefined))],
    warnings,
  };
  return { type: 'item', item };
}

function announceEvent(activity: Record<string, unknown>, place: string, ctx: Ctx): ImportEvent {
  const id = httpUrl(activity.id);
  const label = id ?? place;
  const sourceId = (id && statusIdOf(id)) ?? id;
  if (!sourceId) return { type: 'skipped', label, reason: 'a boost without an id' };
  const object = activity.object;
  const boosted = httpUrl(
    typeof object === 'object' && object !== null ? (object as Record<string, unknown>).id : object,
  );
  if (!boosted) return { type: 'skipped', sourceId, label, reason: 'a boost of nothing' };
  const audience = audienceOf(activity.to, activity.cc, ctx.actor.followers);
  const visibility = placeOf(audience, ctx.choice);
  if (typeof visibility === 'object') return { type: 'skipped', sourceId, label, reason: visibility.skip };
  const publishedAt = dateOf(activity.published);
  if (!publishedAt) return { type: 'skipped', sourceId, label, reason: 'a boost without a date' };
  const own = ownStatus(boosted, activity, ctx);
  // Mastodon shows a boost at /@name/<id> too (and sends a visitor on to the boosted post).
  const short = ctx.actor.url && statusIdOf(id!) ? `${ctx.actor.url}/${statusIdOf(id!)}` : undefined;
  return {
    type: 'item',
    item: {
      sourceId,
      kind: 'note',
      label,
      title: null,
      content: { html: '' },
      publishedAt,
      published: true,
      visibility,
      tags: [],
      media: [],
      properties: { 'repost-of': [boosted], syndication: [id!] },
      responses: [],
      ...(own ? { sameSource: [{ url: boosted, sourceId: own }] } : {}),
      oldAddresses: [...new Set([id!, ...(short ? [short] : [])])],
      warnings: [],
    },
  };
}

function asArray(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  return v === undefined || v === null ? [] : [v];
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'https://mastodon.invalid';
  }
}

/**
 * The name inside the archive of an attachment's `url`: BackupService writes the path of the
 * file's address without `/system/` (`media_attachments/files/…/original/x.jpg`, with a leading
 * slash when the files were on object storage), and stores the file under that path without it.
 */
function archiveName(ref: string): string | undefined {
  let path = ref;
  if (/^https?:\/\//i.test(ref)) {
    try {
      path = new URL(ref).pathname;
    } catch {
      return undefined;
    }
  }
  path = path.replace(/^\/+/, '').replace(/^system\//, '');
  try {
    path = decodeURIComponent(path);
  } catch {
    // kept as written
  }
  return path && !path.split('/').includes('..') ? path : undefined;
}
