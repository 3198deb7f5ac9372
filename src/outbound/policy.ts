/**
 * How StarPunk behaves toward other sites, in one place: the User-Agent every request names, the
 * one reading of Retry-After, and which answers are worth asking again. Every feature that talks
 * to other sites (Webmention in and out, WebSub, syndication, reply context) takes its rules from
 * here, so two features never disagree about a 408 or wait differently for the same header.
 */
import { type FetchLike, OutboundRefused } from './safe-fetch.js';

/** The longest wait a Retry-After may ask for: a longer one (or a date further off) is read as this. */
export const MAX_RETRY_AFTER_MS = 24 * 3600_000;

/**
 * The User-Agent of a request made for `purpose`: `StarPunk/<version> (<purpose>; +<site>)`, the
 * form crawlers use, so that whoever reads their logs can find the site and who runs it.
 */
export function userAgent(version: string, purpose: string, siteUrl: string): string {
  return `StarPunk/${version} (${purpose}; +${siteUrl})`;
}

/** `fetch` with this User-Agent on every request that does not name its own. */
export function withUserAgent(fetch: FetchLike, agent: string): FetchLike {
  return (url, init = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has('user-agent')) headers.set('user-agent', agent);
    return fetch(url, { ...init, headers });
  };
}

/**
 * True when asking again later may get another answer: 408 Request Timeout, 425 Too Early,
 * 429 Too Many Requests and every 5xx. Any other status (a 4xx, a redirect nobody followed) is
 * the remote's final word; asking again would only repeat it.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || (status >= 500 && status <= 599);
}

/** A wait the remote asked for, kept between none and MAX_RETRY_AFTER_MS. */
export function capRetryAfter(ms: number): number {
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.round(ms)));
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_WEEKDAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
/** IMF-fixdate, the form senders must use: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = new RegExp(`^${WEEKDAY}, (\\d{2}) ([A-Za-z]{3}) (\\d{4}) ${TIME} GMT$`);
/** The obsolete RFC 850 form: `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC850_DATE = new RegExp(`^${LONG_WEEKDAY}, (\\d{2})-([A-Za-z]{3})-(\\d{2}) ${TIME} GMT$`);
/** C's asctime() form: `Sun Nov  6 08:49:37 1994` (in GMT, though it does not say so). */
const ASCTIME_DATE = new RegExp(`^${WEEKDAY} ([A-Za-z]{3}) ([ \\d]\\d) ${TIME} (\\d{4})$`);

/** The epoch milliseconds of a valid date and time in UTC, or undefined. */
function utc(year: number, monthName: string, day: number, h: number, m: number, s: number) {
  const month = MONTHS.indexOf(monthName.toLowerCase());
  if (month < 0 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60) return undefined;
  const at = Date.UTC(year, month, day, h, m, Math.min(s, 59));
  // 31 Feb is not a date: Date.UTC would roll it into March.
  return new Date(at).getUTCDate() === day ? at : undefined;
}

/**
 * Reads an HTTP-date (RFC 9110 §5.6.7) in any of its three forms, or undefined. A two-digit year
 * more than 50 years ahead is the latest past year with those digits, as §5.6.7 says.
 */
export function parseHttpDate(value: string, now: Date = new Date()): number | undefined {
  let m = IMF_FIXDATE.exec(value);
  if (m) return utc(Number(m[3]), m[2]!, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = RFC850_DATE.exec(value);
  if (m) {
    const century = Math.floor(now.getUTCFullYear() / 100) * 100;
    let year = century + Number(m[3]);
    if (year > now.getUTCFullYear() + 50) year -= 100;
    return utc(year, m[2]!, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = ASCTIME_DATE.exec(value);
  if (m) return utc(Number(m[6]), m[1]!, Number(m[2]!.trim()), Number(m[3]), Number(m[4]), Number(m[5]));
  return undefined;
}

/**
 * The wait a Retry-After header asks for (RFC 9110 §10.2.3), in milliseconds from `now`: delay
 * seconds (digits only) or an HTTP-date; a date in the past means no wait. Capped at
 * MAX_RETRY_AFTER_MS, so a remote cannot park a job for a year. Anything else (a negative or
 * fractional number, a date in another format, an empty header) is undefined: the queue's own
 * backoff applies.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return capRetryAfter(Number(v) * 1000);
  const at = parseHttpDate(v, now);
  return at === undefined ? undefined : capRetryAfter(at - now.getTime());
}

/** What an answer that was not a success means for the work that asked. */
export interface RetryAdvice {
  /** Asking again later may help (isRetryableStatus). */
  retryable: boolean;
  /** How long the remote asked to be left alone, when it said so on an answer worth retrying. */
  retryAfterMs?: number;
}

/** How to retry after this answer: its status decides whether, its Retry-After how soon. */
export function retryAdvice(res: { status: number; headers: Headers }, now: Date): RetryAdvice {
  if (!isRetryableStatus(res.status)) return { retryable: false };
  const wait = parseRetryAfter(res.headers.get('retry-after'), now);
  return wait === undefined ? { retryable: true } : { retryable: true, retryAfterMs: wait };
}

/**
 * True when a request that threw (no answer at all) may succeed later: a timeout, a reset, a
 * resolver that failed. Not when the SSRF rules refused the address (it will still be private)
 * or the host name does not exist (NXDOMAIN: an invented name costs one lookup, not every attempt).
 */
export function isRetryableError(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (err instanceof OutboundRefused || cause instanceof OutboundRefused) return false;
  if (typeof cause?.message === 'string' && /refusing to connect to private address/.test(cause.message))
    return false;
  return cause?.code !== 'ENOTFOUND';
}
