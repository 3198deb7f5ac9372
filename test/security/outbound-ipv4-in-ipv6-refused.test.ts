/**
 * Issue 22 item 6: an IPv4 address written inside an IPv6 one was read as a public IPv6 address.
 * `[::127.0.0.1]` (IPv4-compatible, RFC 4291 §2.5.5.1; the URL parser spells it `[::7f00:1]`) and
 * NAT64's well-known prefix (`64:ff9b::/96`, RFC 6052) both carry an IPv4 address that a tunnel or
 * a NAT64 gateway may deliver to: each is now checked as the IPv4 address it carries, like the
 * IPv4-mapped form (`::ffff:`) already was. Checked on the address policy and on the safe fetch
 * itself, which must refuse before any byte leaves.
 */
import { describe, expect, it } from 'vitest';
import { createAddressPolicy, isPrivateAddress, parseAddressRanges } from '../../src/outbound/addresses.js';
import { createSafeFetch, OutboundRefused } from '../../src/outbound/safe-fetch.js';

const EMBEDDING_PRIVATE = [
  '::127.0.0.1',
  '::7f00:1',
  '::10.0.0.1',
  '::192.168.1.20',
  '::169.254.169.254',
  '::ffff:127.0.0.1',
  '64:ff9b::127.0.0.1',
  '64:ff9b::7f00:1',
  '64:ff9b::10.1.2.3',
  '64:ff9b::169.254.169.254',
];

describe('IPv6 addresses that carry an IPv4 address', () => {
  it('are private when the IPv4 address they carry is', () => {
    for (const a of EMBEDDING_PRIVATE) expect(isPrivateAddress(a), a).toBe(true);
    const policy = createAddressPolicy();
    for (const a of EMBEDDING_PRIVATE) expect(policy.refuses(a), a).toBe(true);
  });

  it('are public through NAT64 when the IPv4 address is public; :: and ::1 stay what they are', () => {
    expect(isPrivateAddress('64:ff9b::93.184.216.34')).toBe(false);
    expect(isPrivateAddress('::')).toBe(true);
    expect(isPrivateAddress('::1')).toBe(true);
  });

  it('are allowed by the IPv4 range an operator allowed, and by nothing else', () => {
    const policy = createAddressPolicy(parseAddressRanges('127.0.0.1').ranges);
    expect(policy.refuses('::127.0.0.1')).toBe(false);
    expect(policy.refuses('64:ff9b::127.0.0.1')).toBe(false);
    expect(policy.refuses('::10.0.0.1')).toBe(true);
  });

  for (const host of ['[::127.0.0.1]', '[::7f00:1]', '[64:ff9b::127.0.0.1]']) {
    it(`the safe fetch refuses http://${host}/ before connecting`, async () => {
      const fetch = createSafeFetch({ timeoutMs: 2000 });
      await expect(fetch(`http://${host}:8080/`)).rejects.toBeInstanceOf(OutboundRefused);
    });
  }
});
