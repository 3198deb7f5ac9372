/**
 * Receiving Webmentions (W3C Webmention §3.2). A request is checked at once only for what §3.2.1
 * asks (source and target are http(s) URLs, different, and the target is a note of this site
 * that a visitor can see), plus the receiver's own limits (rates per source host, per target note and
 * overall, a cap on what waits for moderation); it is then recorded and verified later by a job
 * (receive-verify.ts) in the job runner's inbound lane.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import { type WebmentionRow, webmentionsStore } from '../db/store/webmentions.js';
import { type JobKinds, type JobQueue, jobKind } from '../jobs/queue.js';
import { parseDbTime, toDbTime } from '../lib/db-time.js';
import { AppError } from '../lib/errors.js';
import { createRateLimiter } from '../lib/rate-limit.js';
import type { Logger } from '../logger.js';
import type { NoteService } from '../notes/service.js';
import type { Note } from '../notes/types.js';
import type { FetchLike } from '../outbound/safe-fetch.js';
import { avatarHash } from './avatars.js';
import { createModeration, hostKey, type ModerationService } from './moderation.js';
import { MAX_URL_LENGTH, normaliseUrl } from './parse.js';
import { SOURCE_FETCH_LIMITS, type SourceFetchLimits } from './receive-fetch.js';
import { avatarJob, verifyJob } from './receive-verify.js';
import { type ResponseView, toResponseView } from './responses.js';

/** Job kinds of the receiver. */
export const VERIFY_JOB = 'webmention.verify';
export const AVATAR_JOB = 'webmention.avatar';

/** The receiver's limits; tests narrow them. */
export interface ReceiveLimits {
  /** Requests accepted per source host and minute. */
  perHostPerMinute: number;
  /** Requests accepted per target note and minute, from senders not yet known (see below). */
  perTargetPerMinute: number;
  /**
   * Requests accepted per minute from all senders not yet known, together. Known senders — a host
   * the owner allowed, or one with a mention the owner approved — are not counted: a flood from
   * invented host names cannot crowd them out.
   */
  globalPerMinute: number;
  /** New mentions from one host that may wait for moderation (or verification) at once. */
  pendingPerHost: number;
  /** Verified mentions that may wait for moderation at once, in all. */
  pendingTotal: number;
  /** Attempts of a verification whose source could not be reached. */
  verifyAttempts: number;
  /** How long a refused request (nothing stored of its source) and finished verifications are kept. */
  refusedKeptMs: number;
  fetch: SourceFetchLimits;
  avatarFetch?: SourceFetchLimits;
}

/** The default limits (figures in docs/security.md). */
export const RECEIVE_LIMITS: ReceiveLimits = {
  perHostPerMinute: 30,
  // Above the per-host budget: one host alone can exhaust neither.
  perTargetPerMinute: 50,
  globalPerMinute: 60,
  pendingPerHost: 100,
  pendingTotal: 2000,
  verifyAttempts: 5,
  refusedKeptMs: 24 * 3600_000,
  fetch: SOURCE_FETCH_LIMITS,
};

/** Everything the receiver needs. */
export interface ReceiverDeps {
  db: Db;
  clock: Clock;
  siteUrl: string;
  notes: NoteService;
  jobs: JobQueue;
  /** The app's outbound fetch (SSRF-safe in production). */
  fetch: FetchLike;
  logger?: Logger;
  limits?: Partial<ReceiveLimits>;
}

/** What a status URL tells the sender. */
export interface WebmentionStatus {
  source: string;
  target: string;
  status: 'pending' | 'accepted' | 'rejected';
  detail: string;
  updated: string;
}

/** True when a visitor can see this note, so it may receive mentions. */
export function acceptsMentions(note: Note, now: Date): boolean {
  return note.published && note.visibility !== 'private' && note.publishedAt <= now && !note.deletedAt;
}

function field(value: unknown, name: string): string {
  if (Array.isArray(value)) throw new AppError('invalid_request', `${name} was given more than once.`);
  if (typeof value !== 'string' || value.trim() === '')
    throw new AppError('invalid_request', `${name} is required.`);
  if (value.length > MAX_URL_LENGTH)
    throw new AppError('invalid_request', `${name} may be at most ${MAX_URL_LENGTH} characters long.`);
  return value.trim();
}

