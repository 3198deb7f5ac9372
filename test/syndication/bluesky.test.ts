import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { JobError } from '../../src/jobs/queue.js';
import {
  type BlueskySecrets,
  connectBluesky,
  createBlueskyAdapter,
  graphemeLength,
  MAX_BLOB_BYTES,
} from '../../src/syndication/bluesky/index.js';
import { tidFromKey } from '../../src/syndication/bluesky/tid.js';
import type { SyndicationAccount, SyndicationPost } from '../../src/syndication/types.js';
import { BOB, cidOf, createPds, ME } from '../helpers/bluesky.js';
import { photoLike } from '../helpers/images.js';

let pds: ReturnType<typeof createPds>;
let service: string;
const clock = fixedClock('2026-12-05T12:00:00.000Z');
const account: SyndicationAccount = {
  id: 1,
  service: 'bluesky',
  uid: ME.did,
  name: '@ada.test on Bluesky',
  user: { name: 'Ada', url: 'https://bsky.app/profile/ada.test' },
  defaultOn: true,
};

beforeAll(async () => {
  pds = createPds();
  await new Promise<void>((r) => pds.server.listen(0, '127.0.0.1', r));
  service = `http://127.0.0.1:${(pds.server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((r) => {
      pds.server.closeAllConnections();
      pds.server.close(() => r());
    }),
);
beforeEach(() => {
  pds.seen.length = 0;
  pds.blobs.length = 0;
});

async function connect(): Promise<BlueskySecrets> {
  const c = await connectBluesky({ fetch, service, handle: '@ada.test', appPassword: ME.password, clock });
  return c.secrets;
}

function note(over: Partial<SyndicationPost> = {}): SyndicationPost {
  return {
    noteId: 7,
    url: 'https://site.example/notes/hello',
    text: 'Hello',
    name: null,
    photos: [],
    ...over,
  };
}

function lastRecord(): Record<string, unknown> {
  const calls = pds.calls('com.atproto.repo.createRecord');
  const body = calls.at(-1)?.json as { record: Record<string, unknown> };
  return body.record;
}

/** The text a facet's UTF-8 byte range covers, as the PDS and the app view read it. */
function covered(text: string, index: { byteStart: number; byteEnd: number }): string {
  return Buffer.from(text, 'utf8').subarray(index.byteStart, index.byteEnd).toString('utf8');
}

describe('connecting', () => {
  it('creates a session with the handle and app password and reads the profile', async () => {
    const c = await connectBluesky({ fetch, service, handle: '@ada.test', appPassword: ME.password, clock });
    expect(c.uid).toBe(ME.did);
    expect(c.user).toEqual({
      name: 'Ada L.',
      url: 'https://bsky.app/profile/ada.test',
      photo: 'https://cdn.test/ada.jpg',
    });
    expect(c.secrets).toMatchObject({ service, did: ME.did, handle: ME.handle, appPassword: ME.password });
    const create = pds.calls('com.atproto.server.createSession')[0]!;
    expect(create.json).toEqual({ identifier: 'ada.test', password: ME.password });
    expect(pds.calls('app.bsky.actor.getProfile')[0]!.auth).toBe(`Bearer ${c.secrets.accessJwt}`);
  });

  it('a wrong app password is a permanent error naming the PDS answer', async () => {
    const err = await connectBluesky({
      fetch,
      service,
      handle: 'ada.test',
      appPassword: 'wrong',
      clock,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(JobError);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('AuthenticationRequired');
  });
});

describe('posting', () => {
  it('facets use UTF-8 byte offsets (emoji and accents before them) and mentions resolve to DIDs', async () => {
    const secrets = await connect();
    const adapter = createBlueskyAdapter({ fetch, clock });
    const text = 'Café 🇫🇷👩🏽‍💻 with @bob.test: see https://example.com/ünï?q=1. #café #1 and @nobody.test';
    const result = await adapter.post(account, { ...secrets }, note({ text }), 'key-facets');
    const record = lastRecord();
    expect(record.text).toBe(text);
    const facets = record.facets as {
      index: { byteStart: number; byteEnd: number };
      features: Record<string, string>[];
    }[];
    expect(facets.map((f) => [covered(text, f.index), f.features[0]])).toEqual([
      ['@bob.test', { $type: 'app.bsky.richtext.facet#mention', did: BOB.did }],
      [
        'https://example.com/ünï?q=1',
        { $type: 'app.bsky.richtext.facet#link', uri: 'https://example.com/ünï?q=1' },
      ],
      ['#café', { $type: 'app.bsky.richtext.facet#tag', tag: 'café' }],
    ]);
    // Byte offsets, not UTF-16 indexes: the mention starts after 4 + 1 + 8 + 15 + … bytes.
    expect(facets[0]!.index.byteStart).toBe(Buffer.byteLength('Café 🇫🇷👩🏽‍💻 with '));
    expect(facets[0]!.index.byteStart).not.toBe(text.indexOf('@bob.test'));
    const create = pds.calls('com.atproto.repo.createRecord').at(-1)!;
    expect(create.auth).toBe(`Bearer ${secrets.accessJwt}`);
    expect((create.json as { repo: string; collection: string }).repo).toBe(ME.did);
    expect((create.json as { collection: string }).collection).toBe('app.bsky.feed.post');
    expect(result.remoteId).toMatch(/^at:\/\/did:plc:ada\/app\.bsky\.feed\.post\/[2-7a-j][2-7a-z]{12}$/);
    expect(result.url).toBe(`https://bsky.app/profile/${ME.did}/post/${result.remoteId.split('/').at(-1)}`);
    expect(record.createdAt).toBe('2026-12-05T12:00:00.000Z');
  });

  it('a note without photos gets a link card; a long one is cut to 300 graphemes with a link back', async () => {
    const secrets = await connect();
    const adapter = createBlueskyAdapter({ fetch, clock });
    const long = `${'Wörter und 👍🏽 Emoji '.repeat(30)}end`;
    await adapter.post(account, secrets, note({ text: long }), 'key-long');
    const record = lastRecord();
    const text = record.text as string;
    expect(graphemeLength(text)).toBeLessThanOrEqual(300);
    expect(graphemeLength(text)).toBeGreaterThan(250);
    expect(text.endsWith('… https://site.example/notes/hello')).toBe(true);
    const facets = record.facets as { index: { byteStart: number; byteEnd: number } }[];
    expect(covered(text, facets.at(-1)!.index)).toBe('https://site.example/notes/hello');
    expect(record.embed).toMatchObject({
      $type: 'app.bsky.embed.external',
      external: { uri: 'https://site.example/notes/hello' },
    });
    const ext = (record.embed as { external: { title: string; description: string } }).external;
    expect(ext.title.length).toBeGreaterThan(0);
    expect(graphemeLength(ext.description)).toBeLessThanOrEqual(300);
  });

  it('photos are uploaded within the 1,000,000-byte blob limit and embedded with their alt text', async () => {
    const secrets = await connect();
    const adapter = createBlueskyAdapter({ fetch, clock });
    const big = await photoLike(1600, 1200).png().toBuffer();
    expect(big.byteLength).toBeGreaterThan(MAX_BLOB_BYTES);
    const small = await photoLike(300, 200).jpeg().toBuffer();
    const photos = [
      {
        url: 'https://site.example/media/a.png',
        alt: 'Noise, in black and white',
        type: 'image/png',
        bytes: async () => big,
      },
      {
        url: 'https://site.example/media/b.jpg',
        alt: 'A gradient «ÿ»',
        type: 'image/jpeg',
        bytes: async () => small,
      },
      ...[1, 2, 3].map((i) => ({
        url: `x${i}`,
        alt: `extra ${i}`,
        type: 'image/jpeg',
        bytes: async () => small,
      })),
    ];
    await adapter.post(account, secrets, note({ photos }), 'key-photos');
    const uploads = pds.calls('com.atproto.repo.uploadBlob');
    expect(uploads).toHaveLength(4);
    for (const u of uploads) {
      expect(u.body.length).toBeLessThanOrEqual(MAX_BLOB_BYTES);
      expect(u.auth).toBe(`Bearer ${secrets.accessJwt}`);
    }
    expect(uploads[0]!.type).toBe('image/jpeg');
    // The small JPEG went as it was.
    expect(uploads[1]!.body.equals(small)).toBe(true);
    const embed = lastRecord().embed as {
      $type: string;
      images: {
        alt: string;
        image: { ref: { $link: string }; size: number };
        aspectRatio: { width: number; height: number };
      }[];
    };
    expect(embed.$type).toBe('app.bsky.embed.images');
    expect(embed.images.map((i) => i.alt)).toEqual([
      'Noise, in black and white',
      'A gradient «ÿ»',
      'extra 1',
      'extra 2',
    ]);
    expect(embed.images[1]!.aspectRatio).toEqual({ width: 300, height: 200 });
    expect(embed.images[0]!.image.size).toBe(uploads[0]!.body.length);
  });

  it('a reply to a bsky.app post is threaded under it (parent, and the thread root)', async () => {
    const secrets = await connect();
    const adapter = createBlueskyAdapter({ fetch, clock });
    await adapter.post(
      account,
      secrets,
      note({ text: 'Agreed!', replyTo: 'https://bsky.app/profile/bob.test/post/3kbobpost2222' }),
      'key-reply',
    );
    expect(pds.calls('com.atproto.identity.resolveHandle').map((c) => c.query.get('handle'))).toContain(
      'bob.test',
    );
    expect(lastRecord().reply).toEqual({
      root: { uri: `at://${BOB.did}/app.bsky.feed.post/3kbobroot2222`, cid: 'bafybobroot' },
      parent: { uri: `at://${BOB.did}/app.bsky.feed.post/3kbobpost2222`, cid: 'bafybobparent' },
    });
  });

  it('the same idempotency key posts once (a retry after a crash finds the record)', async () => {
    const secrets = await connect();
    const adapter = createBlueskyAdapter({ fetch, clock });
    const a = await adapter.post(account, secrets, note({ text: 'once' }), 'key-once');
    const b = await adapter.post(account, secrets, note({ text: 'once' }), 'key-once');
    expect(b).toEqual(a);
    expect(pds.calls('com.atproto.repo.createRecord')).toHaveLength(1);
  });
});

