/**
 * Reply context: when a like, bookmark, repost or reply is saved as published, the pages it
 * responds to are read in the background and their title and author kept in reply_contexts; the
 * note is then marked changed so its pages show them.
 *
 * The note write queues one `reply-context.fetch` job per page inside its own transaction (so a
 * crash or a restart loses none, and the save never waits for another site); the job reads the
 * page through the app's SSRF-safe fetch and is retried with the queue's backoff while the page
 * cannot be read for a reason that may pass (src/outbound/policy.ts).
 */
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import { replyContextsStore } from '../db/store/reply-contexts.js';
import { type Job, JobError, type JobKinds, type JobQueue, type JobRunner, jobKind } from '../jobs/queue.js';
import type { Logger } from '../logger.js';
import { responsesOf, responseUrls } from '../notes/response-kinds.js';
import type { NoteChange, NoteService } from '../notes/service.js';
import type { FetchLike } from '../outbound/safe-fetch.js';
import { fetchPageFacts } from './fetch.js';

/** The job that reads one page a note responds to. */
export const FETCH_JOB = 'reply-context.fetch';

/** Attempts of one read: with the queue's backoff (30 s doubling, ±25 %) about eight minutes in all. */
const FETCH_ATTEMPTS = 5;

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
  /** The notes (read to see what they respond to; marked changed once a context is known). */
  notes: Pick<NoteService, 'getNoteById' | 'markChanged'>;
  jobs: JobQueue;
  /** Runs the queued reads on demand (`settled`). */
  runner: Pick<JobRunner, 'drain'>;
  logger?: Logger;
  timeoutMs?: number;
  maxBytes?: number;
}

const FetchPayload = z.object({ url: z.string(), noteId: z.number().int() });
type FetchPayload = z.infer<typeof FetchPayload>;

/** The reply context service: the note listener, the fetch job, and `settled` for tests. */
export function createReplyContextService(deps: ReplyContextDeps) {
  const store = replyContextsStore(deps.db);

  function ageOf(fetchedAt: string): number {
    return deps.clock.now().getTime() - new Date(fetchedAt).getTime();
  }

  function isFresh(url: string): boolean {
    const row = store.findContext(url);
    if (!row) return false;
    return ageOf(row.fetched_at) < (row.status === 'ok' ? CONTEXT_REFRESH_MS : CONTEXT_RETRY_MS);
  }

  /**
   * Inside the note write's transaction: queues a read of each page a published note responds to.
   * Drafts and trashed notes are left alone (nothing is fetched before the owner publishes), as
   * are pages read recently and pages a client already described (h-cite).
   */
  function noteChanged(change: NoteChange): void {
    if (change.event !== 'created' && change.event !== 'updated') return;
    const note = deps.notes.getNoteById(change.id);
    if (!note?.published || note.deletedAt) return;
    const described = new Set(
      responsesOf({ properties: note.properties }).flatMap((r) => (r.citation ? [r.url] : [])),
    );
    for (const url of responseUrls(note.properties)) {
      if (described.has(url) || isFresh(url)) continue;
      deps.jobs.enqueue<FetchPayload>(
        FETCH_JOB,
        { url, noteId: note.id },
        { key: `${FETCH_JOB}:${note.id}:${change.revision}:${url}`, maxAttempts: FETCH_ATTEMPTS },
      );
    }
  }

  /** Reads one page and keeps what it says about itself; throws (retryable) while trying again may help. */
  async function read(job: Job<FetchPayload>, signal: AbortSignal): Promise<unknown> {
    const { url, noteId } = job.payload;
    const known = store.findContext(url);
    // Another note's read of the same page came first: this note's pages only need rendering again.
    if (known?.status === 'ok' && ageOf(known.fetched_at) < CONTEXT_REFRESH_MS) {
      deps.notes.markChanged(noteId);
      return { url, skipped: 'read already' };
    }
    const outcome = await fetchPageFacts(url, deps.fetch, {
      timeoutMs: deps.timeoutMs,
      maxBytes: deps.maxBytes,
      signal,
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
      deps.notes.markChanged(noteId);
      return { url, name: outcome.facts.name };
    }
    deps.logger?.info({ url, reason: outcome.reason }, 'reply context: could not read the page');
    // What was read before stays: a page that is down for a while keeps its title.
    if (store.findContext(url)?.status !== 'ok')
      store.upsertContext({
        url,
        status: 'failed',
        name: null,
        author_name: null,
        author_url: null,
        error: outcome.reason.slice(0, 200),
        fetched_at: at,
      });
    if (outcome.retryable && job.attempts < job.maxAttempts)
      throw new JobError(
        `${url} could not be read: ${outcome.reason}`,
        outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs },
      );
    return { url, failed: outcome.reason };
  }

  const jobKinds: JobKinds = { [FETCH_JOB]: jobKind({ payload: FetchPayload, handle: read }) };

  return {
    noteChanged,
    jobKinds,
    /** Runs every read that is due now, until none is left (tests and the CLI; `serve`'s runner does it itself). */
    async settled(): Promise<void> {
      await deps.runner.drain([FETCH_JOB]);
    },
  };
}

/** The reply context service type. */
export type ReplyContextService = ReturnType<typeof createReplyContextService>;
