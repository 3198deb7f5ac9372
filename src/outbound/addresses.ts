import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is the IPv4 address it carries: the kernel
 * connects to that IPv4 address, so every check must see it as one.
 */
function unmap(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()
    ? (addr as ipaddr.IPv6).toIPv4Address()
    : addr;
}

function unmapRange([addr, bits]: Range): Range {
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96)
    return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96];
  return [addr, bits];
}

/** True for addresses a server must never be tricked into calling: loopback, private, link-local, … */
export function isPrivateAddress(address: string): boolean {
  return unmap(ipaddr.parse(address)).range() !== 'unicast';
}

/**
 * Parses ALLOWED_PRIVATE_ADDRESSES: comma-separated addresses or CIDR ranges (IPv4, IPv6, IPv4-mapped
 * IPv6). Returns the ranges as normalised CIDR text, or the entries that are neither.
 */
export function parseAddressRanges(text: string): { ranges: string[]; invalid: string[] } {
  const ranges: string[] = [];
  const invalid: string[] = [];
  for (const entry of text.split(',').map((s) => s.trim())) {
    if (entry === '') continue;
    let range: Range | undefined;
    try {
      if (entry.includes('/')) range = ipaddr.parseCIDR(entry);
      else if (ipaddr.isValid(entry)) {
        const addr = ipaddr.parse(entry);
        range = [addr, addr.kind() === 'ipv4' ? 32 : 128];
      }
    } catch {
      range = undefined;
    }
    if (!range) invalid.push(entry);
    else {
      const [addr, bits] = unmapRange(range);
      ranges.push(`${addr.toString()}/${bits}`);
    }
  }
  return { ranges, invalid };
}

/** Which addresses outbound requests may reach: every public one, and the private ones an operator allowed. */
export interface AddressPolicy {
  /** True when a request to this IP address must be refused. */
  refuses(address: string): boolean;
  /** True when some loopback address is allowed (so the name "localhost" is worth resolving). */
  allowsLoopback: boolean;
}

/** Builds the policy from normalised CIDR ranges (see parseAddressRanges); no ranges: every private address refused. */
export function createAddressPolicy(allowed: readonly string[] = []): AddressPolicy {
  const ranges = allowed.map((r) => unmapRange(ipaddr.parseCIDR(r)));
  const isAllowed = (addr: ipaddr.IPv4 | ipaddr.IPv6) =>
    ranges.some(([base, bits]) => base.kind() === addr.kind() && addr.match(base, bits));
  return {
    refuses(address: string): boolean {
      const addr = unmap(ipaddr.parse(address));
      return addr.range() !== 'unicast' && !isAllowed(addr);
    },
    allowsLoopback: isAllowed(ipaddr.parse('127.0.0.1')) || isAllowed(ipaddr.parse('::1')),
  };
}
