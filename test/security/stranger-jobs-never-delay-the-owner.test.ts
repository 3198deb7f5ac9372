/**
 * Issue 22 item 4 (medium): every job kind shared two slots in strict first-come order, so six
 * mentions whose sources hang held the owner's own outgoing Webmention back for 30 s (and at the
 * moderation cap, for hours), and Mastodon and Bluesky copies and WebSub pings with it. Jobs now run
 * in lanes (src/jobs/lanes.ts): what strangers start (verifying a received mention, fetching its
 * author's photo) has its own two slots and a 30 s limit, apart from the owner's work.
 *
 * Proven with the real runner and real loopback sites: sources that never answer, and a target
 * with a Webmention endpoint. The owner's Webmention must arrive while every hanging source is
 * still held open — not after the verifications gave up on them.
 */
import type http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';
import { publishNote, sendWebmention } from '../helpers/webmention.js';
import { startReceiver } from '../webmention/receiver.js';

let t: TestApp;
let sources: RemoteSite;
let target: Awaited<ReturnType<typeof startReceiver>>;
/** Source requests held open, and how many of them the receiver gave up on. */
let held: http.ServerResponse[];
let abandoned: number;
/** How many source requests had been abandoned when the owner's Webmention arrived. */
let abandonedWhenOwnerArrived: number | undefined;

beforeEach(async () => {
  held = [];
  abandoned = 0;
  abandonedWhenOwnerArrived = undefined;
  sources = await startRemote((_req, _body, res) => {
    held.push(res);
    res.on('close', () => {
      if (!res.writableEnded) abandoned++;
    });
  });
  target = await startReceiver(() => {
    abandonedWhenOwnerArrived ??= abandoned;
    return false;
  });
  t = createTestApp({ ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' }, undefined, { safeFetch: true });
});
afterEach(async () => {
  for (const res of held) if (!res.writableEnded) res.writeHead(410).end();
  await t.app.services.runner.stop();
  t.close();
  await sources.close();
  await target.close();
});

describe('mentions whose sources hang', () => {
  it('never delay the owner’s own Webmention', { timeout: 90_000 }, async () => {
    const mentioned = publishNote(t);
    t.app.services.runner.start();
    for (let i = 0; i < 6; i++) {
      const res = await sendWebmention(t, `${sources.url}hang/${i}`, mentioned.url);
      expect(res.status).toBe(201);
    }
    // The strangers' lane is full: its slots wait on sources that never answer.
    await expect.poll(() => held.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);

    t.notes.createNote({ content: `A reply to [that page](${target.page('a')}).` });
    await expect.poll(() => target.received.length, { timeout: 60_000 }).toBe(1);
    expect(target.received[0]!.target).toBe(target.page('a'));
    // It got there while the hanging sources were still held, not after they were given up.
    expect(abandonedWhenOwnerArrived).toBe(0);
    expect(held.length).toBe(2);
  });
});
