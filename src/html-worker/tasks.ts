/**
 * The work the untrusted-HTML worker does: each task reads one document fetched from elsewhere,
 * measures it against the parse budget first (lib/html-budget.ts) and parses it at most once.
 * Everything here is synchronous and runs on a worker thread (untrusted-html/pool.ts), never on
 * the main thread.
 */
import { type HFeedReading, readHFeedPage } from '../import/feed/hfeed.js';
import { type ClientPageFacts, clientFromHtml } from '../indieauth/client.js';
import { measureHtml } from '../lib/html-budget.js';
import { plainText } from '../notes/markdown.js';
import { type PageFactsReading, readPageFacts } from '../reply-context/fetch.js';
import type { HtmlTasks } from '../untrusted-html/pool.js';
import {
  MAX_CONTENT_HTML,
  MAX_CONTENT_TEXT,
  type MentionReading,
  readMention,
  type SourceFormat,
  sanitizeContent,
} from '../webmention/parse.js';

/** Reading a Webmention source (receive-verify.ts). */
export interface MentionTask {
  kind: 'mention';
  body: string;
  format: SourceFormat;
  docUrl: string;
  source: string;
  target: string;
}

/** Reading the title and author of a page a note responds to (reply-context/). */
export interface PageFactsTask {
  kind: 'page-facts';
  html: string;
  url: string;
}

/** Reading an IndieAuth client's HTML page (indieauth/client.ts). */
export interface ClientPageTask {
  kind: 'client-page';
  html: string;
  base: string;
}

/** Reading the HTML of a post from the fediverse (an ActivityPub reply's content, activitypub/). */
export interface RemoteContentTask {
  kind: 'remote-content';
  html: string;
  /** The post's id: relative links resolve against it. */
  base: string;
}

/** A post's content as shown: sanitised HTML and its text, or why it is not read. */
export type RemoteContentReading =
  | { kind: 'read'; html: string | null; text: string | null }
  | { kind: 'refused'; problem: string };

/** Measures (the parse budget), then sanitises, at most MAX_CONTENT_HTML characters of a post. */
function readRemoteContent(task: RemoteContentTask): RemoteContentReading {
  const html = task.html.slice(0, MAX_CONTENT_HTML);
  const { problem } = measureHtml(html);
  if (problem) return { kind: 'refused', problem };
  const clean = sanitizeContent(html, task.base);
  return {
    kind: 'read',
    html: clean || null,
    text: clean ? plainText(clean, true).slice(0, MAX_CONTENT_TEXT) : null,
  };
}

/** Reading a page of an h-feed being imported (import/feed/). */
export interface HFeedTask {
  kind: 'h-feed';
  html: string;
  url: string;
  label: string;
}

// What each kind of task gives, added to the pool's list of kinds.
declare module '../untrusted-html/pool.js' {
  interface HtmlTasks {
    mention: { task: MentionTask; result: MentionReading };
    'page-facts': { task: PageFactsTask; result: PageFactsReading };
    'client-page': { task: ClientPageTask; result: ClientPageFacts };
    'remote-content': { task: RemoteContentTask; result: RemoteContentReading };
    'h-feed': { task: HFeedTask; result: HFeedReading };
  }
}

/** A task for the worker. */
export type HtmlTask = HtmlTasks[keyof HtmlTasks]['task'];

/** Runs one task. */
export function runHtmlTask(task: HtmlTask): HtmlTasks[HtmlTask['kind']]['result'] {
  switch (task.kind) {
    case 'mention':
      return readMention(task);
    case 'page-facts':
      return readPageFacts(task.html, task.url);
    case 'client-page':
      return clientFromHtml(task.html, task.base);
    case 'remote-content':
      return readRemoteContent(task);
    case 'h-feed':
      return readHFeedPage(task.html, task.url, task.label);
    case 'ping':
      return 'pong';
  }
}
