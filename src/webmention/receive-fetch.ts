/**
 * Fetching a Webmention's source (W3C Webmention §3.2.2 and §4): a GET through the app's
 * SSRF-safe fetch, asking for HTML, following a bounded number of redirects by hand (each hop
 * checked again by that fetch), with one time budget for all hops and the body, and a byte cap.
 */
import { isAppError } from '../lib/errors.js';
import { retryAdvice } from '../outbound/policy.js';
import type { FetchLike } from '../outbound/safe-fetch.js';

/** Limits of one source fetch. */
export interface SourceFetchLimits {
  /** Bytes of body read at most (default 1 MB). */
  maxBytes: number;
  /** Time for every hop and the body together (default 10 s). */
  timeoutMs: number;
  /** Redirects followed at most (default 5). */
  maxRedirects: number;
}

/** The default limits of a source fetch. */
export const SOURCE_FETCH_LIMITS: SourceFetchLimits = {
  maxBytes: 1024 * 1024,
  timeoutMs: 10_000,
  maxRedirects: 5,
};

/** What fetching a source gave (`B`: the body as text or bytes). */
export type FetchedSource<B = string> =
  | { kind: 'ok'; url: string; contentType: string | null; body: B }
  /**
   * The source answered with a final status that is not 2xx (410 and 404 mean: gone); one worth
   * retrying (src/outbound/policy.ts) may say how long to wait.
   */
  | { kind: 'status'; url: string; status: number; retryAfterMs?: number }
  /** It could not be fetched; `retryable` when trying later may help (network, timeout). */
  | { kind: 'failed'; reason: string; retryable: boolean };

const ACCEPT = 'text/html, application/xhtml+xml;q=0.9, text/plain;q=0.5, application/json;q=0.4, */*;q=0.1';

class Deadline extends Error {}

/** `p`, or a Deadline error once `at` (epoch ms) has passed. */
function before<T>(p: Promise<T>, at: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Deadline('time limit reached')), Math.max(0, at - Date.now()));
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Reads a body until done, `maxBytes` or the deadline, whichever comes first. */
async function readBody(res: Response, maxBytes: number, at: number): Promise<Buffer | 'too-large'> {
  const reader = res.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await before(reader.read(), at);
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) return 'too-large';
      chunks.push(value);
    }
  } finally {
    // A body left half-read would keep the connection (and a slow sender) busy.
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks);
}

/** Why a fetch threw, and whether trying again may help. */
function describeFailure(err: unknown): { reason: string; retryable: boolean } {
  if (err instanceof Deadline) return { reason: 'the source took too long to answer', retryable: true };
  // The safe fetch refuses private addresses, other schemes and redirect loops as AppErrors;
  // a private address found at DNS time comes back as the cause of a network error.
  if (isAppError(err)) return { reason: err.message, retryable: false };
  const cause = (err as { cause?: { message?: unknown } })?.cause;
  const causeText = typeof cause?.message === 'string' ? cause.message : '';
  if (/refusing to connect to private address/.test(causeText))
    return { reason: causeText, retryable: false };
  // A host name that does not exist (NXDOMAIN) will not exist on the next try either: an invented
  // name costs one lookup, not five attempts (issue 22). A resolver that failed (EAI_AGAIN) is retried.
  if ((err as { cause?: { code?: unknown } })?.cause?.code === 'ENOTFOUND')
    return { reason: 'the source’s host name does not exist', retryable: false };
  const name = (err as { name?: unknown })?.name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return { reason: 'the source took too long to answer', retryable: true };
  return {
    reason: `the source could not be fetched (${causeText || (err as Error)?.message || 'error'})`,
    retryable: true,
  };
}

/** Fetches a Webmention source within `limits`, as text; never throws. */
export async function fetchSource(
  fetch: FetchLike,
  source: string,
  limits: SourceFetchLimits = SOURCE_FETCH_LIMITS,
): Promise<FetchedSource> {
  const r = await fetchBounded(fetch, source, limits, ACCEPT);
  return r.kind === 'ok' ? { ...r, body: r.body.toString('utf8') } : r;
}

/** GETs `source` within `limits` (redirects by hand, one time budget, a byte cap); never throws. */
export async function fetchBounded(
  fetch: FetchLike,
  source: string,
  limits: SourceFetchLimits,
  accept: string,
): Promise<FetchedSource<Buffer>> {
  const at = Date.now() + limits.timeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limits.timeoutMs);
  let url = source;
  try {
    for (let hop = 0; ; hop++) {
      const res = await before(
        fetch(url, {
          method: 'GET',
          redirect: 'manual',
          headers: { Accept: accept },
          signal: controller.signal,
        }),
        at,
      );
      const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
      if (location !== null) {
        res.body?.cancel().catch(() => undefined);
        if (hop >= limits.maxRedirects)
          return { kind: 'failed', reason: `more than ${limits.maxRedirects} redirects`, retryable: false };
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          return { kind: 'failed', reason: 'a redirect to an invalid URL', retryable: false };
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:')
          return { kind: 'failed', reason: `a redirect to a ${next.protocol} URL`, retryable: false };
        url = next.href;
        continue;
      }
      if (res.status < 200 || res.status >= 300) {
        res.body?.cancel().catch(() => undefined);
        const wait = retryAdvice(res, new Date()).retryAfterMs;
        return {
          kind: 'status',
          url,
          status: res.status,
          ...(wait !== undefined ? { retryAfterMs: wait } : {}),
        };
      }
      const declared = Number(res.headers.get('content-length') ?? '');
      if (Number.isFinite(declared) && declared > limits.maxBytes) {
        res.body?.cancel().catch(() => undefined);
        return {
          kind: 'failed',
          reason: `the source is larger than ${limits.maxBytes} bytes`,
          retryable: false,
        };
      }
      const body = await readBody(res, limits.maxBytes, at);
      if (body === 'too-large')
        return {
          kind: 'failed',
          reason: `the source is larger than ${limits.maxBytes} bytes`,
          retryable: false,
        };
      return { kind: 'ok', url, contentType: res.headers.get('content-type'), body };
    }
  } catch (err) {
    return { kind: 'failed', ...describeFailure(err) };
  } finally {
    clearTimeout(timer);
  }
}