function httpUrl(raw: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('invalid_request', `${name} is not a valid URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AppError('invalid_request', `${name} must be an http or https URL.`);
  if (!url.hostname) throw new AppError('invalid_request', `${name} has no host.`);
  if (url.username || url.password)
    throw new AppError('invalid_request', `${name} may not carry a user name or password.`);
  return url;
}

/** The receiver: the endpoint's synchronous part, status, display data and the job handlers. */
export function createWebmentionReceiver(deps: ReceiverDeps) {
  const limits: ReceiveLimits = { ...RECEIVE_LIMITS, ...deps.limits };
  const store = webmentionsStore(deps.db);
  const moderation: ModerationService = createModeration({ db: deps.db, clock: deps.clock });
  const clockMs = () => deps.clock.now().getTime();
  const limiter = createRateLimiter(limits.perHostPerMinute, 60_000, clockMs);
  const perTarget = createRateLimiter(limits.perTargetPerMinute, 60_000, clockMs);
  const overall = createRateLimiter(limits.globalPerMinute, 60_000, clockMs);
  const site = new URL(deps.siteUrl);
  const now = () => toDbTime(deps.clock.now());

  /** The note a target URL names when it is a note page of this site (fragment and query ignored). */
  function noteOf(target: URL): Note | undefined {
    if (target.origin !== site.origin || !target.pathname.startsWith(site.pathname)) return undefined;
    const m = /^notes?\/([^/]+)$/.exec(target.pathname.slice(site.pathname.length));
    if (!m) return undefined;
    let slug: string;
    try {
      slug = decodeURIComponent(m[1]!);
    } catch {
      return undefined;
    }
    return deps.notes.getNoteBySlug(slug);
  }

  /** A sender the owner knows: its domain is allowed, or a mention from it was approved. */
  function isKnownSender(host: string): boolean {
    return moderation.ruleFor(host) === 'allow' || store.hasApprovedFromHost(host);
  }

  /** Throws 429 with Retry-After when a budget's limiter says to wait. */
  function overBudget(waitMs: number, what: string): void {
    if (waitMs <= 0) return;
    const s = Math.ceil(waitMs / 1000);
    throw new AppError('rate_limited', `${what}; try again in ${s} seconds.`, {
      details: { retryAfterS: s },
    });
  }

  function enqueueVerify(row: WebmentionRow): void {
    deps.jobs.enqueue(
      VERIFY_JOB,
      { id: row.id, request: row.requests },
      { key: `${VERIFY_JOB}:${row.id}:${row.requests}`, maxAttempts: limits.verifyAttempts },
    );
  }

  /**
   * Checks and records one request (§3.2.1); throws AppError 400 for a request the spec says to
   * refuse, 429 (details.retryAfterS) over a limit. A request for a pair already queued and not
   * yet started joins it; any other starts a verification of its own.
   */
  function receive(input: { source: unknown; target: unknown }): WebmentionRow {
    const sourceRaw = field(input.source, 'source');
    const targetRaw = field(input.target, 'target');
    const sourceUrl = httpUrl(sourceRaw, 'source');
    const targetUrl = httpUrl(targetRaw, 'target');
    const source = sourceUrl.href;
    const target = normaliseUrl(targetUrl.href)!;
    if (normaliseUrl(source) === target)
      throw new AppError('invalid_request', 'source and target must be different URLs.');
    const note = noteOf(targetUrl);
    if (!note || !acceptsMentions(note, deps.clock.now())) {
      throw new AppError(
        'invalid_request',
        `target is not a page of this site that accepts Webmentions (its notes, ${new URL('notes/', site).href}…).`,
      );
    }
    const host = hostKey(sourceUrl.hostname);
    // One budget after the other: a request refused by one does not count against the next, so a
    // single host hammering away spends its own budget only.
    overBudget(limiter.hit(host), `Too many Webmentions from ${host}`);
    const blocked = moderation.isBlocked(host);
    const known = !blocked && isKnownSender(host);
    if (!blocked && !known) {
      overBudget(perTarget.hit(String(note.id)), 'Too many Webmentions for this note');
      overBudget(overall.hit('all'), 'Too many Webmentions from new senders just now');
    }
    const existing = store.findWebmention(source, target);
    if (existing) {
      if (blocked) return existing;
      const job = deps.jobs.getByKey(`${VERIFY_JOB}:${existing.id}:${existing.requests}`);
      if (existing.state === 'queued' && job?.state === 'queued') return existing;
      const row = store.updateRequested({
        id: existing.id,
        state: 'queued',
        detail: null,
        note_id: note.id,
        now: now(),
      });
      enqueueVerify(row);
      return row;
    }
    if (!blocked) {
      if (store.countPendingForHost(host) >= limits.pendingPerHost)
        throw new AppError('rate_limited', `Too many Webmentions from ${host} are waiting for moderation.`, {
          details: { retryAfterS: 3600 },
        });
      // The owner's known senders still get through when strangers fill the moderation queue.
      if (!known && store.countPending() >= limits.pendingTotal)
        throw new AppError(
          'rate_limited',
          'Too many Webmentions are waiting for moderation; try again later.',
          {
            details: { retryAfterS: 3600 },
          },
        );
    }
    // Refused requests are kept a day for their status URL, then forgotten with their finished jobs.
    store.deleteRefusedBefore(toDbTime(new Date(clockMs() - limits.refusedKeptMs)));
    deps.jobs.pruneKinds([VERIFY_JOB, AVATAR_JOB], limits.refusedKeptMs);
    // A blocked domain is answered like any other (no fetch, nothing shown): telling it apart
    // would only teach a spammer to move.
    const row = store.insertWebmention({
      source,
      target,
      source_host: host,
      note_id: note.id,
      status_token: randomBytes(18).toString('base64url'),
      state: blocked ? 'rejected' : 'queued',
      detail: blocked ? 'not accepted by this site' : null,
      moderation: blocked ? 'rejected' : 'pending',
      now: now(),
    });
    if (!blocked) enqueueVerify(row);
    return row;
  }

  /** What the status URL with this token shows, or undefined. */
  function status(token: string): WebmentionStatus | undefined {
    const row = store.findWebmentionByToken(token);
    if (!row) return undefined;
    let s: WebmentionStatus['status'] = 'pending';
    let detail = 'Waiting to be verified.';
    if (row.state === 'verified') {
      s = row.moderation === 'rejected' ? 'rejected' : 'accepted';
      detail =
        row.moderation === 'approved'
          ? 'Verified and published.'
          : row.moderation === 'pending'
            ? 'Verified; waiting for the site owner’s approval.'
            : 'Verified; not published by the site owner.';
      if (row.detail) detail += ` ${row.detail}`;
    } else if (row.state === 'rejected' || row.state === 'deleted') {
      s = 'rejected';
      detail = row.detail ?? 'Not accepted.';
    }
    return { source: row.source, target: row.target, status: s, detail, updated: row.updated_at };
  }

  // Strangers start these jobs: they run in the inbound lane, apart from the owner's work.
  const jobKinds: JobKinds = {
    [VERIFY_JOB]: jobKind({
      lane: 'inbound',
      payload: z.object({ id: z.number().int(), request: z.number().int() }),
      handle: (job, signal) =>
        verifyJob(
          job,
          {
            store,
            moderation,
            notes: deps.notes,
            fetch: deps.fetch,
            clock: deps.clock,
            limits: limits.fetch,
            accepts: (n) => acceptsMentions(n, deps.clock.now()),
            queueAvatar: (url) => {
              if (store.hasAvatar(avatarHash(url))) return;
              deps.jobs.enqueue(
                AVATAR_JOB,
                { url },
                { key: `${AVATAR_JOB}:${avatarHash(url)}`, maxAttempts: 3 },
              );
            },
            logger: deps.logger,
          },
          signal,
        ),
    }),
    [AVATAR_JOB]: jobKind({
      lane: 'inbound',
      payload: z.object({ url: z.string() }),
      handle: (job) =>
        avatarJob(job, { store, fetch: deps.fetch, clock: deps.clock, limits: limits.avatarFetch }),
    }),
  };

  return {
    receive,
    status,
    moderation,
    jobKinds,
    /** The mentions a note's page shows, oldest first. */
    responsesFor(noteId: number): ResponseView[] {
      return store.listShownForNote(noteId).map(toResponseView);
    },
    /** When a decided mention of the note last changed (an approval, an update, a removal), if ever. */
    responsesChangedAt(noteId: number): Date | undefined {
      const at = store.findDecidedChangeForNote(noteId);
      return at ? parseDbTime(at) : undefined;
    },
    /** Counts of shown mentions per note and kind. */
    countsFor: (noteIds: readonly number[]) => store.countShownByNote(noteIds),
    /** A cached author photo, or undefined. */
    avatar: (hash: string) => store.findAvatar(hash),
    /** The store, for the admin screens. */
    store,
  };
}

/** The receiver type. */
export type WebmentionReceiver = ReturnType<typeof createWebmentionReceiver>;
