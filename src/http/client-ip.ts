import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import ipaddr from 'ipaddr.js';

/**
 * The first address of an X-Forwarded-For value, when it is a valid IP address (ports and IPv6
 * brackets removed); undefined otherwise, so a garbled header never becomes a rate-limit key.
 */
export function firstForwardedFor(header: string | undefined): string | undefined {
  let first = header?.split(',')[0]?.trim();
  if (!first) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(first);
  if (bracketed) first = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(first)) first = first.slice(0, first.lastIndexOf(':'));
  const valid = ipaddr.IPv4.isValidFourPartDecimal(first) || ipaddr.IPv6.isValid(first);
  return valid ? ipaddr.process(first).toString() : undefined;
}

/**
 * The client's address: the socket's, or X-Forwarded-For's first hop when TRUST_PROXY is on.
 * With TRUST_PROXY off every X-Forwarded-* header is ignored: any client could send them.
 */
export function clientIp(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = firstForwardedFor(c.req.header('x-forwarded-for'));
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // In-process requests (tests) have no socket.
    return 'unknown';
  }
}
