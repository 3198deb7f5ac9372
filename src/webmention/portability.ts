/**
 * Received Webmentions in and out of StarPunk: exported as mf2 JSON (`webmentions.json`, one h-cite
 * per mention, with the `wm-*` fields Webmention.io made familiar), imported from such a file or
 * from another StarPunk's database. An import trusts nothing it reads: URLs are checked, HTML is
 * sanitised again, and each mention must name a note of the target site.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Db } from '../db/open.js';
import {
  type MentionKind,
  type Moderation,
  type WebmentionRow,
  webmentionsStore,
} from '../db/store/webmentions.js';
import { createJobQueue } from '../jobs/queue.js';
import { toDbTime } from '../lib/db-time.js';
import type { NoteService } from '../notes/service.js';
import { avatarHash } from './avatars.js';
import { jsonList } from './json-list.js';
import { hostKey } from './moderation.js';
import {
  cleanText,
  MAX_CONTENT_HTML,
  MAX_CONTENT_TEXT,
  MAX_NAME,
  normaliseUrl,
  sanitizeContent,
} from './parse.js';
import { AVATAR_JOB } from './receive.js';

/** The file an export writes received mentions to. */
export const WEBMENTIONS_FILE = 'webmentions.json';

// The mf2 property naming what a mention is to its target.
const PROPERTY_OF: Record<MentionKind, string> = {
  reply: 'in-reply-to',
  rsvp: 'in-reply-to',
  like: 'like-of',
  repost: 'repost-of',
  bookmark: 'bookmark-of',
  mention: 'mention-of',
};

/** One exported mention: an mf2 h-cite plus where it came from and its state here. */
export interface ExportedMention {
  type: ['h-cite'];
  properties: Record<string, unknown[]>;
  'wm-source': string;
  'wm-target': string;
  'wm-property': string;
  'wm-received': string;
  'wm-status': Moderation;
  /** A response that came over ActivityPub (025_activitypub.sql): so, and the actor who sent it. */
  'wm-protocol'?: 'activitypub';
  'wm-actor'?: string;
}

/** A stored mention as mf2 JSON; undefined when nothing of its source is stored (refused, or deleted). */
export function mentionToMf2(row: WebmentionRow): ExportedMention | undefined {
  if (!row.kind || row.verified_at === null) return undefined;
  const props: Record<string, unknown[]> = { url: [row.url ?? row.source] };
  const card: Record<string, unknown[]> = {};
  if (row.author_name) card.name = [row.author_name];
  if (row.author_url) card.url = [row.author_url];
  if (row.author_photo) card.photo = [row.author_photo];
  if (Object.keys(card).length > 0) props.author = [{ type: ['h-card'], properties: card }];
  if (row.published_at) props.published = [row.published_at];
  if (row.content_html) props.content = [{ html: row.content_html, value: row.content_text ?? '' }];
  else if (row.content_text) props.content = [row.content_text];
  if (row.rsvp) props.rsvp = [row.rsvp];
  const property = PROPERTY_OF[row.kind];
  const replyTo = jsonList(row.in_reply_to);
  if (replyTo.length > 0) props['in-reply-to'] = replyTo;
  props[property] = [...new Set([row.target, ...(props[property] ?? [])])];
  return {
    type: ['h-cite'],
    properties: props,
    'wm-source': row.source,
    'wm-target': row.target,
    'wm-property': property,
    'wm-received': row.received_at,
    'wm-status': row.moderation,
    ...(row.protocol === 'activitypub' && row.actor_id
      ? { 'wm-protocol': 'activitypub' as const, 'wm-actor': row.actor_id }
      : {}),
  };
}

/** Calls `add` with every stored mention as mf2 JSON, in batches; returns how many. */
export function exportWebmentions(db: Db, add: (item: ExportedMention) => void): number {
  const store = webmentionsStore(db);
  let n = 0;
  for (let rows = store.listBatch(0, 500); rows.length > 0; rows = store.listBatch(rows.at(-1)!.id, 500)) {
    for (const row of rows) {
      const item = mentionToMf2(row);
      if (item) {
        add(item);
        n++;
      }
    }
  }
  return n;
}

/** What importing mentions did. */
export interface WebmentionImportReport {
  imported: number;
  skipped: number;
  failed: number;
  lines: { source: string; outcome: 'imported' | 'skipped' | 'failed'; detail?: string }[];
}

