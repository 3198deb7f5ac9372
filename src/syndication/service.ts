/**
 * Syndication (POSSE): copies of notes on other services, through the persistent job queue.
 *
 * - A note write that asks for copies (`NoteInput.commands.syndicateTo`: the editor's ticked
 *   accounts, Micropub's mp-syndicate-to) queues one `syndicate.post` job per account inside the
 *   write's transaction, key `syndicate:<note>:<account>`: asking twice (a Micropub retry, a second
 *   save) adds nothing.
 * - A post job hands the adapter a remote idempotency key, `syndicate:<installation>:<note>:<account>`
 *   (Mastodon's Idempotency-Key, the seed of Bluesky's record key), so a process killed after the
 *   remote accepted the post and before the result was recorded posts nothing new when the job
 *   runs again (at least once, one copy). The installation id (migration 021) keeps it apart from
 *   another site's copy of its own note 1 on the same account (ADR 0013).
 * - Note edits queue `syndicate.update` jobs and deletes `syndicate.remove` jobs for live copies.
 * - Failures are retried by the queue (backoff, jitter, Retry-After); the copy row keeps the last
 *   remote error for the admin, whose "retry" queues the copy's job again.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Db } from '../db/open.js';
import { installationId } from '../db/store/installation.js';
import {
  type SyndicationAccountRow,
  type SyndicationCopyRow,
  syndicationStore,
} from '../db/store/syndication.js';
import { type Job, JobError, type JobKind, type JobKinds, type JobQueue, jobKind } from '../jobs/queue.js';
import { toDbTime } from '../lib/db-time.js';
import { AppError } from '../lib/errors.js';
import { mediaTypeOf } from '../lib/media-types.js';
import { createSecretBox } from '../lib/secret-box.js';
import { siteUrls } from '../lib/site-urls.js';
import type { Logger } from '../logger.js';
import { mediaPathOfUrl } from '../media/service.js';
import type { NoteChange, NoteService } from '../notes/service.js';
import type { Note } from '../notes/types.js';
import { retryAdvice } from '../outbound/policy.js';
import type { FetchLike } from '../outbound/safe-fetch.js';
import { noteText } from './text.js';
import type { SyndicationAccount, SyndicationAdapter, SyndicationPost, SyndicationResult } from './types.js';

/** Job kinds. */
export const POST_JOB = 'syndicate.post';
export const UPDATE_JOB = 'syndicate.update';
export const REMOVE_JOB = 'syndicate.remove';
/** The owner's "Update the copy" where copies cannot be edited (Bluesky): delete and post again. */
export const REPLACE_JOB = 'syndicate.replace';

/** Attempts per copy: with the queue's backoff (30 s doubling, ±25 %) about nine hours in all. */
const ATTEMPTS = 10;
/** A photo larger than this is not sent (services refuse far smaller ones). */
const MAX_PHOTO_BYTES = 16 * 1024 * 1024;

const SERVICE_NAMES: Record<SyndicationAccount['service'], string> = {
  mastodon: 'Mastodon',
  bluesky: 'Bluesky',
};

/** Everything syndication needs. */
export interface SyndicationDeps {
  db: Db;
  config: Pick<Config, 'siteUrl' | 'mediaPath'>;
  clock: Clock;
  notes: NoteService;
  jobs: JobQueue;
  fetch: FetchLike;
  /** The site's sealing key (DATA_PATH/keys/sealing.key): seals tokens at rest. */
  sealingKey: Buffer;
  logger?: Logger;
  adapters?: SyndicationAdapter[];
}

/** A copy as the admin and the editor see it. */
export interface SyndicationCopy {
  id: number;
  noteId: number;
  account: SyndicationAccount | undefined;
  service: string;
  state: SyndicationCopyRow['state'];
  url: string | null;
  lastError: string | null;
  postedAt: Date | null;
  /**
   * The note was edited after this copy was posted, and the service cannot edit it (Bluesky): the
   * copy keeps its first text until the owner replaces it.
   */
  outdated: boolean;
  /** The owner may replace it with the note as it is now (delete and post again). */
  replaceable: boolean;
  job:
    | { id: number; kind: string; state: Job['state']; attempts: number; maxAttempts: number; runAt: Date }
    | undefined;
}

