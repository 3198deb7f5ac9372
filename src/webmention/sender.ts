/**
 * Sending Webmentions (Webmention §3.1) through the persistent job queue, in two steps:
 *
 * 1. A note write queues a `webmention.plan` job inside the write's own transaction (so a crash
 *    cannot lose it, and a failure here never fails the save).
 * 2. The plan reads the note as it is now and queues one `webmention.send` job per target: every
 *    URL the public note links to, and every target it linked to before but no longer does (or
 *    all of them, once the note is deleted or hidden) so that the receiver can update or remove
 *    its copy (§3.1.4, §3.1.5). Keys `webmention:<note>:<revision>:<target>` make planning the
 *    same revision twice add nothing: one send per target and revision.
 *
 * A send discovers the endpoint anew (§3.1.4 requires it) and posts source and target. At least
 * once: a process that dies mid-send leaves a lease that expires, and the send runs again.
 */
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Db } from '../db/open.js';
import { type SentWebmentionRow, sentWebmentionsStore } from '../db/store/sent-webmentions.js';
import { type Job, type JobKinds, type JobQueue, jobKind } from '../jobs/queue.js';
import { toDbTime } from '../lib/db-time.js';
import { siteUrls } from '../lib/site-urls.js';
import type { Logger } from '../logger.js';
import type { NoteChange, NoteService } from '../notes/service.js';
import type { FetchLike } from '../outbound/safe-fetch.js';
import { discoverEndpoint } from './discovery.js';
import { failureFor } from './failures.js';
import { targetsOf } from './links.js';
import { notifyEndpoint } from './send.js';

/** The job that works out whom a note version must tell. */
export const PLAN_JOB = 'webmention.plan';
/** The job that sends one Webmention. */
export const SEND_JOB = 'webmention.send';

/** Attempts of one send: with the queue's backoff (30 s doubling, ±25 %) about nine hours in all. */
const SEND_ATTEMPTS = 10;

/** Everything the sender needs. */
export interface WebmentionSenderDeps {
  db: Db;
  config: Pick<Config, 'siteUrl'>;
  clock: Clock;
  notes: NoteService;
  jobs: JobQueue;
  fetch: FetchLike;
  logger?: Logger;
  /** Limits of discovery and notification (tests shorten them). */
  timeoutMs?: number;
  maxBytes?: number;
}

/** One target of a note as the admin sees it: the latest result and the state of its job. */
export interface SentWebmention {
  target: string;
  /** False when the note no longer links to the target (it was told so that it drops the mention). */
  linked: boolean;
  revision: number;
  endpoint: string | null;
  status: number | null;
  outcome: SentWebmentionRow['outcome'];
  location: string | null;
  lastError: string | null;
  attemptedAt: Date | null;
  sentAt: Date | null;
  job: { id: number; state: Job['state']; attempts: number; maxAttempts: number; runAt: Date } | undefined;
}

const PlanPayload = z.object({ noteId: z.number().int() });
const SendPayload = z.object({ noteId: z.number().int(), revision: z.number().int(), target: z.string() });
type SendPayload = z.infer<typeof SendPayload>;

