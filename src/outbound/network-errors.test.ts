import net from 'node:net';
import { fetch as undiciFetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { describeNetworkError } from './network-errors.js';

/** undici's shape: "fetch failed" with the socket error as its cause. */
const failed = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });

describe('describeNetworkError', () => {
  it('names the cause and the place instead of "fetch failed"', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 203.0.113.7:443'), {
      code: 'ECONNREFUSED',
    });
    expect(describeNetworkError(failed(refused), 'https://bsky.example/xrpc/x')).toBe(
      'connection refused by bsky.example:443',
    );
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND pds.example'), { code: 'ENOTFOUND' });
    expect(describeNetworkError(failed(dns), 'https://pds.example:8443/')).toBe(
      'no such host: pds.example (the name does not resolve)',
    );
    // Several addresses tried (happy eyeballs): an AggregateError whose members carry the code.
    const many = new AggregateError([Object.assign(new Error(''), { code: 'ECONNREFUSED' })], '');
    expect(describeNetworkError(failed(many), 'http://bsky.example/')).toBe(
      'connection refused by bsky.example:80',
    );
    const cert = Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' });
    expect(describeNetworkError(failed(cert), 'https://bsky.example/')).toBe(
      'the TLS certificate of bsky.example has expired',
    );
  });

  it('a timeout, a refusal of the outbound policy, and something unknown', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(describeNetworkError(timeout, 'https://bsky.example/')).toBe(
      'no answer from bsky.example:443 in time',
    );
    expect(describeNetworkError(timeout, 'https://bsky.example/', 30_000)).toBe(
      'no answer from bsky.example:443 within 30 s',
    );
    const policy = Object.assign(new Error('refusing to fetch private address 10.0.0.5'), {
      code: 'forbidden',
    });
    expect(describeNetworkError(policy, 'https://pds.internal/')).toBe(
      'pds.internal:443: refusing to fetch private address 10.0.0.5',
    );
    expect(describeNetworkError(failed(undefined), 'https://bsky.example/')).toBe(
      'bsky.example:443 could not be reached',
    );
    expect(describeNetworkError(failed(undefined), 'https://bsky.example/')).not.toContain('fetch failed');
  });

  it('reads what undici really throws for a closed port', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const err = await undiciFetch(`http://127.0.0.1:${port}/`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as Error).message).toBe('fetch failed');
    expect(describeNetworkError(err, `http://127.0.0.1:${port}/`)).toBe(
      `connection refused by 127.0.0.1:${port}`,
    );
  });
});
