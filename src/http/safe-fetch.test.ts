import { describe, expect, it } from 'vitest';
import { createSafeFetch, isPrivateAddress } from './safe-fetch.js';

describe('isPrivateAddress', () => {
  it('flags loopback, private, link-local, unspecified and IPv4-mapped addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fc00::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '100.64.0.1',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '8.8.8.8'])
      expect(isPrivateAddress(a), a).toBe(false);
  });
});

describe('createSafeFetch', () => {
  const fetch = createSafeFetch({ timeoutMs: 2000 });
  it('refuses loopback and private IP literals, localhost and non-http schemes before connecting', async () => {
    for (const url of [
      'http://127.0.0.1:1/',
      'http://[::1]:1/',
      'http://[::ffff:127.0.0.1]:1/',
      'http://10.0.0.1/',
      'http://localhost:1/',
      'http://a.localhost/',
      'file:///etc/passwd',
      'ftp://example.com/',
    ]) {
      await expect(fetch(url), url).rejects.toThrow(/refusing/);
    }
  });
});