/** Builds the sender: the note listener, the two job handlers, and what the admin reads and does. */
export function createWebmentionSender(deps: WebmentionSenderDeps) {
  const { db, clock, notes, jobs } = deps;
  const store = sentWebmentionsStore(db);
  const urls = siteUrls(deps.config);
  const now = () => toDbTime(clock.now());

  /** Queues the plan of a note's current revision: called inside the note write's transaction. */
  function noteChanged(change: NoteChange): void {
    // A purged note's rows go with it; its targets were told when it was moved to the trash.
    if (change.event === 'purged') return;
    jobs.enqueue(PLAN_JOB, { noteId: change.id }, { key: `${PLAN_JOB}:${change.id}:${change.revision}` });
  }

  /** Queues one send per target of the note's current state; returns how many targets it has. */
  function plan(noteId: number): { linked: number; unlinked: number } {
    const note = notes.getNoteById(noteId);
    if (!note) return { linked: 0, unlinked: 0 };
    const live = notes.isPublic(note) ? targetsOf(note, urls.note(note.slug), deps.config.siteUrl) : [];
    const liveSet = new Set(live);
    const unlinked = store
      .listForNote(noteId)
      .filter((r) => r.linked === 1 && !liveSet.has(r.target))
      .map((r) => r.target);
    const at = now();
    db.transaction(() => {
      // A note scheduled for later is planned again when it goes live: no write happens then.
      if (notes.isScheduled(note)) {
        jobs.enqueue(
          PLAN_JOB,
          { noteId },
          {
            key: `${PLAN_JOB}:${noteId}:${note.revision}:at:${note.publishedAt.toISOString()}`,
            runAt: note.publishedAt,
          },
        );
      }
      for (const [target, linked] of [
        ...live.map((t) => [t, true] as const),
        ...unlinked.map((t) => [t, false] as const),
      ]) {
        const job = jobs.enqueue<SendPayload>(
          SEND_JOB,
          { noteId, revision: note.revision, target },
          { key: `webmention:${noteId}:${note.revision}:${target}`, maxAttempts: SEND_ATTEMPTS },
        );
        store.upsertTarget({ noteId, target, linked, revision: note.revision, jobId: job.id, now: at });
      }
    }).immediate();
    return { linked: live.length, unlinked: unlinked.length };
  }

  /** Sends one Webmention: discovery, then the notification; records what happened on the row. */
  async function deliver(job: Job<SendPayload>): Promise<unknown> {
    const { noteId, target } = job.payload;
    const row = store.findOne(noteId, target);
    // A later revision planned its own send for this target (or the note was purged): nothing to do.
    if (!row || row.job_id !== job.id) return { skipped: 'superseded' };
    const note = notes.getNoteById(noteId);
    if (!note) return { skipped: 'note purged' };
    const source = urls.note(note.slug);
    const limits = { fetch: deps.fetch, ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}) };
    let endpoint: string | null = null;
    try {
      const found = await discoverEndpoint(target, {
        ...limits,
        ...(deps.maxBytes ? { maxBytes: deps.maxBytes } : {}),
      });
      if (!found.endpoint) {
        store.recordAttempt(noteId, target, job.id, {
          outcome: 'no_endpoint',
          endpoint: null,
          status: null,
          location: null,
          error: null,
          at: now(),
        });
        return { endpoint: null };
      }
      endpoint = found.endpoint;
      const sent = await notifyEndpoint(found.endpoint, source, target, limits);
      store.recordAttempt(noteId, target, job.id, {
        outcome: 'sent',
        endpoint: sent.endpoint,
        status: sent.status,
        location: sent.location ?? null,
        error: null,
        at: now(),
      });
      return { endpoint: sent.endpoint, status: sent.status, via: found.via };
    } catch (err) {
      const failure = failureFor(err, 'sending');
      store.recordAttempt(noteId, target, job.id, {
        outcome: 'failed',
        endpoint,
        status: failure.status ?? null,
        location: null,
        error: failure.message.slice(0, 500),
        at: now(),
      });
      throw failure;
    }
  }

  const jobKinds: JobKinds = {
    [PLAN_JOB]: jobKind({ payload: PlanPayload, handle: async (job) => plan(job.payload.noteId) }),
    [SEND_JOB]: jobKind({ payload: SendPayload, handle: deliver }),
  };

  return {
    noteChanged,
    jobKinds,
    plan,

    /** Every target of a note with its latest result and its job, in the order first sent. */
    listForNote(noteId: number): SentWebmention[] {
      return store.listForNote(noteId).map((r) => {
        const job = r.job_id === null ? undefined : jobs.get(r.job_id);
        return {
          target: r.target,
          linked: r.linked === 1,
          revision: r.revision,
          endpoint: r.endpoint,
          status: r.status,
          outcome: r.outcome,
          location: r.location,
          lastError: r.last_error,
          attemptedAt: r.attempted_at ? new Date(r.attempted_at) : null,
          sentAt: r.sent_at ? new Date(r.sent_at) : null,
          job: job && {
            id: job.id,
            state: job.state,
            attempts: job.attempts,
            maxAttempts: job.maxAttempts,
            runAt: job.runAt,
          },
        };
      });
    },

    /**
     * Sends again now: one target's current job, or every target's and a fresh plan (which adds
     * links no send has covered yet). A send waiting for its next attempt is made due at once, from
     * its first attempt; one running now is left to finish. Returns how many sends were queued.
     */
    resend(noteId: number, target?: string): number {
      let n = 0;
      db.transaction(() => {
        for (const r of store.listForNote(noteId)) {
          if (r.job_id === null || (target !== undefined && r.target !== target)) continue;
          // The queue retries only settled jobs: a waiting one is settled (cancelled) first.
          if (jobs.get(r.job_id)?.state === 'queued') jobs.cancel(r.job_id);
          if (jobs.retry(r.job_id)) n++;
        }
        if (target === undefined)
          jobs.enqueue(
            PLAN_JOB,
            { noteId },
            { key: `${PLAN_JOB}:${noteId}:resend:${clock.now().getTime()}` },
          );
      }).immediate();
      return n;
    },
  };
}

/** The sender's type. */
export type WebmentionSender = ReturnType<typeof createWebmentionSender>;
