import { JobError } from '../jobs/queue.js';
import { OutboundRefused } from '../outbound/safe-fetch.js';

/** A failed discovery or notification: how the queue should retry it, and the HTTP status if one came. */
export class DeliveryError extends JobError {
  readonly status: number | undefined;
  constructor(
    message: string,
    options: { retryable: boolean; retryAfterMs?: number; status?: number; cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeliveryError';
    this.status = options.status;
  }
}

/** The longest wait a Retry-After may ask for (a day); a larger value is read as this. */
const MAX_RETRY_AFTER_MS = 24 * 3600_000;

/** Reads Retry-After (seconds or an HTTP date) as milliseconds from `now`, or undefined. */
export function retryAfterMs(value: string | null, now: Date = new Date()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  const ms = /^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v) - now.getTime();
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/**
 * The failure an HTTP answer means: 408, 429 and 5xx may pass (429 and 503 say when), any other
 * status will not change by asking again.
 */
export function failureFromStatus(res: Response, who: string): DeliveryError {
  const status = res.status;
  const retryable = status === 408 || status === 429 || status >= 500;
  const wait = status === 429 || status === 503 ? retryAfterMs(res.headers.get('retry-after')) : undefined;
  return new DeliveryError(`${who} answered HTTP ${status}`, {
    retryable,
    status,
    ...(wait !== undefined ? { retryAfterMs: wait } : {}),
  });
}

/** The failure a thrown error means: refused by the SSRF rules (final), timed out or unreachable (retried). */
export function failureFor(err: unknown, what: string): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (err instanceof OutboundRefused)
    return new DeliveryError(`${what}: ${err.message}`, { retryable: false });
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return new DeliveryError(`${what}: timed out`, { retryable: true, cause: err });
  const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return new DeliveryError(`${what}: ${detail}`, { retryable: true, cause: err });
}
