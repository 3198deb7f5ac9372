import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RemoteSite, startRemote } from '../../test/helpers/remote.js';
import { createAddressPolicy, parseAddressRanges } from './addresses.js';
import {
  createSafeFetch,
  isPrivateAddress,
  isReservedName,
  OutboundRefused,
  readLimited,
  readPrefix,
} from './safe-fetch.js';

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

describe('ALLOWED_PRIVATE_ADDRESSES ranges', () => {
  it('parses addresses and CIDR ranges, normalising IPv4-mapped IPv6 to IPv4, and names what is neither', () => {
    expect(parseAddressRanges(' 127.0.0.1, ::1 ,10.0.0.0/8,, ::ffff:192.168.0.0/112, fd00::/8')).toEqual({
      ranges: ['127.0.0.1/32', '::1/128', '10.0.0.0/8', '192.168.0.0/16', 'fd00::/8'],
      invalid: [],
    });
    expect(parseAddressRanges('localhost, 10.0.0.0/33, 300.1.1.1, 10.0.0.0/8').invalid).toEqual([
      'localhost',
      '10.0.0.0/33',
      '300.1.1.1',
    ]);
  });

  it('refuses every private address by default and allows exactly the listed ranges', () => {
    const none = createAddressPolicy();
    expect(none.refuses('127.0.0.1')).toBe(true);
    expect(none.refuses('93.184.216.34')).toBe(false);
    expect(none.allowsLoopback).toBe(false);

    const some = createAddressPolicy(parseAddressRanges('10.1.0.0/16, ::1').ranges);
    expect(some.refuses('10.1.200.3')).toBe(false);
    expect(some.refuses('10.2.0.1')).toBe(true);
    // The same IPv4 address written as IPv4-mapped IPv6 is the same destination.
    expect(some.refuses('::ffff:10.1.0.9')).toBe(false);
    expect(some.refuses('::ffff:10.2.0.9')).toBe(true);
    expect(some.refuses('::1')).toBe(false);
    expect(some.refuses('127.0.0.1')).toBe(true);
    expect(some.allowsLoopback).toBe(true);

    // A mapped range allows the IPv4 addresses it maps.
    const mapped = createAddressPolicy(parseAddressRanges('::ffff:127.0.0.0/104').ranges);
    expect(mapped.refuses('127.9.9.9')).toBe(false);
    expect(mapped.refuses('::ffff:127.0.0.1')).toBe(false);
  });
});

describe('createSafeFetch', () => {
  let site: RemoteSite;
  let port: string;
  beforeAll(async () => {
    site = await startRemote((req, _body, res) => {
      if (req.url === '/hop') {
        res.writeHead(302, { Location: `http://[::ffff:127.0.0.1]:${port}/` });
        return res.end();
      }
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('hello');
    });
    port = new URL(site.url).port;
  });
  afterAll(() => site.close());

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

  it('refuses a loopback server by default and reaches it when its address is allowed', async () => {
    await expect(fetch(site.url)).rejects.toBeInstanceOf(OutboundRefused);
    const allowed = createSafeFetch({ timeoutMs: 2000, allowedPrivateAddresses: ['127.0.0.1/32'] });
    const res = await allowed(site.url);
    expect(await res.text()).toBe('hello');
  });

  it('reaches a loopback server through a CIDR range, and no address outside it', async () => {
    const allowed = createSafeFetch({
      timeoutMs: 2000,
      allowedPrivateAddresses: parseAddressRanges('127.0.0.0/8').ranges,
    });
    expect((await allowed(site.url)).status).toBe(200);
    await expect(allowed('http://10.0.0.1/')).rejects.toThrow(/refusing to fetch private address 10.0.0.1/);
    await expect(allowed('http://[::1]:1/')).rejects.toThrow(/refusing/);
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address it carries, also after a redirect', async () => {
    // Refused when only the mapped form would slip past a check that looked at IPv6 ranges only.
    await expect(fetch(`http://[::ffff:127.0.0.1]:${port}/`)).rejects.toThrow(/refusing/);
    const onlyOther = createSafeFetch({ allowedPrivateAddresses: ['::1/128'] });
    await expect(onlyOther(`http://[::ffff:127.0.0.1]:${port}/`)).rejects.toThrow(/refusing/);
    const allowed = createSafeFetch({ timeoutMs: 2000, allowedPrivateAddresses: ['127.0.0.1/32'] });
    expect(await (await allowed(`http://[::ffff:127.0.0.1]:${port}/`)).text()).toBe('hello');
    // Redirected to the mapped form from an allowed address: the new hop is checked again.
    expect(await (await allowed(`${site.url}hop`)).text()).toBe('hello');
    const justV4 = createSafeFetch({ allowedPrivateAddresses: ['127.0.0.1/32'] });
    expect((await justV4(`${site.url}hop`)).status).toBe(200);
  });

  it('resolves "localhost" only when loopback is allowed, and checks every address it resolves to', async () => {
    const both = createSafeFetch({ timeoutMs: 2000, allowedPrivateAddresses: ['127.0.0.1/32', '::1/128'] });
    expect(await (await both(`http://localhost:${port}/`)).text()).toBe('hello');
    const none = createSafeFetch({ allowedPrivateAddresses: ['10.0.0.0/8'] });
    await expect(none(`http://localhost:${port}/`)).rejects.toThrow(/refusing to fetch localhost/);
  });
});

describe('reading bodies', () => {
  it('readPrefix keeps the first bytes of a long body; readLimited refuses it', async () => {
    const body = () => new Response('x'.repeat(5000));
    expect(await readPrefix(body(), 100)).toEqual({ text: 'x'.repeat(100), truncated: true });
    expect(await readPrefix(body(), 5000)).toEqual({ text: 'x'.repeat(5000), truncated: false });
    await expect(readLimited(body(), 4999)).rejects.toThrow(/larger than 4999 bytes/);
    expect(await readLimited(body(), 5000)).toHaveLength(5000);
  });
});

describe('names reserved for examples and tests', () => {
  it('are refused before any DNS query', async () => {
    const fetch = createSafeFetch({ allowedPrivateAddresses: ['0.0.0.0/0'] });
    for (const url of [
      'https://example.com/post',
      'https://www.example.org/',
      'http://example.net',
      'https://site.example/',
      'https://client.test/',
      'https://nowhere.invalid/',
    ]) {
      await expect(fetch(url), url).rejects.toThrow(/reserved for examples and tests/);
    }
    expect(isReservedName('examples.com')).toBe(false);
    expect(isReservedName('notexample.com')).toBe(false);
    expect(isReservedName('test.com')).toBe(false);
  });
});
