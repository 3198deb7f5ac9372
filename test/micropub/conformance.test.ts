/**
 * The micropub.rocks server tests (100–301 create, 400–405 update, 500–503 delete/undelete,
 * 600–603 queries, 700–702 media, 800–805 authentication), replayed black-box against the real
 * server on loopback, checking what each test checks: status codes, Location, and the post as
 * it is then published (parsed as microformats), or as q=source returns it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mf2 } from 'microformats-parser';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../helpers/spawn-server.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

let dir: string;
let server: RunningServer;
let token: string;
let createOnly: string;
let base: string;

async function mint(scope: string): Promise<string> {
  const { stdout } = await run(
    TSX,
    [
      join(ROOT, 'src', 'main.ts'),
      'token',
      'create',
      '--scope',
      scope,
      '--client-id',
      'https://micropub.rocks/',
    ],
    {
      env: { ...process.env, DATA_PATH: dir, SITE_URL: base, LOG_LEVEL: 'error' },
    },
  );
  return stdout.trim();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'starpunk-mprocks-'));
  // The server's public URL must be known before it starts; pick a free port first.
  const probe = await startServer({ DATA_PATH: dir });
  const port = new URL(probe.url).port;
  probe.child.kill('SIGTERM');
  await probe.exited;
  base = `http://127.0.0.1:${port}/`;
  token = await mint('create update delete undelete media');
  createOnly = await mint('update');
  server = await startServer({ DATA_PATH: dir, SITE_URL: base, PORT: port });
}, 60_000);

afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  rmSync(dir, { recursive: true, force: true });
});

const endpoint = () => `${server.url}/micropub`;
const auth = (t = token) => ({ Authorization: `Bearer ${t}` });

function form(fields: [string, string][], headers: Record<string, string> = auth()) {
  const body = new URLSearchParams();
  for (const [k, v] of fields) body.append(k, v);
  return fetch(endpoint(), {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
}

function json(body: unknown, headers: Record<string, string> = auth()) {
  return fetch(endpoint(), {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The h-entry published at a Location. */
async function entryAt(location: string) {
  const res = await fetch(location);
  expect(res.status).toBe(200);
  const parsed = mf2(await res.text(), { baseUrl: location });
  const entry = parsed.items.find((i) => i.type?.includes('h-entry'));
  expect(entry).toBeDefined();
  return entry!.properties as Record<string, unknown[]>;
}

async function created(res: Response): Promise<string> {
  expect([201, 202]).toContain(res.status);
  const location = res.headers.get('location')!;
  expect(location.startsWith(base)).toBe(true);
  return location;
}

async function source(url: string, props: string[] = []) {
  const q = new URLSearchParams({ q: 'source', url });
  for (const p of props) q.append('properties[]', p);
  const res = await fetch(`${endpoint()}?${q}`, { headers: auth() });
  expect(res.status).toBe(200);
  return (await res.json()) as { type?: string[]; properties: Record<string, unknown[]> };
}

/** A photo value as the microformats parser gives it: a URL, or {value, alt} when alt is non-empty. */
const photoUrl = (v: unknown) => (typeof v === 'string' ? v : (v as { value: string }).value);

const image = (format: 'jpeg' | 'png' | 'gif') =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366cc' } })
    [format]()
    .toBuffer();