describe('races', () => {
  it('a record written by another run between lookup and create is taken as the result, not posted twice', async () => {
    const secrets = await connect();
    const adapter = createBlueskyAdapter({ fetch, clock });
    const first = await adapter.post(account, secrets, note({ text: 'raced' }), 'key-race');
    pds.state.hideNextGet = true;
    const second = await adapter.post(account, secrets, note({ text: 'raced' }), 'key-race');
    expect(second).toEqual(first);
    const creates = pds.calls('com.atproto.repo.createRecord');
    expect(creates).toHaveLength(2);
    expect([...pds.records.keys()].filter((k) => k === first.remoteId)).toHaveLength(1);
  });
});

describe('sessions and limits', () => {
  it('an expired access token is refreshed with the refresh JWT, the call retried, the new secrets handed over', async () => {
    const secrets = await connect();
    const handed: BlueskySecrets[] = [];
    const adapter = createBlueskyAdapter({ fetch, clock, onSecrets: (_a, s) => void handed.push(s) });
    pds.state.expireNext = true;
    const result = await adapter.post(account, secrets, note({ text: 'after expiry' }), 'key-expired');
    expect(result.remoteId).toContain('app.bsky.feed.post');
    const refresh = pds.calls('com.atproto.server.refreshSession');
    expect(refresh).toHaveLength(1);
    expect(refresh[0]!.auth).toBe(`Bearer ${secrets.refreshJwt}`);
    expect(handed).toHaveLength(1);
    expect(handed[0]!.accessJwt).toBe(pds.state.access);
    expect(handed[0]!.accessJwt).not.toBe(secrets.accessJwt);
    expect(pds.calls('com.atproto.repo.createRecord').at(-1)!.auth).toBe(`Bearer ${pds.state.access}`);
  });

  it('a refresh JWT that expired too falls back to a new session with the app password', async () => {
    const secrets = await connect();
    const adapter = createBlueskyAdapter({ fetch, clock });
    pds.state.expireNext = true;
    await adapter.post(
      account,
      { ...secrets, refreshJwt: 'refresh-stale' },
      note({ text: 'x' }),
      'key-stale',
    );
    expect(pds.calls('com.atproto.server.createSession').at(-1)!.json).toEqual({
      identifier: ME.did,
      password: ME.password,
    });
    // The first attempt met the expired token; the second, with the new session, wrote the post.
    const creates = pds.calls('com.atproto.repo.createRecord');
    expect(creates).toHaveLength(2);
    expect(creates[1]!.auth).toBe(`Bearer ${pds.state.access}`);
  });

  it('429 with ratelimit-reset becomes a JobError carrying the wait; Retry-After too', async () => {
    const secrets = await connect();
    const adapter = createBlueskyAdapter({ fetch, clock });
    const reset = Math.floor(clock.now().getTime() / 1000) + 90;
    pds.state.rateLimit = {
      'ratelimit-limit': '5000',
      'ratelimit-remaining': '0',
      'ratelimit-reset': String(reset),
    };
    const err = await adapter.post(account, secrets, note({ text: 'r' }), 'key-429').catch((e) => e);
    expect(err).toBeInstanceOf(JobError);
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBe(90_000);
    pds.state.rateLimit = { 'retry-after': '120' };
    const err2 = await adapter.post(account, secrets, note({ text: 'r' }), 'key-429').catch((e) => e);
    expect(err2.retryAfterMs).toBe(120_000);
    // Once the limit is over, the same key posts.
    await adapter.post(account, secrets, note({ text: 'r' }), 'key-429');
    expect(pds.calls('com.atproto.repo.createRecord')).toHaveLength(3);
  });

  it('missing secrets are a permanent error asking to connect again', async () => {
    const adapter = createBlueskyAdapter({ fetch, clock });
    const err = await adapter.post(account, { service }, note(), 'k').catch((e) => e);
    expect(err).toBeInstanceOf(JobError);
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/connected again/);
  });
});

