/**
 * The receiver's own limits (W3C Webmention §4 Security Considerations): a rate per source host,
 * answered 429 with Retry-After, and a cap on what may wait for moderation from one host.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RECEIVE_LIMITS } from '../../src/webmention/receive.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { publishNote, sendWebmention } from '../helpers/webmention.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

describe('rate limit per source host', () => {
  it(`accepts ${RECEIVE_LIMITS.perHostPerMinute} a minute from one host, then 429 with Retry-After; other hosts are unaffected`, async () => {
    const note = publishNote(t);
    for (let i = 0; i < RECEIVE_LIMITS.perHostPerMinute; i++) {
      const res = await sendWebmention(t, `https://spam.example/p/${i}`, note.url);
      expect(res.status, `request ${i}`).toBe(201);
    }
    const over = await sendWebmention(t, 'https://spam.example/p/over', note.url);
    expect(over.status).toBe(429);
    const wait = Number(over.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect(await over.json()).toMatchObject({ error: 'rate_limited' });
    // Subdomains count as their own host; another site is not slowed down by this one.
    expect((await sendWebmention(t, 'https://alice.example/p', note.url)).status).toBe(201);
    t.clock.advance(61_000);
    expect((await sendWebmention(t, 'https://spam.example/p/later', note.url)).status).toBe(201);
  });
});

describe('cap on mentions waiting for moderation', () => {
  it(`refuses a new mention from a host with ${RECEIVE_LIMITS.pendingPerHost} waiting; updates still pass`, async () => {
    const note = publishNote(t);
    for (let i = 0; i < RECEIVE_LIMITS.pendingPerHost; i++) {
      if (i > 0 && i % RECEIVE_LIMITS.perHostPerMinute === 0) t.clock.advance(61_000);
      expect((await sendWebmention(t, `https://busy.example/p/${i}`, note.url)).status).toBe(201);
    }
    t.clock.advance(61_000);
    const over = await sendWebmention(t, 'https://busy.example/p/new', note.url);
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('3600');
    expect(((await over.json()) as { error_description: string }).error_description).toMatch(
      /waiting for moderation/,
    );
    // The same source again is an update of what is stored, not one more row.
    expect((await sendWebmention(t, 'https://busy.example/p/0', note.url)).status).toBe(201);
  });
});
