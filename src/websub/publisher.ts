/**
 * WebSub publishing (W3C WebSub, https://www.w3.org/TR/websub/): the site's topics are its home
 * page and its three feeds. When what they show changes, the configured hub is told with the
 * de facto publish ping (`hub.mode=publish&hub.url=<topic>`, one POST per topic, as
 * pubsubhubbub.appspot.com, websub.rocks and Superfeedr take it; the spec leaves publishing to
 * the hub), and the hub fetches the topics and distributes them to subscribers.
 *
 * What changed is decided by the public timeline itself: each note write (heard inside its
 * transaction) compares the keys (id, revision, dates) of the newest public notes with the last
 * ones seen. A draft save, a private or unlisted note, or a note far down the archive changes
 * none of the topics and pings nothing; a publish, an edit of a public note, an unpublish or a
 * delete does. The ping itself is a job (at least once, retried with backoff, honouring
 * Retry-After), keyed by the state it announces so the same state is announced once.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { type Job, JobError, type JobKinds, type JobQueue, jobKind } from '../jobs/queue.js';
import { siteUrls } from '../lib/site-urls.js';
import type { Logger } from '../logger.js';
import type { NoteChange, NoteService } from '../notes/service.js';
import { retryAdvice } from '../outbound/policy.js';
import type { FetchLike } from '../outbound/safe-fetch.js';

/** The job that pings the hub. */
export const PING_JOB = 'websub.ping';

/** How many of the newest public notes the topics show (the feeds' length; the home page shows fewer). */
const TOPIC_WINDOW = 50;

/** Attempts of one ping: about two hours with the queue's backoff; a later change pings anew anyway. */
const PING_ATTEMPTS = 6;

/** Everything the publisher needs. */
export interface WebsubPublisherDeps {
  config: Pick<Config, 'siteUrl' | 'websubHub'>;
  clock: Clock;
  notes: NoteService;
  jobs: JobQueue;
  fetch: FetchLike;
  logger?: Logger;
  timeoutMs?: number;
}

/** The topic URLs of this site: the home page and each feed, as they name themselves (`rel="self"`). */
export function websubTopics(config: Pick<Config, 'siteUrl'>): string[] {
  const urls = siteUrls(config);
  return [urls.home, urls.feeds.rss, urls.feeds.atom, urls.feeds.json];
}

const PingPayload = z.object({ hub: z.string(), topics: z.array(z.string()) });
type PingPayload = z.infer<typeof PingPayload>;

/** Builds the publisher: the note listener and the ping job handler. */
export function createWebsubPublisher(deps: WebsubPublisherDeps) {
  const { clock, notes, jobs } = deps;
  const hub = deps.config.websubHub;
  const topics = websubTopics(deps.config);

  /** A digest of what the topics show now. */
  function fingerprint(): string {
    const keys = notes.listPublicNoteKeys(TOPIC_WINDOW);
    return createHash('sha256').update(JSON.stringify(keys)).digest('hex').slice(0, 32);
  }

  // The state the topics were last announced (or found) in. Started from the database, so the
  // first write after a restart pings only if it changes what the topics show.
  let last: string | undefined;
  try {
    last = hub ? fingerprint() : undefined;
  } catch {
    // A database not migrated yet (a CLI command): the first change pings.
  }

  /** Queues a ping when a write changed what the topics show: called inside the note write's transaction. */
  function noteChanged(change: NoteChange): void {
    if (!hub || change.event === 'purged') return;
    const now = fingerprint();
    // A public note scheduled for later changes the topics when it goes live, with no write then.
    const note = notes.getNoteById(change.id);
    if (note && notes.isScheduled(note)) {
      jobs.enqueue<PingPayload>(
        PING_JOB,
        { hub, topics },
        {
          key: `${PING_JOB}:${change.id}:${note.revision}:at:${note.publishedAt.toISOString()}`,
          runAt: note.publishedAt,
          maxAttempts: PING_ATTEMPTS,
        },
      );
    }
    if (now === last) return;
    jobs.enqueue<PingPayload>(
      PING_JOB,
      { hub, topics },
      {
        key: `${PING_JOB}:${now}:${change.id}:${change.revision}:${clock.now().getTime()}`,
        maxAttempts: PING_ATTEMPTS,
      },
    );
    last = now;
  }

  /** Tells the hub each topic has new content; any 2xx is accepted (hubs answer 202 or 204). */
  async function ping(job: Job<PingPayload>): Promise<unknown> {
    const p = job.payload;
    const answered: Record<string, number> = {};
    for (const topic of p.topics) {
      let res: Response;
      try {
        res = await deps.fetch(p.hub, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': topic }).toString(),
          redirect: 'manual',
          signal: AbortSignal.timeout(deps.timeoutMs ?? 20_000),
        });
      } catch (err) {
        throw new JobError(`WebSub hub ${p.hub} unreachable: ${(err as Error).message}`, { cause: err });
      }
      await res.body?.cancel();
      if (res.status < 200 || res.status >= 300) {
        const advice = retryAdvice(res, clock.now());
        throw new JobError(
          advice.retryable
            ? `WebSub hub answered ${res.status}`
            : `WebSub hub refused the ping for ${topic} (${res.status})`,
          advice,
        );
      }
      answered[topic] = res.status;
    }
    deps.logger?.debug({ hub: p.hub, topics: p.topics.length }, 'WebSub hub pinged');
    return { hub: p.hub, answered };
  }

  const jobKinds: JobKinds = { [PING_JOB]: jobKind({ payload: PingPayload, handle: ping }) };
  return { noteChanged, jobKinds, topics, hub };
}

/** The publisher's type. */
export type WebsubPublisher = ReturnType<typeof createWebsubPublisher>;