const KIND_OF: Record<string, MentionKind> = {
  'in-reply-to': 'reply',
  'like-of': 'like',
  'repost-of': 'repost',
  'bookmark-of': 'bookmark',
  'mention-of': 'mention',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const first = (props: Record<string, unknown>, name: string): unknown =>
  Array.isArray(props[name]) ? (props[name] as unknown[])[0] : undefined;

/** The row an exported item describes, checked and cleaned; a string saying why not. */
function rowFromItem(item: unknown, notes: NoteService, now: string): WebmentionRow | string {
  if (!item || typeof item !== 'object') return 'not an object';
  const o = item as Record<string, unknown>;
  const source = normaliseUrl(str(o['wm-source']) ?? '');
  const target = normaliseUrl(str(o['wm-target']) ?? '');
  if (!source || !target) return 'wm-source and wm-target must be http(s) URLs';
  const slug = /\/notes?\/([^/?#]+)$/.exec(new URL(target).pathname)?.[1];
  let note: ReturnType<NoteService['getNoteBySlug']>;
  try {
    note = slug ? notes.getNoteBySlug(decodeURIComponent(slug)) : undefined;
  } catch {
    note = undefined;
  }
  if (!note) return `no note of this site is at ${target}`;
  const props = (o.properties && typeof o.properties === 'object' ? o.properties : {}) as Record<
    string,
    unknown
  >;
  const property = str(o['wm-property']) ?? 'mention-of';
  let kind: MentionKind = KIND_OF[property] ?? 'mention';
  const rsvpRaw = str(first(props, 'rsvp'))?.toLowerCase();
  const rsvp = rsvpRaw && ['yes', 'no', 'maybe', 'interested'].includes(rsvpRaw) ? rsvpRaw : null;
  if (kind === 'reply' && rsvp) kind = 'rsvp';
  const author = first(props, 'author') as { properties?: Record<string, unknown> } | undefined;
  const card = author?.properties ?? {};
  const name = str(first(card, 'name'));
  // A photo is a URL, or { value, alt } when it had alt text.
  const photoValue = first(card, 'photo');
  const photo = str(photoValue) ?? str((photoValue as { value?: unknown } | undefined)?.value);
  const content = first(props, 'content');
  let contentHtml: string | null = null;
  let contentText: string | null = null;
  if (content && typeof content === 'object') {
    const c = content as { html?: unknown; value?: unknown };
    const html = typeof c.html === 'string' ? sanitizeContent(c.html, source) : '';
    if (html !== '' && html.length <= MAX_CONTENT_HTML) contentHtml = html;
    contentText = cleanText(str(c.value) ?? '', MAX_CONTENT_TEXT) || null;
  } else if (typeof content === 'string') contentText = cleanText(content, MAX_CONTENT_TEXT) || null;
  const published = str(first(props, 'published'));
  const publishedAt =
    published && !Number.isNaN(Date.parse(published)) ? new Date(published).toISOString() : null;
  const received = str(o['wm-received']);
  const receivedAt = received && !Number.isNaN(Date.parse(received)) ? new Date(received).toISOString() : now;
  const status = str(o['wm-status']);
  const replyTo = (Array.isArray(props['in-reply-to']) ? props['in-reply-to'] : [])
    .map((u) => normaliseUrl(str(u) ?? ''))
    .filter((u): u is string => u !== undefined)
    .slice(0, 20);
  const url = normaliseUrl(str(first(props, 'url')) ?? '');
  // Over ActivityPub: only its actor may later update or delete it (an Update, an Undo, a Delete).
  const actor = o['wm-protocol'] === 'activitypub' ? normaliseUrl(str(o['wm-actor']) ?? '') : undefined;
  return {
    id: 0,
    protocol: actor ? 'activitypub' : 'webmention',
    actor_id: actor ?? null,
    source,
    target,
    source_host: hostKey(new URL(source).hostname),
    note_id: note.id,
    status_token: randomBytes(18).toString('base64url'),
    state: 'verified',
    detail: null,
    requests: 1,
    moderation: status === 'approved' || status === 'rejected' ? status : 'pending',
    kind,
    rsvp: kind === 'rsvp' ? rsvp : null,
    url: url && new URL(url).origin === new URL(source).origin ? url : source,
    author_name: name ? cleanText(name, MAX_NAME) || null : null,
    author_url: normaliseUrl(str(first(card, 'url')) ?? '') ?? null,
    author_photo: normaliseUrl(photo ?? '') ?? null,
    published_at: publishedAt,
    content_html: contentHtml,
    content_text: contentText,
    in_reply_to: JSON.stringify(replyTo),
    verified_at: receivedAt,
    received_at: receivedAt,
    updated_at: now,
  };
}

/**
 * Imports exported mentions into `db`, each under the note its target names (by slug); a pair
 * already here is skipped. Their authors' photos are queued for the server to fetch.
 */
export function importWebmentions(opts: {
  db: Db;
  notes: NoteService;
  items: unknown[];
  now: Date;
}): WebmentionImportReport {
  const store = webmentionsStore(opts.db);
  const jobs = createJobQueue({ db: opts.db, clock: { now: () => opts.now } });
  const report: WebmentionImportReport = { imported: 0, skipped: 0, failed: 0, lines: [] };
  const now = toDbTime(opts.now);
  for (const item of opts.items) {
    const label = str((item as Record<string, unknown> | null)?.['wm-source']) ?? 'a mention';
    const row = rowFromItem(item, opts.notes, now);
    if (typeof row === 'string') {
      report.failed++;
      report.lines.push({ source: label, outcome: 'failed', detail: row });
      continue;
    }
    const { id: _id, ...fields } = row;
    if (!store.insertImported(fields)) {
      report.skipped++;
      report.lines.push({ source: row.source, outcome: 'skipped', detail: 'already here' });
      continue;
    }
    report.imported++;
    report.lines.push({ source: row.source, outcome: 'imported' });
    if (row.author_photo && !store.hasAvatar(avatarHash(row.author_photo))) {
      jobs.enqueue(
        AVATAR_JOB,
        { url: row.author_photo },
        { key: `${AVATAR_JOB}:${avatarHash(row.author_photo)}`, maxAttempts: 3 },
      );
    }
  }
  return report;
}

/** The mentions another StarPunk's database holds, as exported items (none when it has no such table). */
export function webmentionItemsFromDatabase(src: Database.Database): ExportedMention[] {
  const has = src.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'webmentions'").get();
  if (!has) return [];
  const out: ExportedMention[] = [];
  for (const row of src
    .prepare('SELECT * FROM webmentions ORDER BY id')
    .iterate() as Iterable<WebmentionRow>) {
    const item = mentionToMf2(row);
    if (item) out.push(item);
  }
  return out;
}
