/**
 * Notifying a receiver (Webmention §3.1.3): POST `source` and `target`, form-encoded, to the
 * endpoint exactly as discovered (its query string stays in the URL, never in the body). Any 2xx
 * is a success; a 201 or 202 may name a status page in `Location`.
 */
import { type FetchLike, readPrefix } from '../outbound/safe-fetch.js';
import { DeliveryError, failureFor, failureFromStatus } from './failures.js';

/** Time for one notification, every hop included. */
export const NOTIFY_TIMEOUT_MS = 20_000;

/** How many 307/308 redirects a notification follows (each re-posts the same body). */
const MAX_POST_REDIRECTS = 3;

/** What the receiver answered. */
export interface Notification {
  endpoint: string;
  status: number;
  /** The status page a 201/202 named, if any. */
  location: string | undefined;
}

/** Sends one Webmention; throws a DeliveryError (with the status when there was one) unless it got a 2xx. */
export async function notifyEndpoint(
  endpoint: string,
  source: string,
  target: string,
  options: { fetch: FetchLike; timeoutMs?: number },
): Promise<Notification> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? NOTIFY_TIMEOUT_MS);
  const body = new URLSearchParams({ source, target }).toString();
  let url = endpoint;
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await options.fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'text/html, application/json;q=0.9, */*;q=0.1',
        },
        body,
        // Redirects of a POST are decided here: 307/308 keep method and body, the others would
        // turn the notification into a GET that tells the receiver nothing.
        redirect: 'manual',
        signal,
      });
    } catch (err) {
      throw failureFor(err, 'notification');
    }
    const location = res.headers.get('location');
    if ((res.status === 307 || res.status === 308) && location && hop < MAX_POST_REDIRECTS) {
      await res.body?.cancel().catch(() => {});
      url = new URL(location, url).toString();
      continue;
    }
    // What the receiver says is not needed, but reading a little lets the connection be reused.
    await readPrefix(res, 16 * 1024).catch(() => undefined);
    if (res.status >= 200 && res.status <= 299) {
      // Kept only as an http(s) URL: the admin shows it as a link.
      let statusPage: string | undefined;
      try {
        const u = location ? new URL(location, url) : undefined;
        statusPage = u && (u.protocol === 'http:' || u.protocol === 'https:') ? u.toString() : undefined;
      } catch {
        statusPage = undefined;
      }
      return { endpoint: url, status: res.status, location: statusPage };
    }
    if (res.status >= 300 && res.status <= 399)
      throw new DeliveryError(
        `the endpoint redirected with HTTP ${res.status}; a Webmention is only re-sent on 307/308`,
        {
          retryable: false,
          status: res.status,
        },
      );
    throw failureFromStatus(res, 'the endpoint');
  }
}