const CopyPayload = z.object({ noteId: z.number().int(), accountId: z.number().int() });
type CopyPayload = z.infer<typeof CopyPayload>;

function presentAccount(row: SyndicationAccountRow): SyndicationAccount {
  return {
    id: row.id,
    service: row.service,
    uid: row.uid,
    name: row.name,
    user: { name: row.user_name, url: row.user_url, ...(row.user_photo ? { photo: row.user_photo } : {}) },
    defaultOn: row.default_on === 1,
  };
}

function firstUrl(values: unknown[] | undefined): string | undefined {
  for (const v of values ?? []) {
    if (typeof v === 'string' && /^https?:\/\//i.test(v)) return v;
    const url = (v as { properties?: { url?: unknown[] } } | null)?.properties?.url?.[0];
    if (typeof url === 'string' && /^https?:\/\//i.test(url)) return url;
  }
  return undefined;
}

/** Builds the syndication service: accounts, copies, the note listener and the job kinds. */
export function createSyndication(deps: SyndicationDeps) {
  const { db, clock, notes, jobs } = deps;
  const store = syndicationStore(db);
  const box = createSecretBox(deps.sealingKey);
  const urls = siteUrls(deps.config);
  const adapters = new Map<string, SyndicationAdapter>();
  for (const a of deps.adapters ?? []) adapters.set(a.service, a);
  const now = () => toDbTime(clock.now());
  let installation: string | undefined;
  /** The key a copy is known by remotely: unique to this installation, stable across retries. */
  function remoteKey(noteId: number, accountId: number): string {
    installation ??= installationId(db);
    return `syndicate:${installation}:${noteId}:${accountId}`;
  }

  /** Reads a photo: this site's own media from disk, anything else through the safe fetch. */
  async function photoBytes(url: string): Promise<Buffer> {
    const path = mediaPathOfUrl(url, deps.config.siteUrl);
    if (path !== undefined) return readFile(join(deps.config.mediaPath, path));
    const res = await deps.fetch(new URL(url, deps.config.siteUrl).toString());
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new JobError(`photo ${url} answered ${res.status}`, retryAdvice(res, clock.now()));
    }
    const chunks: Buffer[] = [];
    const reader = res.body?.getReader();
    let total = 0;
    for (;;) {
      if (!reader) break;
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > MAX_PHOTO_BYTES) {
        await reader.cancel().catch(() => {});
        throw new JobError(`photo ${url} is larger than ${MAX_PHOTO_BYTES} bytes`, { retryable: false });
      }
      chunks.push(Buffer.from(value));
    }
    return Buffer.concat(chunks);
  }

  /** What an adapter is told about a note. */
  function postOf(note: Note): SyndicationPost {
    const p = note.properties;
    const replyTo = firstUrl(p['in-reply-to']);
    const likeOf = firstUrl(p['like-of']);
    const repostOf = firstUrl(p['repost-of']);
    return {
      noteId: note.id,
      url: urls.note(note.slug),
      text: noteText(note.contentHtml),
      name: note.name,
      photos: note.photos.map((ph) => ({
        url: urls.abs(ph.url),
        alt: ph.alt,
        type: ph.type ?? mediaTypeOf(new URL(ph.url, deps.config.siteUrl).pathname) ?? 'image/jpeg',
        bytes: () => photoBytes(ph.url),
      })),
      ...(replyTo ? { replyTo } : {}),
      ...(likeOf ? { likeOf } : {}),
      ...(repostOf ? { repostOf } : {}),
    };
  }

  function contextOf(job: Job<CopyPayload>) {
    const { noteId, accountId } = job.payload;
    const row = store.findAccount(accountId);
    if (!row) throw new JobError('The account was disconnected.', { retryable: false });
    const adapter = adapters.get(row.service);
    if (!adapter) throw new JobError(`No adapter for ${row.service}.`, { retryable: false });
    let secrets: Record<string, string>;
    try {
      secrets = box.open(row.secrets);
    } catch {
      throw new JobError(
        'The stored token cannot be read with this site’s sealing key (DATA_PATH/keys/sealing.key); connect the account again.',
        {
          retryable: false,
        },
      );
    }
    const copy = store.findCopy(noteId, accountId);
    return { noteId, account: presentAccount(row), adapter, secrets, copy };
  }

  /**
   * Records a copy as posted (or edited) where the service put it; the note's page shows the copy
   * (u-syndication), so its cached rendering is stale now.
   */
  function posted(copyId: number, noteId: number, result: SyndicationResult): SyndicationResult {
    store.recordCopy({
      id: copyId,
      state: 'posted',
      url: result.url,
      remoteId: result.remoteId,
      cid: result.cid ?? null,
      error: null,
      now: now(),
    });
    notes.markChanged(noteId);
    return result;
  }

  /** A copy job: runs `work`, recording the outcome (or the remote error) on the copy row. */
  function copyJob(
    work: (ctx: ReturnType<typeof contextOf>, job: Job<CopyPayload>) => Promise<unknown>,
  ): JobKind<CopyPayload> {
    return jobKind({
      payload: CopyPayload,
      handle: async (job) => {
        const { noteId, accountId } = job.payload;
        try {
          return await work(contextOf(job), job);
        } catch (err) {
          const copy = store.findCopy(noteId, accountId);
          const permanent = (err instanceof JobError && !err.retryable) || job.attempts >= job.maxAttempts;
          if (copy && copy.job_id === job.id)
            store.recordCopy({
              id: copy.id,
              state: permanent ? 'failed' : copy.state,
              url: null,
              remoteId: null,
              error: ((err as Error)?.message ?? String(err)).slice(0, 500),
              now: now(),
            });
          throw err;
        }
      },
    });
  }

  const jobKinds: JobKinds = {
    [POST_JOB]: copyJob(async ({ noteId, account, adapter, secrets, copy }, job) => {
      if (!copy || copy.job_id !== job.id) return { skipped: 'superseded' };
      // Already posted (the job ran again after its result was recorded): nothing to do.
      if (copy.remote_id && copy.state === 'posted') return { skipped: 'posted', url: copy.url };
      const note = notes.getNoteById(noteId);
      if (!note || note.deletedAt) return { skipped: 'note deleted' };
      if (notes.isScheduled(note))
        throw new JobError('The note is scheduled; it is copied when it goes live.', {
          retryAfterMs: note.publishedAt.getTime() - clock.now().getTime(),
        });
      if (!notes.isPublic(note))
        throw new JobError('The note is not public (a draft, unlisted or private); publish it, then retry.', {
          retryable: false,
        });
      const result = await adapter.post(account, secrets, postOf(note), remoteKey(noteId, account.id));
      return posted(copy.id, noteId, result);
    }),
    [UPDATE_JOB]: copyJob(async ({ noteId, account, adapter, secrets, copy }, job) => {
      if (!copy || copy.job_id !== job.id || !copy.remote_id || !adapter.update)
        return { skipped: 'nothing to edit' };
      const note = notes.getNoteById(noteId);
      if (!note || note.deletedAt) return { skipped: 'note deleted' };
      const post = postOf(note);
      const result = await adapter.update(account, secrets, copy.remote_id, post, {
        cid: copy.remote_cid,
        post,
      });
      return posted(copy.id, noteId, result);
    }),
    [REPLACE_JOB]: copyJob(async ({ noteId, account, adapter, secrets, copy }, job) => {
      if (!copy || copy.job_id !== job.id || !copy.remote_id || !adapter.replace)
        return { skipped: 'nothing to replace' };
      const note = notes.getNoteById(noteId);
      if (!note || note.deletedAt || !notes.isPublic(note)) return { skipped: 'note not public' };
      const post = postOf(note);
      const result = await adapter.replace(account, secrets, copy.remote_id, post, {
        cid: copy.remote_cid,
        post,
      });
      return posted(copy.id, noteId, result);
    }),
    [REMOVE_JOB]: copyJob(async ({ noteId, account, adapter, secrets, copy }, job) => {
      if (!copy || copy.job_id !== job.id || !copy.remote_id) return { skipped: 'nothing to remove' };
      // Only what this site wrote is deleted: the CID stored at creation, or (older copies) a
      // record that shows what this site would write for the note (ADR 0013).
      const note = notes.getNoteById(noteId);
      const outcome = await adapter.remove(account, secrets, copy.remote_id, {
        cid: copy.remote_cid,
        ...(note ? { post: postOf(note) } : {}),
      });
      if (outcome)
        deps.logger?.warn({ note: noteId, account: account.id, record: copy.remote_id }, outcome.leftInPlace);
      store.recordCopy({
        id: copy.id,
        state: 'removed',
        url: null,
        remoteId: null,
        error: outcome ? outcome.leftInPlace.slice(0, 500) : null,
        now: now(),
      });
      notes.markChanged(noteId);
      return outcome ? { leftInPlace: copy.remote_id } : { removed: copy.remote_id };
    }),
  };

  /**
   * Inside the note write's transaction: queues the copies the writer asked for (the editor's
   * ticked accounts, Micropub's mp-syndicate-to, `NoteChange.commands`), so that they commit with
   * the note or not at all, and an edit or a removal of every live copy.
   */
  function noteChanged(change: NoteChange): void {
    const asked = change.commands?.syndicateTo ?? [];
    if (asked.length > 0 && change.event !== 'purged') request(change.id, asked);
    if (change.event !== 'updated' && change.event !== 'deleted') return;
    const live = store
      .listCopiesForNote(change.id)
      .filter((c) => c.remote_id && c.account_id !== null && c.state !== 'removed');
    if (live.length === 0) return;
    const note = notes.getNoteById(change.id);
    const remove = change.event === 'deleted' || !note || !notes.isPublic(note);
    for (const c of live) {
      const kind = remove ? REMOVE_JOB : UPDATE_JOB;
      const job = jobs.enqueue<CopyPayload>(
        kind,
        { noteId: change.id, accountId: c.account_id! },
        { key: `${kind}:${change.id}:${c.account_id}:${change.revision}`, maxAttempts: ATTEMPTS },
      );
      store.updateCopyJob(c.id, job.id, now());
    }
  }

  /** Queues a copy of a note on each account (a copy already posted or queued is left alone). */
  function request(noteId: number, accountIds: readonly number[]): number {
    let queued = 0;
    db.transaction(() => {
      for (const accountId of new Set(accountIds)) {
        const account = store.findAccount(accountId);
        if (!account) continue;
        const existing = store.findCopy(noteId, accountId);
        if (existing && (existing.state === 'posted' || existing.state === 'queued')) continue;
        const job = jobs.enqueue<CopyPayload>(
          POST_JOB,
          { noteId, accountId },
          { key: `syndicate:${noteId}:${accountId}`, maxAttempts: ATTEMPTS },
        );
        // Asked again after a failure: the same job (same idempotency key) runs again.
        if (job.state === 'failed' || job.state === 'done' || job.state === 'cancelled') jobs.retry(job.id);
        store.upsertCopy({ noteId, accountId, service: account.service, jobId: job.id, now: now() });
        queued++;
      }
    }).immediate();
    return queued;
  }

  function listAccounts(): SyndicationAccount[] {
    return store.listAccounts().map(presentAccount);
  }

  return {
    jobKinds,
    noteChanged,

    /** Adds (or replaces) the adapter of a service. */
    register(adapter: SyndicationAdapter): void {
      adapters.set(adapter.service, adapter);
    },

    /** The connected accounts, oldest first. */
    listAccounts,

    /** One account, or undefined. */
    getAccount(id: number): SyndicationAccount | undefined {
      const row = store.findAccount(id);
      return row ? presentAccount(row) : undefined;
    },

    /** Micropub syndication targets (Micropub §3.7.3): uid, name, service and user of each account. */
    targets(): Record<string, unknown>[] {
      return listAccounts().map((a) => {
        const server = (() => {
          try {
            return new URL(a.user.url).origin;
          } catch {
            return a.user.url;
          }
        })();
        return {
          uid: a.uid,
          name: a.name,
          service: {
            name: SERVICE_NAMES[a.service],
            url: a.service === 'bluesky' ? 'https://bsky.app/' : `${server}/`,
          },
          user: { name: a.user.name, url: a.user.url, ...(a.user.photo ? { photo: a.user.photo } : {}) },
        };
      });
    },

    /** Connects an account (or refreshes one with the same uid); its secrets are sealed. */
    connectAccount(input: {
      service: SyndicationAccount['service'];
      uid: string;
      name: string;
      user: SyndicationAccount['user'];
      secrets: Record<string, string>;
    }): SyndicationAccount {
      return presentAccount(
        store.upsertAccount({
          service: input.service,
          uid: input.uid,
          name: input.name,
          userName: input.user.name,
          userUrl: input.user.url,
          userPhoto: input.user.photo ?? null,
          secrets: box.seal(input.secrets),
          now: now(),
        }),
      );
    },

    /** The secrets of an account, opened (adapters and connect flows only). */
    secretsOf(id: number): Record<string, string> | undefined {
      const row = store.findAccount(id);
      return row ? box.open(row.secrets) : undefined;
    },

    /**
     * Disconnects an account: copies already posted stay where they are; its queued work (copies
     * waiting or between retries, edits, removals) is cancelled at once rather than retried for
     * hours against an account that is gone. Returns how many jobs were cancelled, or undefined
     * for an unknown account. A job running right now finishes its attempt.
     */
    disconnect(id: number): { cancelled: number } | undefined {
      let result: { cancelled: number } | undefined;
      db.transaction(() => {
        if (!store.findAccount(id)) return;
        const cancelled = new Set(
          jobs.cancelWhere([POST_JOB, UPDATE_JOB, REPLACE_JOB, REMOVE_JOB], (job) => {
            const p = job.payload as Partial<CopyPayload> | null;
            return p?.accountId === id;
          }),
        );
        // A copy whose post was cancelled will not be made: it is no longer waiting.
        for (const c of store.listCopiesForAccount(id))
          if (c.job_id !== null && cancelled.has(c.job_id) && c.state === 'queued')
            store.recordCopy({
              id: c.id,
              state: 'failed',
              url: null,
              remoteId: null,
              error: c.last_error,
              now: now(),
            });
        store.deleteAccount(id);
        result = { cancelled: cancelled.size };
      }).immediate();
      if (result && result.cancelled > 0)
        deps.logger?.info({ account: id, cancelled: result.cancelled }, 'syndication account disconnected');
      return result;
    },

    /** Ticks or unticks an account in the editor by default. */
    setDefault(id: number, on: boolean): boolean {
      return store.updateAccountDefault(id, on, now());
    },

    /** The account ids Micropub names by uid; throws on one it does not know. */
    accountIdsFor(uids: readonly string[]): number[] {
      return uids.map((uid) => {
        const row = store.findAccountByUid(uid);
        if (!row) throw new AppError('invalid_request', `Unknown syndication target "${uid.slice(0, 200)}".`);
        return row.id;
      });
    },

    /**
     * Queues a copy of a note on each account (a copy already posted or queued is left alone).
     * Writers ask for copies along with the write instead (`NoteInput.commands.syndicateTo`).
     */
    request,

    /** The copies of a note with their accounts and jobs. */
    copiesForNote(noteId: number): SyndicationCopy[] {
      return store.listCopiesForNote(noteId).map(presentCopy);
    },

    /** One copy by its id, or undefined. */
    findCopy(copyId: number): SyndicationCopy | undefined {
      const row = store.findCopyById(copyId);
      return row ? presentCopy(row) : undefined;
    },

    /** The most recently changed copies. */
    recentCopies(limit = 50): SyndicationCopy[] {
      return store.listRecentCopies(limit).map(presentCopy);
    },

    /**
     * Queues the replacement of a copy the service cannot edit (Bluesky: delete it, post the note
     * as it is now). Only a posted copy of a public note, on an account still connected, whose
     * service replaces, and only when the note was edited since the copy was posted; pressing it
     * again while it waits queues nothing more. Returns false when there is nothing to replace.
     */
    replaceCopy(copyId: number): boolean {
      const copy = store.findCopyById(copyId);
      if (!copy || !isReplaceable(copy)) return false;
      const current = copy.job_id === null ? undefined : jobs.get(copy.job_id);
      // Already asked for and not done yet: nothing more to queue.
      if (current?.kind === REPLACE_JOB && (current.state === 'queued' || current.state === 'running'))
        return true;
      // Only a copy behind an edit (the edit was skipped): a copy up to date is left alone.
      if (current?.kind !== UPDATE_JOB) return false;
      const note = notes.getNoteById(copy.note_id);
      if (!note || note.deletedAt || !notes.isPublic(note)) return false;
      db.transaction(() => {
        const job = jobs.enqueue<CopyPayload>(
          REPLACE_JOB,
          { noteId: copy.note_id, accountId: copy.account_id! },
          {
            key: `${REPLACE_JOB}:${copy.note_id}:${copy.account_id}:${note.revision}`,
            maxAttempts: ATTEMPTS,
          },
        );
        store.updateCopyJob(copy.id, job.id, now());
      }).immediate();
      return true;
    },

    /** Runs a copy's latest job again from its first attempt (the admin's "retry"). */
    retry(copyId: number): boolean {
      const copy = store.findCopyById(copyId);
      if (!copy || copy.job_id === null) return false;
      let ok = false;
      db.transaction(() => {
        if (jobs.get(copy.job_id!)?.state === 'queued') jobs.cancel(copy.job_id!);
        ok = jobs.retry(copy.job_id!);
        if (ok && copy.state === 'failed')
          store.recordCopy({
            id: copy.id,
            state: copy.remote_id ? 'posted' : 'queued',
            url: null,
            remoteId: null,
            error: copy.last_error,
            now: now(),
          });
      }).immediate();
      return ok;
    },

    /** Remembers an OAuth authorization under way (sealed); forgets ones older than an hour. */
    savePending(state: string, service: string, data: Record<string, string>): void {
      store.prunePending(toDbTime(new Date(clock.now().getTime() - 3600_000)));
      store.insertPending(state, service, box.seal(data), now());
    },

    /** Takes an OAuth authorization under way, or undefined (unknown, used or expired). */
    takePending(state: string, service: string): Record<string, string> | undefined {
      store.prunePending(toDbTime(new Date(clock.now().getTime() - 3600_000)));
      const row = store.takePending(state);
      if (!row || row.service !== service) return undefined;
      return box.open(row.data);
    },
  };

  /** A posted copy on a connected account whose service replaces (and cannot edit) copies. */
  function isReplaceable(r: SyndicationCopyRow): boolean {
    if (r.state !== 'posted' || !r.remote_id || r.account_id === null || !store.findAccount(r.account_id))
      return false;
    const adapter = adapters.get(r.service as SyndicationAccount['service']);
    return adapter?.replace !== undefined && adapter.update === undefined;
  }

  function presentCopy(r: SyndicationCopyRow): SyndicationCopy {
    const account = r.account_id === null ? undefined : store.findAccount(r.account_id);
    const job = r.job_id === null ? undefined : jobs.get(r.job_id);
    const replaceable = isReplaceable(r);
    return {
      id: r.id,
      noteId: r.note_id,
      account: account ? presentAccount(account) : undefined,
      service: r.service,
      state: r.state,
      url: r.url,
      lastError: r.last_error,
      postedAt: r.posted_at ? new Date(r.posted_at) : null,
      // Every edit of the note queues an edit of its copies; one the service cannot do was skipped.
      outdated: replaceable && job?.kind === UPDATE_JOB,
      replaceable,
      job: job && {
        id: job.id,
        kind: job.kind,
        state: job.state,
        attempts: job.attempts,
        maxAttempts: job.maxAttempts,
        runAt: job.runAt,
      },
    };
  }
}

/** The syndication service's type. */
export type Syndication = ReturnType<typeof createSyndication>;