describe('deleting and editing', () => {
  it('remove deletes the record in the account repository, the one with the CID stored', async () => {
    const secrets = await connect();
    const adapter = createBlueskyAdapter({ fetch, clock });
    const { remoteId, cid } = await adapter.post(account, secrets, note({ text: 'to delete' }), 'key-del');
    expect(cid).toBe(pds.records.get(remoteId)!.cid);
    expect(await adapter.remove(account, secrets, remoteId, { cid })).toBeUndefined();
    const del = pds.calls('com.atproto.repo.deleteRecord')[0]!;
    expect(del.json).toEqual({
      repo: ME.did,
      collection: 'app.bsky.feed.post',
      rkey: remoteId.split('/').at(-1),
      swapRecord: cid,
    });
    expect(del.auth).toBe(`Bearer ${secrets.accessJwt}`);
    expect(pds.records.has(remoteId)).toBe(false);
  });

  it('update (delete and repost) exists only when asked for', async () => {
    expect(createBlueskyAdapter({ fetch, clock }).update).toBeUndefined();
    const secrets = await connect();
    const adapter = createBlueskyAdapter({ fetch, clock, editByRepost: true });
    const first = await adapter.post(account, secrets, note({ text: 'v1' }), 'key-edit');
    const second = await adapter.update!(account, secrets, first.remoteId, note({ text: 'v2' }), {
      cid: first.cid,
    });
    expect(second.remoteId).not.toBe(first.remoteId);
    expect(pds.records.has(first.remoteId)).toBe(false);
    expect((pds.records.get(second.remoteId)!.value as { text: string }).text).toBe('v2');
  });
});

