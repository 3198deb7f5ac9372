import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RemoteSite, startRemote } from '../../test/helpers/remote.js';
import {
  capRetryAfter,
  isRetryableError,
  isRetryableStatus,
  MAX_RETRY_AFTER_MS,
  parseHttpDate,
  parseRetryAfter,
  retryAdvice,
  userAgent,
  withUserAgent,
} from './policy.js';
import { OutboundRefused } from './safe-fetch.js';

const NOW = new Date('2026-12-01T10:00:00.000Z');

describe('the status-to-retry table', () => {
  it('retries 408, 425, 429 and every 5xx; anything else is final', () => {
    for (const s of [408, 425, 429, 500, 501, 502, 503, 504, 599])
      expect(isRetryableStatus(s), String(s)).toBe(true);
    for (const s of [200, 204, 301, 304, 307, 400, 401, 403, 404, 405, 409, 410, 413, 422, 451, 600])
      expect(isRetryableStatus(s), String(s)).toBe(false);
  });
});

describe('Retry-After: one rule', () => {
  it('reads delay seconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
  });

  it('reads each of the three HTTP-date forms, in GMT', () => {
    expect(parseRetryAfter('Tue, 01 Dec 2026 10:05:00 GMT', NOW)).toBe(300_000);
    expect(parseRetryAfter('Tuesday, 01-Dec-26 10:05:00 GMT', NOW)).toBe(300_000);
    expect(parseRetryAfter('Tue Dec  1 10:05:00 2026', NOW)).toBe(300_000);
  });

  it('a date in the past means no wait', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(0);
  });

  it('is capped at a day, as seconds or as a date', () => {
    expect(MAX_RETRY_AFTER_MS).toBe(24 * 3600_000);
    expect(parseRetryAfter('31536000', NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('99999999999999999999999', NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('Fri, 01 Jan 2100 00:00:00 GMT', NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(capRetryAfter(-5)).toBe(0);
  });

  it('anything else is undefined: the queue’s own backoff applies', () => {
    for (const v of [
      null,
      undefined,
      '',
      '  ',
      '-5',
      '1.5',
      '0x10',
      '1e3',
      'soon',
      '2026-12-01T10:05:00Z',
      '12/01/2026',
      'Tue, 01 Dec 2026 10:05:00 +0000',
      'Tue, 31 Feb 2026 10:05:00 GMT',
      'Tue, 01 Dec 2026 25:05:00 GMT',
      'Tue, 01 Foo 2026 10:05:00 GMT',
    ])
      expect(parseRetryAfter(v, NOW), String(v)).toBeUndefined();
  });

  it('reads a two-digit RFC 850 year as the nearest one not more than 50 years ahead', () => {
    expect(new Date(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', NOW)!).toISOString()).toBe(
      '1994-11-06T08:49:37.000Z',
    );
    expect(new Date(parseHttpDate('Sunday, 06-Nov-50 08:49:37 GMT', NOW)!).getUTCFullYear()).toBe(2050);
  });
});

describe('retryAdvice', () => {
  const answer = (status: number, headers: Record<string, string> = {}) => ({
    status,
    headers: new Headers(headers),
  });

  it('retries what the table retries, waiting as long as Retry-After says', () => {
    expect(retryAdvice(answer(503, { 'retry-after': '60' }), NOW)).toEqual({
      retryable: true,
      retryAfterMs: 60_000,
    });
    expect(retryAdvice(answer(408, { 'retry-after': '5' }), NOW)).toEqual({
      retryable: true,
      retryAfterMs: 5000,
    });
    expect(retryAdvice(answer(429), NOW)).toEqual({ retryable: true });
    expect(retryAdvice(answer(500, { 'retry-after': 'later' }), NOW)).toEqual({ retryable: true });
  });

  it('a final answer is final, whatever Retry-After it carries', () => {
    expect(retryAdvice(answer(404, { 'retry-after': '60' }), NOW)).toEqual({ retryable: false });
  });
});

describe('a request that got no answer', () => {
  it('is final when the address was refused or the host name does not exist, retried otherwise', () => {
    const refused = new OutboundRefused('refusing to connect to private address 10.0.0.1');
    expect(isRetryableError(refused)).toBe(false);
    expect(isRetryableError(new TypeError('fetch failed', { cause: refused }))).toBe(false);
    const nxdomain = Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.example'), { code: 'ENOTFOUND' });
    expect(isRetryableError(new TypeError('fetch failed', { cause: nxdomain }))).toBe(false);
    const again = Object.assign(new Error('getaddrinfo EAI_AGAIN slow.example'), { code: 'EAI_AGAIN' });
    expect(isRetryableError(new TypeError('fetch failed', { cause: again }))).toBe(true);
    expect(isRetryableError(new DOMException('The operation timed out.', 'TimeoutError'))).toBe(true);
  });
});

describe('User-Agent', () => {
  let remote: RemoteSite;
  let seen: (string | undefined)[] = [];
  beforeAll(async () => {
    remote = await startRemote((req, _body, res) => {
      seen.push(req.headers['user-agent']);
      res.writeHead(204).end();
    });
  });
  afterAll(() => remote.close());

  it('names the version, the purpose and the site', () => {
    expect(userAgent('1.2.3', 'Webmention', 'https://example.com/')).toBe(
      'StarPunk/1.2.3 (Webmention; +https://example.com/)',
    );
  });

  it('is sent with every request of a fetch wrapped with it, unless the request names its own', async () => {
    seen = [];
    const fetch = withUserAgent(globalThis.fetch, 'StarPunk/1.2.3 (WebSub; +https://example.com/)');
    await fetch(remote.url);
    await fetch(remote.url, { headers: { Accept: 'text/html' } });
    await fetch(remote.url, { headers: [['User-Agent', 'Custom/1']] });
    expect(seen).toEqual([
      'StarPunk/1.2.3 (WebSub; +https://example.com/)',
      'StarPunk/1.2.3 (WebSub; +https://example.com/)',
      'Custom/1',
    ]);
  });
});
