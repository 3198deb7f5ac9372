import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { AppError } from '../lib/errors.js';
import { createAddressPolicy } from './addresses.js';

export { isPrivateAddress } from './addresses.js';

/** The fetch the application uses for outbound requests (injected, so tests can use loopback). */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** A request the SSRF rules refused before any byte left (scheme, private address, too many redirects). */
export class OutboundRefused extends AppError {
  constructor(message: string) {
    super('invalid_request', message);
    this.name = 'OutboundRefused';
  }
}

const MAX_REDIRECTS = 5;

/** Options of the SSRF-safe fetch. */
export interface SafeFetchOptions {
  /** Per request (each redirect hop), body included; a caller's own `signal` may cut it shorter. */
  timeoutMs?: number;
  /** Normalised CIDR ranges of private addresses that may be reached (ALLOWED_PRIVATE_ADDRESSES). */
  allowedPrivateAddresses?: readonly string[];
}

/**
 * An SSRF-safe fetch: http(s) only, every hop's address checked (IP literals directly, names at
 * DNS lookup time so a rebinding answer is caught too), redirects followed by hand and re-checked
 * (or, with `redirect: 'manual'`, returned to the caller), a timeout on every request. Private,
 * loopback and link-local addresses are refused unless an operator allowed them.
 */
/**
 * Names that never belong to a real site (RFC 2606, RFC 6761): the .test, .example and .invalid
 * top-level domains and example.com/.net/.org. Refused without a DNS query: a Webmention or a
 * reply context for them is pointless, and a test suite full of them must not query a resolver.
 */
export function isReservedName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return /(^|\.)(test|example|invalid)$/.test(h) || /(^|\.)example\.(com|net|org)$/.test(h);
}

export function createSafeFetch(options: SafeFetchOptions = {}): FetchLike {
  const policy = createAddressPolicy(options.allowedPrivateAddresses);
  const agent = new Agent({
    connect: {
      lookup: (hostname, opts, callback) => {
        dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
          if (err) return callback(err, '', 4);
          const list = addresses as unknown as { address: string; family: number }[];
          const bad = list.find((a) => policy.refuses(a.address));
          if (bad)
            return callback(
              new OutboundRefused(`refusing to connect to private address ${bad.address}`),
              '',
              4,
            );
          if ((opts as { all?: boolean }).all)
            return (callback as unknown as (e: null, a: unknown) => void)(null, list);
          const first = list[0]!;
          callback(null, first.address, first.family);
        });
      },
    },
  });
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async (input, init = {}) => {
    let url = new URL(input);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new OutboundRefused(`refusing to fetch ${url.protocol} URL`);
      }
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) && policy.refuses(host))
        throw new OutboundRefused(`refusing to fetch private address ${host}`);
      // A loopback name is refused before resolving unless loopback was allowed; then the
      // addresses it resolves to are checked like any other name's.
      if ((host === 'localhost' || host.endsWith('.localhost')) && !policy.allowsLoopback)
        throw new OutboundRefused('refusing to fetch localhost');
      if (isReservedName(host))
        throw new OutboundRefused(`refusing to fetch ${host}: a name reserved for examples and tests`);
      const timeout = AbortSignal.timeout(timeoutMs);
      let res: Response;
      try {
        res = (await undiciFetch(url, {
          ...(init as object),
          redirect: 'manual',
          dispatcher: agent,
          signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout,
        })) as unknown as Response;
      } catch (err) {
        // undici wraps what the lookup refused in "fetch failed": hand the refusal itself on.
        const cause = (err as { cause?: unknown }).cause;
        if (cause instanceof OutboundRefused) throw cause;
        throw err;
      }
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        // redirect: 'manual' hands the redirect to the caller, which decides where it may lead.
        if (init.redirect === 'manual') return res;
        await res.body?.cancel().catch(() => {});
        url = new URL(res.headers.get('location')!, url);
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && init.method === 'POST')) {
          init = { ...init, method: 'GET', body: undefined };
        }
        continue;
      }
      return res;
    }
    throw new OutboundRefused('too many redirects');
  };
}

/** Reads a response body as text, refusing more than `maxBytes`. */
export async function readLimited(res: Response, maxBytes = 1024 * 1024): Promise<string> {
  const { text, truncated } = await readPrefix(res, maxBytes);
  if (truncated) throw new AppError('invalid_request', `response larger than ${maxBytes} bytes`);
  return text;
}

/**
 * Reads at most `maxBytes` of a response body as UTF-8 and cancels the rest: for callers that can
 * work with the beginning of a document (a `<head>`), where a huge page is no reason to fail.
 */
export async function readPrefix(
  res: Response,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  const reader = res.body?.getReader();
  if (!reader) return { text: '', truncated: false };
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - total));
      await reader.cancel().catch(() => {});
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    total += value.byteLength;
    chunks.push(value);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}
