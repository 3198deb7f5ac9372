import { JobError } from '../jobs/queue.js';
import { isRetryableError, retryAdvice } from '../outbound/policy.js';
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

/**
 * The failure an HTTP answer means, by the outbound policy: 408, 425, 429 and 5xx may pass (and
 * say when in Retry-After), any other status will not change by asking again.
 */
export function failureFromStatus(res: Response, who: string, now: Date = new Date()): DeliveryError {
  const advice = retryAdvice(res, now);
  return new DeliveryError(`${who} answered HTTP ${res.status}`, { ...advice, status: res.status });
}

/**
 * The failure a thrown error means, by the outbound policy: refused by the SSRF rules or a host
 * name that does not exist (final), timed out or unreachable (retried).
 */
export function failureFor(err: unknown, what: string): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (err instanceof OutboundRefused)
    return new DeliveryError(`${what}: ${err.message}`, { retryable: false });
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return new DeliveryError(`${what}: timed out`, { retryable: true, cause: err });
  const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return new DeliveryError(`${what}: ${detail}`, { retryable: isRetryableError(err), cause: err });
}
