/**
 * Notes as the fediverse sees them: a StarPunk note becomes an ActivityStreams `Note` (its HTML
 * with absolute links, hashtags, `@user@server` mentions linked, a content warning from its
 * `summary`, photos with alt text and sizes, `inReplyTo`), addressed to the public and the
 * followers (ActivityPub §7; Mastodon's "public" visibility).
 */
import { createHash } from 'node:crypto';
import { Document, Hashtag, Mention, Note, PUBLIC_COLLECTION } from '@fedify/vocab';
import { Temporal as Polyfill } from '@js-temporal/polyfill';
import { absoluteLinks, linkHandles } from '../lib/fediverse-handles.js';
import { tagPath } from '../lib/tags.js';
import { firstUrl, RESPONSE_KINDS } from '../notes/response-kinds.js';
import type { Note as SiteNote } from '../notes/types.js';

/** A person a note mentions, as WebFinger found them. */
export interface MentionedActor {
  acct: string;
  /** Their actor id. */
  id: string;
  /** Their profile page (for the link in the text). */
  url: string;
  /** Their inbox, for delivery. */
  inbox: string;
}

/** What building a note's object needs besides the note. */
export interface NoteObjectParts {
  siteUrl: string;
  objectId: string;
  actorId: URL;
  followersId: URL;
  mentions: readonly MentionedActor[];
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function firstString(values: unknown[] | undefined): string | undefined {
  const v = values?.[0];
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'value' in v && typeof (v as { value: unknown }).value === 'string')
    return (v as { value: string }).value;
  return undefined;
}

/** The URL a note replies to (its first `in-reply-to`), or undefined. */
export function replyTargetOf(note: SiteNote): string | undefined {
  const v = note.properties['in-reply-to']?.[0];
  const url =
    typeof v === 'string'
      ? v
      : v && typeof v === 'object'
        ? firstString((v as { properties?: { url?: unknown[] } }).properties?.url)
        : undefined;
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return /^https?:$/.test(u.protocol) ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** The instant of a date, as Fedify's vocabulary takes it. */
export function instant(date: Date): Temporal.Instant {
  // Fedify's types name the standard Temporal (lib esnext.temporal); at run time it is this polyfill.
  return Polyfill.Instant.fromEpochMilliseconds(date.getTime()) as unknown as Temporal.Instant;
}

/** The note's content as sent: its title (if any) first, links absolute, mentions linked. */
export function noteContent(note: SiteNote, parts: Pick<NoteObjectParts, 'siteUrl' | 'mentions'>): string {
  const profiles = new Map(parts.mentions.map((m) => [m.acct.toLowerCase(), m.url]));
  const title = note.name ? `<p><strong>${escapeHtml(note.name)}</strong></p>` : '';
  // A like, repost or bookmark of a page off the fediverse: the page it cites, as a link (the
  // fediverse has no such post type; a post on the fediverse gets a Like or Announce instead).
  const cited = RESPONSE_KINDS.filter((k) => k.property !== 'in-reply-to')
    .map((k): [string, string | undefined] => [k.label, firstUrl(note.properties[k.property])])
    .filter((c): c is [string, string] => c[1] !== undefined && !note.contentHtml.includes(c[1]))
    .map(([label, url]) => `<p>${label}: <a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>`)
    .join('');
  return linkHandles(absoluteLinks(title + note.contentHtml + cited, parts.siteUrl), profiles);
}

/** The note as an ActivityStreams Note. */
export function toNoteObject(note: SiteNote, parts: NoteObjectParts): Note {
  const abs = (path: string) => new URL(path.replace(/^\//, ''), parts.siteUrl);
  const summary = firstString(note.properties.summary)?.trim();
  const inReplyTo = replyTargetOf(note);
  return new Note({
    id: new URL(parts.objectId),
    attribution: parts.actorId,
    to: PUBLIC_COLLECTION,
    ccs: [parts.followersId, ...parts.mentions.map((m) => new URL(m.id))],
    url: new URL(parts.objectId),
    ...(summary ? { summary, sensitive: true } : { sensitive: false }),
    content: noteContent(note, parts),
    published: instant(note.publishedAt),
    ...(note.updatedAt ? { updated: instant(note.updatedAt) } : {}),
    ...(inReplyTo ? { replyTarget: new URL(inReplyTo) } : {}),
    tags: [
      ...note.tags.map(
        (t) => new Hashtag({ href: abs(tagPath(t.key)), name: `#${t.name.replace(/\s+/g, '')}` }),
      ),
      ...parts.mentions.map((m) => new Mention({ href: new URL(m.id), name: `@${m.acct}` })),
    ],
    attachments: note.photos.map(
      (p) =>
        new Document({
          url: abs(p.url),
          ...(p.type ? { mediaType: p.type } : {}),
          ...(p.alt ? { name: p.alt } : {}),
          ...(p.width ? { width: p.width } : {}),
          ...(p.height ? { height: p.height } : {}),
        }),
    ),
  });
}

/** A fingerprint of what was sent (JSON-LD): the same object sends no Update. */
export function fingerprint(json: unknown): string {
  const { updated: _updated, ...rest } = json as Record<string, unknown>;
  return createHash('sha256').update(JSON.stringify(rest)).digest('base64url');
}
