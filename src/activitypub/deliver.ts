/**
 * Delivering activities: one `activitypub.deliver` job per activity and inbox (a server's shared
 * inbox where it has one), posted with an HTTP Signature (draft-cavage, what Mastodon verifies;
 * docs.joinmastodon.org/spec/security) through the SSRF-safe fetch. Every answer is counted per
 * server; a server that keeps failing for a week is given up on until it is heard from again.
 */
import { signRequest } from '@fedify/fedify';
import type { Clock } from '../clock.js';
import type { ActivityPubStore } from '../db/store/activitypub.js';
import { JobError } from '../jobs/queue.js';
import { toDbTime } from '../lib/db-time.js';
import { isRetryableError, retryAdvice } from '../outbound/policy.js';
import type { FetchLike } from '../outbound/safe-fetch.js';
import { requestInit, type SigningIdentity } from './loader.js';

/** Failures in a row after which a server is given up on, if it has not answered for DEAD_AFTER_MS. */
export const DEAD_AFTER_FAILURES = 10;
export const DEAD_AFTER_MS = 7 * 24 * 3600_000;

/** What a delivery needs. */
export interface DeliveryDeps {
  store: ActivityPubStore;
  clock: Clock;
  fetch: FetchLike;
  identity: () => Promise<SigningIdentity>;
}

/** Posts one stored activity to one inbox; throws a JobError saying whether to try again. */
export async function deliver(
  deps: DeliveryDeps,
  payload: { activity: string; inbox: string },
  signal: AbortSignal,
): Promise<{ status: number } | { skipped: string }> {
  const row = deps.store.findActivity(payload.activity);
  if (!row) return { skipped: 'activity no longer stored' };
  const host = new URL(payload.inbox).host;
  const server = deps.store.findServer(host);
  if (server?.dead_at) return { skipped: `gave up on ${host} at ${server.dead_at}` };
  const now = () => toDbTime(deps.clock.now());
  const { keyId, privateKey } = await deps.identity();
  const body = new TextEncoder().encode(row.json);
  const request = new Request(payload.inbox, {
    method: 'POST',
    headers: { 'Content-Type': 'application/activity+json', Accept: 'application/activity+json' },
    body,
  });
  const signed = await signRequest(request, privateKey, keyId, {
    spec: 'draft-cavage-http-signatures-12',
    body: body.buffer as ArrayBuffer,
  });
  const failed = (message: string) => {
    deps.store.recordFailed(host, message, now());
    const s = deps.store.findServer(host);
    const lastHeard = s?.last_success_at ? Date.parse(s.last_success_at) : 0;
    if (s && s.failures >= DEAD_AFTER_FAILURES && deps.clock.now().getTime() - lastHeard > DEAD_AFTER_MS)
      deps.store.markServerDead(host, now());
  };
  let res: Response;
  try {
    res = await deps.fetch(payload.inbox, { ...(await requestInit(signed)), signal });
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    failed(message);
    throw new JobError(`delivery to ${payload.inbox} failed: ${message}`, {
      retryable: isRetryableError(err),
      cause: err,
    });
  }
  await res.body?.cancel().catch(() => {});
  if (res.ok) {
    deps.store.recordDelivered(host, now());
    return { status: res.status };
  }
  failed(`answered ${res.status}`);
  const advice = retryAdvice(res, deps.clock.now());
  throw new JobError(`${payload.inbox} answered ${res.status}`, {
    retryable: advice.retryable,
    ...(advice.retryAfterMs !== undefined ? { retryAfterMs: advice.retryAfterMs } : {}),
  });
}