describe('creating posts (100–206)', () => {
  it('100 form-encoded h-entry', async () => {
    const p = await entryAt(
      await created(
        await form([
          ['h', 'entry'],
          ['content', 'Hello World'],
        ]),
      ),
    );
    expect((p.content![0] as { value: string }).value).toBe('Hello World');
  });
  it('101 form-encoded with multiple categories', async () => {
    const p = await entryAt(
      await created(
        await form([
          ['h', 'entry'],
          ['content', 'Two tags'],
          ['category[]', 'foo'],
          ['category[]', 'bar'],
        ]),
      ),
    );
    expect(p.category).toEqual(['foo', 'bar']);
  });
  it('104 form-encoded photo by URL', async () => {
    const p = await entryAt(
      await created(
        await form([
          ['h', 'entry'],
          ['content', 'Photo'],
          ['photo', 'https://micropub.rocks/media/sunset.jpg'],
        ]),
      ),
    );
    expect(p.photo!.map(photoUrl)).toEqual(['https://micropub.rocks/media/sunset.jpg']);
  });
  it('107 form-encoded with one category', async () => {
    const p = await entryAt(
      await created(
        await form([
          ['h', 'entry'],
          ['content', 'One tag'],
          ['category', 'foo'],
        ]),
      ),
    );
    expect(p.category).toEqual(['foo']);
  });
  it('200 JSON h-entry', async () => {
    const p = await entryAt(
      await created(await json({ type: ['h-entry'], properties: { content: ['Hello JSON'] } })),
    );
    expect((p.content![0] as { value: string }).value).toBe('Hello JSON');
  });
  it('201 JSON with multiple categories', async () => {
    const p = await entryAt(
      await created(
        await json({ type: ['h-entry'], properties: { content: ['x'], category: ['foo', 'bar'] } }),
      ),
    );
    expect(p.category).toEqual(['foo', 'bar']);
  });
  it('202 JSON with HTML content (rendered, not escaped)', async () => {
    const html = '<p>This post has <b>bold</b> and <i>italic</i> text.</p>';
    const p = await entryAt(
      await created(await json({ type: ['h-entry'], properties: { content: [{ html }] } })),
    );
    const content = p.content![0] as { html: string; value: string };
    expect(content.html).toContain('<b>bold</b>');
    expect(content.value).toBe('This post has bold and italic text.');
  });
  it('203 JSON photo by URL', async () => {
    const p = await entryAt(
      await created(
        await json({
          type: ['h-entry'],
          properties: { content: ['x'], photo: ['https://micropub.rocks/media/sunset.jpg'] },
        }),
      ),
    );
    expect(photoUrl(p.photo![0])).toBe('https://micropub.rocks/media/sunset.jpg');
  });
  it('204 JSON with a nested object, returned intact by q=source', async () => {
    const checkin = {
      type: ['h-card'],
      properties: {
        name: ['Portland'],
        url: ['https://example.com/pdx'],
        latitude: ['45.5'],
        longitude: ['-122.6'],
      },
    };
    const location = await created(
      await json({ type: ['h-entry'], properties: { content: ['Checked in'], checkin: [checkin] } }),
    );
    expect((await source(location)).properties.checkin).toEqual([checkin]);
  });
  it('205 JSON photo with alt text', async () => {
    const p = await entryAt(
      await created(
        await json({
          type: ['h-entry'],
          properties: {
            content: ['x'],
            photo: [{ value: 'https://micropub.rocks/media/sunset.jpg', alt: 'Photo of a sunset' }],
          },
        }),
      ),
    );
    expect(p.photo).toEqual([{ value: 'https://micropub.rocks/media/sunset.jpg', alt: 'Photo of a sunset' }]);
  });
  it('206 JSON with multiple photos by URL', async () => {
    const photos = ['https://micropub.rocks/media/sunset.jpg', 'https://micropub.rocks/media/city.jpg'];
    const p = await entryAt(
      await created(await json({ type: ['h-entry'], properties: { content: ['x'], photo: photos } })),
    );
    expect(p.photo!.map(photoUrl)).toEqual(photos);
  });
});

describe('multipart (300–301)', () => {
  it('300 h-entry with an uploaded photo', async () => {
    const fd = new FormData();
    fd.set('h', 'entry');
    fd.set('content', 'Nice sunset');
    fd.set('photo', new File([await image('jpeg')], 'sunset.jpg', { type: 'image/jpeg' }));
    const p = await entryAt(
      await created(await fetch(endpoint(), { method: 'POST', headers: auth(), body: fd })),
    );
    const url = photoUrl(p.photo![0]);
    expect(url).toMatch(/\/media\/\d{4}\/\d{2}\/[0-9a-f-]+\.jpg$/);
    const img = await fetch(url.replace(base, `${server.url}/`));
    expect(img.headers.get('content-type')).toBe('image/jpeg');
  });
  it('301 h-entry with multiple uploaded photos', async () => {
    const fd = new FormData();
    fd.set('h', 'entry');
    fd.set('content', 'Two photos');
    fd.append('photo[]', new File([await image('jpeg')], 'a.jpg', { type: 'image/jpeg' }));
    fd.append('photo[]', new File([await image('png')], 'b.png', { type: 'image/png' }));
    const p = await entryAt(
      await created(await fetch(endpoint(), { method: 'POST', headers: auth(), body: fd })),
    );
    expect(p.photo).toHaveLength(2);
  });
});

