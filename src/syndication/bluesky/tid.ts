/**
 * Record keys for posts: app.bsky.feed.post records are keyed by a TID
 * (https://atproto.com/specs/tid: 13 base32-sortable characters of a 64-bit number, top bit 0,
 * 53 bits of microseconds and 10 bits of clock id). StarPunk derives the TID from the copy's
 * remote key (`syndicate:<installation>:<note>:<account>`, unique to the site: ADR 0013), so a
 * retried copy after a crash writes to the same key: the adapter finds the record already there
 * instead of posting twice.
 */
import { createHash } from 'node:crypto';

const ALPHABET = '234567abcdefghijklmnopqrstuvwxyz';

// The derived timestamps lie in a window of about 12.7 days from 2023-11-14: a valid, past TID.
// The timestamp orders nothing people see (clients show the record's createdAt).
const BASE_MICROS = 1_700_000_000_000_000n;
const WINDOW_BITS = 40n;

/** Encodes a 63-bit number as a TID. */
export function encodeTid(value: bigint): string {
  let out = '';
  let v = value;
  for (let i = 0; i < 13; i++) {
    out = ALPHABET[Number(v & 31n)] + out;
    v >>= 5n;
  }
  return out;
}

/** The TID this idempotency key always maps to. */
export function tidFromKey(key: string): string {
  const h = createHash('sha256').update(key).digest();
  const micros = BASE_MICROS + (h.readBigUInt64BE(0) & ((1n << WINDOW_BITS) - 1n));
  const clockId = BigInt(h.readUInt16BE(8) & 0x3ff);
  return encodeTid((micros << 10n) | clockId);
}

/** True for a syntactically valid TID. */
export function isTid(s: string): boolean {
  return /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/.test(s);
}
