/**
 * Received mentions as a note's page shows them: grouped by kind, replies threaded (a reply to a
 * reply that is itself shown here goes under it), every author with a local avatar path.
 */
import type { MentionKind, WebmentionRow } from '../db/store/webmentions.js';
import { parseDbTime } from '../lib/db-time.js';
import { avatarPath } from './avatars.js';
import { jsonList } from './json-list.js';

/** One shown mention. */
export interface ResponseView {
  id: number;
  kind: MentionKind;
  source: string;
  url: string;
  author: { name: string; url: string | null; avatar: string };
  published: Date | null;
  /** Sanitised HTML (parse.ts), or null: then `contentText` is shown, escaped. */
  contentHtml: string | null;
  contentText: string | null;
  rsvp: string | null;
  inReplyTo: string[];
}

/** A reply with the replies to it. */
export interface ReplyNode {
  reply: ResponseView;
  children: ReplyNode[];
}

/** A note's responses by kind. */
export interface GroupedResponses {
  likes: ResponseView[];
  reposts: ResponseView[];
  /** Replies and RSVPs, threaded. */
  replies: ReplyNode[];
  replyCount: number;
  /** Plain mentions and bookmarks. */
  mentions: ResponseView[];
}

// A date a hand edit of the database made unreadable is left out rather than failing the page.
function dateOrNull(value: string | null): Date | null {
  if (!value) return null;
  try {
    return parseDbTime(value);
  } catch {
    return null;
  }
}

/** A stored row as the page shows it. */
export function toResponseView(row: WebmentionRow): ResponseView {
  const fallbackName = (() => {
    try {
      return new URL(row.author_url ?? row.source).host;
    } catch {
      return 'someone';
    }
  })();
  return {
    id: row.id,
    kind: row.kind ?? 'mention',
    source: row.source,
    url: row.url ?? row.source,
    author: {
      name: row.author_name || fallbackName,
      url: row.author_url,
      avatar: avatarPath(row.author_photo),
    },
    published: dateOrNull(row.published_at),
    contentHtml: row.content_html,
    contentText: row.content_text,
    rsvp: row.rsvp,
    inReplyTo: jsonList(row.in_reply_to),
  };
}

/** Threads shown below each other at most this deep; deeper replies join the deepest level. */
export const MAX_THREAD_DEPTH = 4;

/** Groups responses by kind and threads the replies. */
export function groupResponses(all: readonly ResponseView[]): GroupedResponses {
  const likes: ResponseView[] = [];
  const reposts: ResponseView[] = [];
  const mentions: ResponseView[] = [];
  const replies: ResponseView[] = [];
  for (const r of all) {
    if (r.kind === 'like') likes.push(r);
    else if (r.kind === 'repost') reposts.push(r);
    else if (r.kind === 'reply' || r.kind === 'rsvp') replies.push(r);
    else mentions.push(r);
  }
  // A reply's parent: another shown reply whose URL (or source) it replies to.
  const byUrl = new Map<string, ReplyNode>();
  const nodes = replies.map((reply) => ({ reply, children: [] as ReplyNode[] }));
  for (const n of nodes) {
    byUrl.set(n.reply.url, n);
    byUrl.set(n.reply.source, n);
  }
  const parentOf = new Map<ReplyNode, ReplyNode>();
  for (const n of nodes) {
    const parent = n.reply.inReplyTo.map((u) => byUrl.get(u)).find((p) => p !== undefined && p !== n);
    if (parent) parentOf.set(n, parent);
  }
  // Replies that claim to answer each other (a cycle) would hang below nobody: the first of them
  // seen becomes a top-level reply.
  for (const n of nodes) {
    const seen = new Set<ReplyNode>([n]);
    for (let p = parentOf.get(n); p; p = parentOf.get(p)) {
      if (p === n) {
        parentOf.delete(n);
        break;
      }
      // A cycle further up, without this reply: broken when its own member comes.
      if (seen.has(p)) break;
      seen.add(p);
    }
  }
  const depthOf = (n: ReplyNode): number => {
    let d = 0;
    for (let p = parentOf.get(n); p; p = parentOf.get(p)) d++;
    return d;
  };
  const roots: ReplyNode[] = [];
  for (const n of nodes) {
    let parent = parentOf.get(n);
    if (!parent) {
      roots.push(n);
      continue;
    }
    // Deeper than the page nests: under the ancestor at the deepest level shown.
    while (depthOf(parent) >= MAX_THREAD_DEPTH - 1) parent = parentOf.get(parent)!;
    parent.children.push(n);
  }
  return { likes, reposts, replies: roots, replyCount: replies.length, mentions };
}
