/**
 * The background half of receiving (W3C Webmention §3.2.2, §3.2.4): fetch the source, check that
 * it links to the target, read its microformats and store a sanitised copy — replacing what an
 * earlier request stored (an update), or removing it when the source is gone (410, 404) or no
 * longer links. Only the latest request of a pair writes: an older job that finishes late leaves
 * the row alone.
 */
import type { Clock } from '../clock.js';
import type { WebmentionRow, WebmentionsStore } from '../db/store/webmentions.js';
import { type Job, JobError } from '../jobs/queue.js';
import { toDbTime } from '../lib/db-time.js';
import type { Logger } from '../logger.js';
import type { NoteService } from '../notes/service.js';
import type { Note } from '../notes/types.js';
import { isRetryableStatus } from '../outbound/policy.js';
import type { FetchLike } from '../outbound/safe-fetch.js';
import { htmlPool } from '../untrusted-html/pool.js';
import { AvatarError, cacheAvatar } from './avatars.js';
import type { ModerationService } from './moderation.js';
import { sourceFormat } from './parse.js';
import { fetchSource, type SourceFetchLimits } from './receive-fetch.js';

/** What the verify job needs. */
export interface VerifyDeps {
  store: WebmentionsStore;
  moderation: ModerationService;
  notes: NoteService;
  fetch: FetchLike;
  clock: Clock;
  limits: SourceFetchLimits;
  accepts: (note: Note) => boolean;
  queueAvatar: (url: string) => void;
  logger?: Logger | undefined;
}

/** The outcome of one verification, stored as the job's result. */
export interface VerifyResult {
  state: string;
  detail?: string;
  kind?: string;
  moderation?: string;
}

/** Verifies the request a job names; throws a retryable JobError while the source cannot be reached. */
export async function verifyJob(
  job: Job<{ id: number; request: number }>,
  deps: VerifyDeps,
  signal?: AbortSignal,
): Promise<VerifyResult> {
  const { id, request } = job.payload;
  const { store } = deps;
  const now = () => toDbTime(deps.clock.now());
  const current = (): WebmentionRow | undefined => {
    const row = store.findWebmentionById(id);
    return row && row.requests === request ? row : undefined;
  };

  /** Refuses the request: what was stored goes (it no longer holds), the reason is kept for the status URL. */
  const refuse = (row: WebmentionRow, detail: string, gone = false): VerifyResult => {
    const had = row.verified_at !== null;
    store.clearContent(row.id, had || gone ? 'deleted' : 'rejected', detail, now());
    return { state: had || gone ? 'deleted' : 'rejected', detail };
  };

  let row = current();
  if (!row) return { state: 'superseded' };
  const note = row.note_id === null ? undefined : deps.notes.getNoteById(row.note_id);
  if (!note || !deps.accepts(note)) return refuse(row, 'The target no longer accepts Webmentions.');
  if (deps.moderation.isBlocked(row.source_host)) return refuse(row, 'Not accepted by this site.');

  const fetched = await fetchSource(deps.fetch, row.source, deps.limits);
  // A newer request for the same pair may have arrived while this one fetched: it decides.
  row = current();
  if (!row) return { state: 'superseded' };
  const lastTry = job.attempts >= job.maxAttempts;

  if (fetched.kind === 'failed') {
    if (fetched.retryable && !lastTry) throw new JobError(fetched.reason);
    // An update that cannot be fetched leaves the mention as it was verified before.
    if (row.verified_at !== null) {
      store.updateState(
        row.id,
        'verified',
        `The last update could not be fetched: ${fetched.reason}.`,
        now(),
      );
      return { state: 'verified', detail: fetched.reason };
    }
    return refuse(row, `The source could not be fetched: ${fetched.reason}.`);
  }
  if (fetched.kind === 'status') {
    if (isRetryableStatus(fetched.status) && !lastTry)
      throw new JobError(`the source answered ${fetched.status}`, {
        ...(fetched.retryAfterMs !== undefined ? { retryAfterMs: fetched.retryAfterMs } : {}),
      });
    // §3.2.4: a source that answers 410 Gone was deleted; 404 says the same about a page that was there.
    if (fetched.status === 410 || fetched.status === 404)
      return refuse(row, `The source answered ${fetched.status}: the mention was removed.`, true);
    return refuse(row, `The source answered ${fetched.status}.`);
  }

  const format = sourceFormat(fetched.contentType);
  if (!format) return refuse(row, `The source is ${fetched.contentType ?? 'of no declared type'}, not HTML.`);
  // Read on a worker thread (parse budget, time and memory limits): a hostile source costs a
  // bounded share of one core and never the event loop.
  const read = await htmlPool('inbound').run(
    {
      kind: 'mention',
      body: fetched.body,
      format,
      docUrl: fetched.url,
      source: row.source,
      target: row.target,
    },
    signal,
  );
  row = current();
  if (!row) return { state: 'superseded' };
  if (!read.ok) {
    if (read.retryable && !lastTry) throw new JobError(`the source could not be read now: ${read.reason}`);
    return refuse(row, `The source could not be read: it ${read.reason}.`);
  }
  if (read.value.kind === 'refused')
    return refuse(row, `The source is too complex to read: it ${read.value.problem}.`);
  if (read.value.kind === 'not-linked') return refuse(row, 'The source does not link to the target.');

  const { content } = read.value;
  const decided = deps.moderation.decide(row);
  store.updateContent(row.id, content, decided, now());
  if (content.author_photo) deps.queueAvatar(content.author_photo);
  deps.logger?.info(
    { source: row.source, target: row.target, kind: content.kind, moderation: decided },
    'webmention verified',
  );
  return { state: 'verified', kind: content.kind, moderation: decided };
}

/** What the avatar job needs. */
export interface AvatarJobDeps {
  store: WebmentionsStore;
  fetch: FetchLike;
  clock: Clock;
  limits?: SourceFetchLimits | undefined;
}

/** Fetches and stores one author photo; a photo that is no image fails at once, a network error is retried. */
export async function avatarJob(job: Job<{ url: string }>, deps: AvatarJobDeps): Promise<{ avatar: string }> {
  const { url } = job.payload;
  try {
    const outcome = await cacheAvatar({
      fetch: deps.fetch,
      store: deps.store,
      url,
      now: deps.clock.now(),
      ...(deps.limits ? { limits: deps.limits } : {}),
    });
    return { avatar: outcome };
  } catch (err) {
    if (err instanceof AvatarError) throw new JobError(err.message, { retryable: err.retryable, cause: err });
    throw err;
  }
}
