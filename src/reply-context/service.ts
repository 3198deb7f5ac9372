import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import { replyContextsStore } from '../db/store/reply-contexts.js';
import type { FetchLike } from '../http/safe-fetch.js';
import type { Logger } from '../logger.js';
import type { Note } from '../notes/types.js';
import { fetchPageFacts } from './fetch.js';
import { responsesOf, responseUrls } from './kinds.js';

/** A page read successfully is read again when a note citing it is saved this much later. */
export const CONTEXT_REFRESH_MS = 7 * 24 * 3600 * 1000;
/** A page that could not be read is tried again when a note citing it is saved this much later. */
export const CONTEXT_RETRY_MS = 3600 * 1000;

/** Everything fetching reply context needs. */
export interface ReplyContextDeps {
  db: Db;
  /** The app's outbound fetch (SSRF-safe outside tests). */
  fetch: FetchLike;
  clock: Clock;
  /** Moves a note's revision, so pages cached for it are rendered again with the context. */
  markChanged: (noteId: number) => void;
  logger?: Logger;
  timeoutMs?: number;
  maxBytes?: number;
}

/**
 * Reply context: when a like, bookmark, repost or reply is saved as published, the pages it
 * responds to are fetched in the background (never while the save waits) and their title and
 * author kept in reply_contexts; the note is then marked changed so its pages show them.
 */
export function createReplyContextService(deps: ReplyContextDeps) {
  const store = replyContextsStore(deps.db);
  // One fetch per URL at a time, whichever notes cite it.
  const inFlight = new Map<string, Promise<void>>();

  function isFresh(url: string): boolean {
    const row = store.findContext(url);
    if (!row) return false;
    const age = deps.clock.now().getTime() - new Date(row.fetched_at).getTime();
    return row.status === 'ok' ? age < CONTEXT_REFRESH_MS : age < CONTEXT_RETRY_MS;
  }

  async function refresh(url: string, noteId: number): Promise<void> {
    const outcome = await fetchPageFacts(url, deps.fetch, {
      timeoutMs: deps.timeoutMs,
      maxBytes: deps.maxBytes,
    });
    const at = deps.clock.now().toISOString();
    if (outcome.ok) {
      store.upsertContext({
        url,
        status: 'ok',
        name: outcome.facts.name,
        author_name: outcome.facts.authorName,
        author_url: outcome.facts.authorUrl,
        error: null,
        fetched_at: at,
      });
      deps.markChanged(noteId);
      return;
    }
    deps.logger?.info({ url, reason: outcome.reason }, 'reply context: could not read the page');
    // What was read before stays: a page that is down for a while keeps its title.
    if (store.findContext(url)?.status === 'ok') return;
    store.upsertContext({
      url,
      status: 'failed',
      name: null,
      author_name: null,
      author_url: null,
      error: outcome.reason.slice(0, 200),
      fetched_at: at,
    });
  }

  return {
    /**
     * Schedules fetching the context of a note that was just saved, after the current request
     * is answered. Drafts and trashed notes are left alone (nothing is fetched before the owner
     * publishes), as are pages read recently and pages a client already described (h-cite).
     */
    schedule(note: Note): void {
      if (!note.published || note.deletedAt) return;
      const described = new Set(
        responsesOf({ properties: note.properties }).flatMap((r) => (r.citation ? [r.url] : [])),
      );
      for (const url of responseUrls(note.properties)) {
        if (described.has(url) || inFlight.has(url)) continue;
        let fresh: boolean;
        try {
          fresh = isFresh(url);
        } catch (err) {
          deps.logger?.warn({ err, url }, 'reply context: could not read the cache');
          continue;
        }
        if (fresh) continue;
        const job = new Promise<void>((resolve) => setImmediate(resolve))
          .then(() => refresh(url, note.id))
          .catch((err: unknown) => {
            deps.logger?.warn({ err, url }, 'reply context: could not store what was read');
          })
          .finally(() => inFlight.delete(url));
        inFlight.set(url, job);
      }
    },

    /** Resolves once every scheduled fetch has finished (for tests and shutdown). */
    async settled(): Promise<void> {
      while (inFlight.size > 0) await Promise.all([...inFlight.values()]);
    },
  };
}

/** The reply context service type. */
export type ReplyContextService = ReturnType<typeof createReplyContextService>;