describe('updating posts (400–405)', () => {
  async function post(props: Record<string, unknown[]>) {
    return created(await json({ type: ['h-entry'], properties: props }));
  }
  it('400 replace a property', async () => {
    const url = await post({ content: ['Original'] });
    expect([200, 204]).toContain(
      (await json({ action: 'update', url, replace: { content: ['Replaced'] } })).status,
    );
    expect(((await entryAt(url)).content![0] as { value: string }).value).toBe('Replaced');
  });
  it('401 add a value to an existing property', async () => {
    const url = await post({ content: ['x'], category: ['foo'] });
    expect([200, 204]).toContain((await json({ action: 'update', url, add: { category: ['bar'] } })).status);
    expect((await entryAt(url)).category).toEqual(['foo', 'bar']);
  });
  it('402 add a value to a non-existent property', async () => {
    const url = await post({ content: ['x'] });
    await json({ action: 'update', url, add: { category: ['new'] } });
    expect((await entryAt(url)).category).toEqual(['new']);
  });
  it('403 remove a value from a property', async () => {
    const url = await post({ content: ['x'], category: ['foo', 'bar'] });
    await json({ action: 'update', url, delete: { category: ['foo'] } });
    expect((await entryAt(url)).category).toEqual(['bar']);
  });
  it('404 remove a property', async () => {
    const url = await post({ content: ['x'], category: ['foo', 'bar'] });
    await json({ action: 'update', url, delete: ['category'] });
    expect((await entryAt(url)).category).toBeUndefined();
  });
  it('405 reject an operation that is not an array', async () => {
    const url = await post({ content: ['x'] });
    const res = await json({ action: 'update', url, replace: { content: 'not an array' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });
});

describe('deleting posts (500–503)', () => {
  it('500/502 delete and undelete (form-encoded)', async () => {
    const url = await created(
      await form([
        ['h', 'entry'],
        ['content', 'Delete me'],
      ]),
    );
    expect([200, 204]).toContain(
      (
        await form([
          ['action', 'delete'],
          ['url', url],
        ])
      ).status,
    );
    expect((await fetch(url)).status).toBe(410);
    expect([200, 201, 204]).toContain(
      (
        await form([
          ['action', 'undelete'],
          ['url', url],
        ])
      ).status,
    );
    expect((await fetch(url)).status).toBe(200);
  });
  it('501/503 delete and undelete (JSON)', async () => {
    const url = await created(await json({ type: ['h-entry'], properties: { content: ['Delete me too'] } }));
    expect([200, 204]).toContain((await json({ action: 'delete', url })).status);
    expect((await fetch(url)).status).toBe(410);
    expect([200, 201, 204]).toContain((await json({ action: 'undelete', url })).status);
    expect((await fetch(url)).status).toBe(200);
  });
});

describe('queries (600–603)', () => {
  it('600 configuration query', async () => {
    const res = await fetch(`${endpoint()}?q=config`, { headers: auth() });
    expect(res.headers.get('content-type')).toContain('application/json');
    const c = (await res.json()) as Record<string, unknown>;
    expect(c['media-endpoint']).toBe(`${base}micropub/media`);
    expect(c.q).toEqual(expect.arrayContaining(['config', 'source', 'syndicate-to']));
  });
  it('601 syndication targets query', async () => {
    const c = (await (await fetch(`${endpoint()}?q=syndicate-to`, { headers: auth() })).json()) as Record<
      string,
      unknown
    >;
    expect(c['syndicate-to']).toEqual([]);
  });
  it('602 source query, all properties', async () => {
    const url = await created(
      await json({
        type: ['h-entry'],
        properties: { content: ['Source me'], category: ['a', 'b'], 'x-custom': [{ n: 1 }, 2] },
      }),
    );
    const s = await source(url);
    expect(s.type).toEqual(['h-entry']);
    expect(s.properties.content).toEqual(['Source me']);
    expect(s.properties.category).toEqual(['a', 'b']);
    expect(s.properties['x-custom']).toEqual([{ n: 1 }, 2]);
  });
  it('603 source query, specific properties', async () => {
    const url = await created(
      await json({ type: ['h-entry'], properties: { content: ['Only some'], category: ['a'] } }),
    );
    const s = await source(url, ['content']);
    expect(s).toEqual({ properties: { content: ['Only some'] } });
  });
});

describe('media endpoint (700–702)', () => {
  it.each(['jpeg', 'png', 'gif'] as const)('70x upload a %s', async (format) => {
    const fd = new FormData();
    fd.set(
      'file',
      new File([await image(format)], `file.${format === 'jpeg' ? 'jpg' : format}`, {
        type: `image/${format}`,
      }),
    );
    const res = await fetch(`${endpoint()}/media`, { method: 'POST', headers: auth(), body: fd });
    expect(res.status).toBe(201);
    const location = res.headers.get('location')!;
    expect(location.startsWith(`${base}media/`)).toBe(true);
    const file = await fetch(location.replace(base, `${server.url}/`));
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe(`image/${format}`);
  });
});

describe('authentication (800–805)', () => {
  it('800 accepts the token in the Authorization header', async () => {
    await created(await form([['content', 'header token']]));
  });
  it('801 accepts the token in the POST body', async () => {
    await created(
      await form(
        [
          ['content', 'body token'],
          ['access_token', token],
        ],
        {},
      ),
    );
  });
  it('802 creates nothing without a token: 401', async () => {
    const res = await form([['content', 'no token']], {});
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });
  it('803 creates nothing with an invalid token: 401 invalid_token', async () => {
    const res = await form([['content', 'bad token']], auth('not-a-real-token'));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_token');
  });
  it('804 creates nothing without the create scope: 403 insufficient_scope', async () => {
    const res = await form([['content', 'no scope']], auth(createOnly));
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: string; scope: string };
    expect(body).toMatchObject({ error: 'insufficient_scope', scope: 'create' });
  });
  it('805 rejects a token in both the header and the body: 400', async () => {
    const res = await form([
      ['content', 'both'],
      ['access_token', token],
    ]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });
});
