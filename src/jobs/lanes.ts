/**
 * Lanes of the job runner (issue 22; docs/decisions/0015-bounded-untrusted-work.md). Work a
 * stranger can start — verifying a received Webmention, fetching its author's photo — runs in the
 * `inbound` lane, with its own slots and a short time limit; everything else (the owner's
 * Webmentions, syndication copies, WebSub pings) runs in the `owner` lane. Each lane leases only
 * its own kinds, so a flood of mentions whose sources hang fills the inbound slots and never
 * delays the owner's jobs. A job kind names its lane (`JobKind.lane` in queue.ts).
 */

/** Whose work a job is. */
export type JobLane = 'owner' | 'inbound';

/** How a lane runs its jobs. */
export interface LaneLimits {
  /** Jobs of the lane run at once. */
  concurrency: number;
  /** A handler that takes longer fails with a retryable timeout (its signal is aborted). */
  timeoutMs: number;
}

/** The default lanes (figures in docs/security.md). */
export const JOB_LANES: Readonly<Record<JobLane, LaneLimits>> = {
  owner: { concurrency: 2, timeoutMs: 120_000 },
  // A verification is one source fetch (10 s at most) and one parse (5 s on a worker thread).
  inbound: { concurrency: 2, timeoutMs: 30_000 },
};