describe('emoji-heavy notes (issue 20, defect 3)', () => {
  const family = '👨‍👩‍👧‍👦';
  const link = '… https://site.example/notes/hello';

  it('150 family emoji (150 graphemes, 3,750 bytes) are cut to 3,000 bytes, whole emoji, with the link back', async () => {
    const text = family.repeat(150);
    expect(graphemeLength(text)).toBe(150);
    expect(Buffer.byteLength(text)).toBe(3750);
    const secrets = await connect();
    const adapter = createBlueskyAdapter({ fetch, clock });
    const result = await adapter.post(account, secrets, note({ text }), 'key-family');
    const posted = lastRecord().text as string;
    expect(pds.records.get(result.remoteId)!.value).toMatchObject({ text: posted });
    expect(Buffer.byteLength(posted)).toBeLessThanOrEqual(3000);
    expect(Buffer.byteLength(posted)).toBeGreaterThan(3000 - 25);
    expect(graphemeLength(posted)).toBeLessThanOrEqual(300);
    expect(posted.endsWith(link)).toBe(true);
    // No family is split into its people.
    expect(posted.slice(0, -link.length)).toMatch(/^(👨‍👩‍👧‍👦)+$/u);
    const facets = lastRecord().facets as { index: { byteStart: number; byteEnd: number } }[];
    expect(covered(posted, facets.at(-1)!.index)).toBe('https://site.example/notes/hello');
  });

  it('the stand-in PDS refuses what the reference PDS refuses: over 3,000 bytes, or over 300 graphemes', async () => {
    const secrets = await connect();
    const create = (text: string, rkey: string) =>
      fetch(`${service}/xrpc/com.atproto.repo.createRecord`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secrets.accessJwt}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          repo: ME.did,
          collection: 'app.bsky.feed.post',
          rkey,
          record: { $type: 'app.bsky.feed.post', text, createdAt: clock.now().toISOString() },
        }),
      });
    const bytes = await create(family.repeat(150), '3kfamily22222');
    expect(bytes.status).toBe(400);
    expect(((await bytes.json()) as { message: string }).message).toContain(
      'string too big (maximum 3000, got 3750)',
    );
    const graphemes = await create('a'.repeat(301), '3kletters2222');
    expect(((await graphemes.json()) as { message: string }).message).toContain(
      'grapheme too big (maximum 300, got 301)',
    );
  });
});

