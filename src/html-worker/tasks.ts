/**
 * The work the untrusted-HTML worker does: each task reads one document fetched from elsewhere,
 * measures it against the parse budget first (lib/html-budget.ts) and parses it at most once.
 * Everything here is synchronous and runs on a worker thread (untrusted-html/pool.ts), never on
 * the main thread.
 */
import { type HFeedReading, readHFeedPage } from '../import/feed/hfeed.js';
import { type ClientPageFacts, clientFromHtml } from '../indieauth/client.js';
import { type PageFactsReading, readPageFacts } from '../reply-context/fetch.js';
import type { HtmlTasks } from '../untrusted-html/pool.js';
import { type MentionReading, readMention, type SourceFormat } from '../webmention/parse.js';

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
    case 'h-feed':
      return readHFeedPage(task.html, task.url, task.label);
    case 'ping':
      return 'pong';
  }
}
