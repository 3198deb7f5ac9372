import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

// IPv4-compatible addresses (::a.b.c.d, RFC 4291 §2.5.5.1, deprecated) and NAT64's well-known
// prefix (64:ff9b::a.b.c.d, RFC 6052 §2.1): the last 32 bits are an IPv4 address that a tunnel or a
// NAT64 gateway may deliver to.
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96') as [ipaddr.IPv6, number];
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96') as [ipaddr.IPv6, number];

/** The IPv4 address an IPv6 address carries (mapped, compatible or NAT64), or undefined. */
function embeddedIPv4(addr: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  if (addr.isIPv4MappedAddress()) return addr.toIPv4Address();
  const [hi, lo] = [addr.parts[6]!, addr.parts[7]!];
  // :: and ::1 are the unspecified and loopback addresses, not IPv4-compatible ones.
  const compatible = addr.match(IPV4_COMPATIBLE) && !(hi === 0 && lo <= 1);
  if (!compatible && !addr.match(NAT64)) return undefined;
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

/**
 * An IPv6 address that carries an IPv4 address (::ffff:127.0.0.1, ::127.0.0.1, 64:ff9b::127.0.0.1)
 * is the IPv4 address it carries: that is where the packets end up, so every check must see it as one.
 */
function unmap(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return (addr.kind() === 'ipv6' && embeddedIPv4(addr as ipaddr.IPv6)) || addr;
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