describe('records this site did not write (issue 20, defect 2)', () => {
  /** Puts a record into the account's repository as another site (or another note) would have. */
  function plant(rkey: string, text: string): string {
    const uri = `at://${ME.did}/app.bsky.feed.post/${rkey}`;
    const value = {
      $type: 'app.bsky.feed.post',
      text,
      createdAt: '2026-01-01T00:00:00.000Z',
      embed: { $type: 'app.bsky.embed.external', external: { uri: 'https://other.example/notes/x' } },
    };
    pds.records.set(uri, { cid: cidOf(value), value });
    return uri;
  }

  it('the stand-in PDS answers as the reference one for a taken record key: createRecord 500, getRecord the record', async () => {
    const secrets = await connect();
    const taken = plant('3ktaken222222', 'already here');
    const res = await fetch(`${service}/xrpc/com.atproto.repo.createRecord`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets.accessJwt}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        repo: ME.did,
        collection: 'app.bsky.feed.post',
        rkey: '3ktaken222222',
        record: { $type: 'app.bsky.feed.post', text: 'mine', createdAt: clock.now().toISOString() },
      }),
    });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'InternalServerError', message: 'Internal Server Error' });
    const got = await fetch(
      `${service}/xrpc/com.atproto.repo.getRecord?repo=${ME.did}&collection=app.bsky.feed.post&rkey=3ktaken222222`,
    );
    expect(((await got.json()) as { uri: string; value: { text: string } }).value.text).toBe('already here');
    expect(pds.records.get(taken)!.value).toMatchObject({ text: 'already here' });
  });

  it('a record under the copy’s key that is not this copy is never taken: the copy goes under its next key', async () => {
    const secrets = await connect();
    const adapter = createBlueskyAdapter({ fetch, clock });
    const key = 'syndicate:collides:1:1';
    const theirs = plant(tidFromKey(key), 'Another site’s note 1');
    const theirsBefore = structuredClone(pds.records.get(theirs));
    const mine = await adapter.post(account, secrets, note({ text: 'My own note 1' }), key);
    expect(mine.remoteId).not.toBe(theirs);
    expect(pds.records.get(mine.remoteId)!.value).toMatchObject({ text: 'My own note 1' });
    expect(mine.cid).toBe(pds.records.get(mine.remoteId)!.cid);
    // A retry of the same copy (a crash before it was recorded) walks the same keys: one post.
    const again = await adapter.post(account, secrets, note({ text: 'My own note 1' }), key);
    expect(again).toEqual(mine);
    expect(pds.calls('com.atproto.repo.createRecord')).toHaveLength(1);
    // Deleting the copy deletes only it.
    expect(await adapter.remove(account, secrets, mine.remoteId, { cid: mine.cid })).toBeUndefined();
    expect(pds.records.has(mine.remoteId)).toBe(false);
    expect(pds.records.get(theirs)).toEqual(theirsBefore);
  });

  it('a delete removes only the record whose CID was stored: another record at that address is left in place', async () => {
    const secrets = await connect();
    const adapter = createBlueskyAdapter({ fetch, clock });
    const mine = await adapter.post(account, secrets, note({ text: 'posted, then replaced' }), 'key-swap');
    // The address now holds another record (deleted and written again by someone else).
    pds.records.delete(mine.remoteId);
    plant(mine.remoteId.split('/').at(-1)!, 'not this site’s');
    const outcome = await adapter.remove(account, secrets, mine.remoteId, { cid: mine.cid });
    expect(outcome?.leftInPlace).toMatch(/not the one this site wrote/);
    expect(pds.calls('com.atproto.repo.deleteRecord').at(-1)!.json).toMatchObject({ swapRecord: mine.cid });
    expect(pds.records.get(mine.remoteId)!.value).toMatchObject({ text: 'not this site’s' });
  });

  it('a copy stored without a CID (before issue 20) is deleted only if the record shows this note', async () => {
    const secrets = await connect();
    const adapter = createBlueskyAdapter({ fetch, clock });
    const theirs = plant('3klegacy22222', 'Another site’s note 1');
    const outcome = await adapter.remove(account, secrets, theirs, { post: note({ text: 'My note 1' }) });
    expect(outcome?.leftInPlace).toMatch(/not the one this site wrote/);
    expect(pds.records.has(theirs)).toBe(true);
    expect(pds.calls('com.atproto.repo.deleteRecord')).toHaveLength(0);

    const mine = await adapter.post(account, secrets, note({ text: 'My note 1' }), 'key-legacy');
    expect(await adapter.remove(account, secrets, mine.remoteId, { post: note({ text: 'My note 1' }) })).toBe(
      undefined,
    );
    expect(pds.records.has(mine.remoteId)).toBe(false);
    expect(pds.calls('com.atproto.repo.deleteRecord').at(-1)!.json).toMatchObject({ swapRecord: mine.cid });
  });
});
