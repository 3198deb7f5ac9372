import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { AppError } from '../errors.js';

/** The fetch the application uses for outbound requests (injected, so tests can use loopback). */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** True for addresses a server must never be tricked into calling: loopback, private, link-local, … */
export function isPrivateAddress(address: string): boolean {
  let addr = ipaddr.parse(address);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress())
    addr = (addr as ipaddr.IPv6).toIPv4Address();
  return addr.range() !== 'unicast';
}

const MAX_REDIRECTS = 5;

/**
 * An SSRF-safe fetch: http(s) only, every hop's address checked (IP literals directly, names at
 * DNS lookup time so a rebinding answer is caught too), redirects followed by hand and re-checked
 * (or, with `redirect: 'manual'`, returned to the caller), a timeout on every request.
 */
export function createSafeFetch(options: { timeoutMs?: number } = {}): FetchLike {
  const agent = new Agent({
    connect: {
      lookup: (hostname, opts, callback) => {
        dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
          if (err) return callback(err, '', 4);
          const list = addresses as unknown as { address: string; family: number }[];
          const bad = list.find((a) => isPrivateAddress(a.address));
          if (bad) return callback(new Error(`refusing to connect to private address ${bad.address}`), '', 4);
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
        throw new AppError('invalid_request', `refusing to fetch ${url.protocol} URL`);
      }
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) && isPrivateAddress(host))
        throw new AppError('invalid_request', `refusing to fetch private address ${host}`);
      if (host === 'localhost' || host.endsWith('.localhost'))
        throw new AppError('invalid_request', 'refusing to fetch localhost');
      const res = (await undiciFetch(url, {
        ...(init as object),
        redirect: 'manual',
        dispatcher: agent,
        signal: AbortSignal.timeout(timeoutMs),
      })) as unknown as Response;
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        // redirect: 'manual' hands the redirect to the caller, which decides where it may lead.
        if (init.redirect === 'manual') return res;
        url = new URL(res.headers.get('location')!, url);
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && init.method === 'POST')) {
          init = { ...init, method: 'GET', body: undefined };
        }
        continue;
      }
      return res;
    }
    throw new AppError('invalid_request', 'too many redirects');
  };
}

/** Reads a response body as text, refusing more than `maxBytes`. */
export async function readLimited(res: Response, maxBytes = 1024 * 1024): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new AppError('invalid_request', `response larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
