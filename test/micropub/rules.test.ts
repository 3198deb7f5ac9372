import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let token: string;
beforeEach(() => {
  t = createTestApp();
  token = t.app.services.tokens.mintToken({
    me: t.config.adminMe,
    clientId: 'https://client.example/',
    scope: 'create update delete undelete media',
    expiresInSeconds: null,
  }).token;
});
afterEach(() => t.close());

const auth = (tok = token) => ({ Authorization: `Bearer ${tok}` });
const postJson = (body: unknown, headers: Record<string, string> = auth()) =>
  t.request('/micropub', {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const postForm = (fields: [string, string][], headers: Record<string, string> = auth()) => {
  const b = new URLSearchParams();
  for (const [k, v] of fields) b.append(k, v);
  return t.request('/micropub', {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: b.toString(),
  });
};
const source = async (url: string) =>
  (await (await t.get(`/micropub?q=source&url=${encodeURIComponent(url)}`, auth())).json()) as {
    properties: Record<string, unknown[]>;
  };

describe('what a client sends is kept', () => {
  it('returns every property exactly (nested objects, numbers, order), never access_token or mp-* commands', async () => {
    const props = {
      content: ['Hello'],
      'like-of': ['https://example.com/liked'],
      location: [
        { type: ['h-adr'], properties: { locality: ['Oslo'], latitude: [59.91], longitude: [10.75] } },
      ],
      'x-unknown': [3, 'two', { one: [1] }],
      category: ['z', 'a', 'm'],
    };
    const res = await postJson({
      type: ['h-entry'],
      properties: { ...props, 'mp-slug': ['custom-one'] },
      access_token: undefined,
    });
    expect(res.status).toBe(201);
    const url = res.headers.get('location')!;
    expect(url).toBe('http://example.test/notes/custom-one');
    const s = await source(url);
    for (const [k, v] of Object.entries(props)) expect(s.properties[k], k).toEqual(v);
    expect(s.properties['mp-slug']).toBeUndefined();
    const form = await postForm(
      [
        ['content', 'form'],
        ['access_token', 'x'],
        ['mp-slug', 'from-form'],
      ],
      {},
    );
    expect(form.status).toBe(401);
    const stored = JSON.stringify(t.db.prepare('SELECT properties FROM notes').all());
    expect(stored).not.toContain('access_token');
    expect(stored).not.toContain('mp-slug');
  });

  it('post-status draft, visibility, published in the past and in the future', async () => {
    const draft = (
      await postJson({ type: ['h-entry'], properties: { content: ['draft'], 'post-status': ['draft'] } })
    ).headers.get('location')!;
    expect((await t.get(new URL(draft).pathname)).status).toBe(404);
    const priv = (
      await postJson({ type: ['h-entry'], properties: { content: ['private'], visibility: ['private'] } })
    ).headers.get('location')!;
    expect((await t.get(new URL(priv).pathname)).status).toBe(404);
    const old = (
      await postJson({
        type: ['h-entry'],
        properties: { content: ['backdated'], published: ['2020-02-02T10:00:00Z'] },
      })
    ).headers.get('location')!;
    expect(await (await t.get(new URL(old).pathname)).text()).toContain(
      'datetime="2020-02-02T10:00:00.000Z"',
    );
    const later = (
      await postJson({
        type: ['h-entry'],
        properties: { content: ['scheduled'], published: ['2027-01-01T00:00:00Z'] },
      })
    ).headers.get('location')!;
    expect((await t.get(new URL(later).pathname)).status).toBe(404);
    // The owner still sees drafts in q=source lists.
    const list = (await (await t.get('/micropub?q=source&limit=10', auth())).json()) as {
      items: { properties: Record<string, unknown[]> }[];
    };
    expect(list.items.map((i) => i.properties.content?.[0])).toEqual(
      expect.arrayContaining(['draft', 'private', 'scheduled', 'backdated']),
    );
  });

  it('a draft-only token can only create drafts', async () => {
    const draftToken = t.app.services.tokens.mintToken({
      me: t.config.adminMe,
      clientId: null,
      scope: 'draft',
      expiresInSeconds: null,
    }).token;
    const res = await postJson(
      { type: ['h-entry'], properties: { content: ['wants to publish'] } },
      auth(draftToken),
    );
    expect(res.status).toBe(201);
    expect((await t.get(new URL(res.headers.get('location')!).pathname)).status).toBe(404);
    const upd = await postJson(
      { action: 'update', url: res.headers.get('location'), replace: { content: ['x'] } },
      auth(draftToken),
    );
    expect(upd.status).toBe(403);
  });

  it('q=category filters tags; q=config lists them', async () => {
    await postJson({
      type: ['h-entry'],
      properties: { content: ['x'], category: ['IndieWeb', 'Indigo', 'Other'] },
    });
    const cats = (await (await t.get('/micropub?q=category&filter=ind', auth())).json()) as {
      categories: string[];
    };
    expect(cats.categories.sort()).toEqual(['IndieWeb', 'Indigo']);
  });

  it('HTML content is sanitised, never escaped into visible tags', async () => {
    const url = (
      await postJson({
        type: ['h-entry'],
        properties: {
          content: [{ html: '<p>ok <b>bold</b><script>alert(1)</script><img src=x onerror=alert(1)></p>' }],
        },
      })
    ).headers.get('location')!;
    const page = await (await t.get(new URL(url).pathname)).text();
    expect(page).toContain('<b>bold</b>');
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('onerror');
    expect(page).not.toContain('&lt;b&gt;');
  });
});

describe('authentication rules', () => {
  it('never takes a token from the URL query', async () => {
    const res = await t.request(`/micropub?access_token=${token}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'content=x',
    });
    expect(res.status).toBe(400);
    expect((await t.get(`/micropub?q=config&access_token=${token}`)).status).toBe(400);
  });

  it('refuses a token that belongs to another identity', async () => {
    const other = t.app.services.tokens.mintToken({
      me: 'https://someone-else.example/',
      clientId: null,
      scope: 'create',
      expiresInSeconds: null,
    }).token;
    const res = await postForm([['content', 'x']], auth(other));
    expect(res.status).toBe(401);
  });

  it('refuses revoked and expired tokens', async () => {
    const short = t.app.services.tokens.mintToken({
      me: t.config.adminMe,
      clientId: null,
      scope: 'create',
      expiresInSeconds: 60,
    });
    t.clock.advance(61_000);
    expect((await postForm([['content', 'x']], auth(short.token))).status).toBe(401);
    const id = t.app.services.tokens.listTokens().find((x) => x.scope.includes('media'))!.id;
    t.app.services.tokens.revokeToken(id);
    expect((await postForm([['content', 'x']], auth())).status).toBe(401);
  });
});

describe('hostile input gets a clear 4xx in Micropub JSON, never a 500', () => {
  const cases: [string, () => Promise<Response>, number][] = [
    [
      'wrong content type',
      () =>
        t.request('/micropub', {
          method: 'POST',
          headers: { ...auth(), 'Content-Type': 'text/plain' },
          body: 'content=x',
        }),
      415,
    ],
    ['broken JSON', () => postJson('{"type": ["h-entry"], "properties": {'), 400],
    ['JSON array body', () => postJson('[1,2,3]'), 400],
    [
      'deeply nested JSON',
      () =>
        postJson(`{"type":["h-entry"],"properties":{"content":[${'['.repeat(5000)}${']'.repeat(5000)}]}}`),
      400,
    ],
    ['properties not arrays', () => postJson({ type: ['h-entry'], properties: { content: 'x' } }), 400],
    ['unknown action', () => postJson({ action: 'explode', url: 'http://example.test/notes/x' }), 400],
    [
      'update of a missing post',
      () =>
        postJson({ action: 'update', url: 'http://example.test/notes/nope', replace: { content: ['x'] } }),
      400,
    ],
    [
      'delete of a foreign URL',
      () => postJson({ action: 'delete', url: 'https://elsewhere.example/notes/x' }),
      400,
    ],
    [
      'bad property name',
      () =>
        postForm([
          ['content', 'x'],
          ['../../etc', 'y'],
        ]),
      400,
    ],
    [
      'bad published date',
      () => postJson({ type: ['h-entry'], properties: { content: ['x'], published: ['yesterday-ish'] } }),
      400,
    ],
    [
      'javascript: photo',
      () => postJson({ type: ['h-entry'], properties: { content: ['x'], photo: ['javascript:alert(1)'] } }),
      400,
    ],
    [
      'broken multipart',
      () =>
        t.request('/micropub', {
          method: 'POST',
          headers: { ...auth(), 'Content-Type': 'multipart/form-data; boundary=xyz' },
          body: '--xyz\r\nContent-Disposition: form-data; name="content"\r\n\r\nunterminated',
        }),
      400,
    ],
    [
      'huge body',
      () =>
        t.request('/micropub', {
          method: 'POST',
          headers: { ...auth(), 'Content-Type': 'application/json' },
          body: 'x'.repeat(31 * 1024 * 1024),
        }),
      413,
    ],
    ['unknown query', () => t.get('/micropub?q=everything', auth()), 400],
  ];
  it.each(cases)('%s', async (_name, send, status) => {
    const res = await send();
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: string; error_description: string };
    expect(typeof body.error).toBe('string');
    expect(t.db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 0 });
  });

  it('zip and SVG disguised as images, and path tricks in file names, are refused or neutralised', async () => {
    const zip = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(100)]);
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>',
    );
    for (const [bytes, name] of [
      [zip, 'photo.jpg'],
      [svg, 'photo.png'],
    ] as const) {
      const fd = new FormData();
      fd.set('file', new File([bytes], name, { type: 'image/jpeg' }));
      const res = await t.request('/micropub/media', { method: 'POST', headers: auth(), body: fd });
      expect(res.status).toBe(415);
      expect(((await res.json()) as { error: string }).error).toBe('unsupported_media_type');
    }
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const fd = new FormData();
    fd.set('file', new File([png], '../../../../etc/passwd.png', { type: 'image/png' }));
    const res = await t.request('/micropub/media', { method: 'POST', headers: auth(), body: fd });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toMatch(
      /^http:\/\/example\.test\/media\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.png$/,
    );
  });
});

describe('rendering by post type', () => {
  it('shows reply, like, bookmark, checkin, syndication links as microformats', async () => {
    const { mf2 } = await import('microformats-parser');
    const res = await postJson({
      type: ['h-entry'],
      properties: {
        content: ['Nice place'],
        'in-reply-to': ['https://example.com/post/1'],
        'bookmark-of': [
          { type: ['h-cite'], properties: { url: ['https://example.com/b'], name: ['A page'] } },
        ],
        checkin: [
          { type: ['h-card'], properties: { name: ['Café Central'], url: ['https://cafe.example/'] } },
        ],
        syndication: ['https://social.example/@me/1'],
      },
    });
    const html = await (await t.get(new URL(res.headers.get('location')!).pathname)).text();
    const entry = mf2(html, { baseUrl: 'http://example.test/' }).items.find((i) =>
      i.type?.includes('h-entry'),
    )!;
    expect(entry.properties['in-reply-to']).toEqual(['https://example.com/post/1']);
    // The h-cite the client sent is shown as one (issue 16 item 14): value is its URL.
    const bookmark = entry.properties['bookmark-of']![0] as {
      value: string;
      properties: Record<string, unknown[]>;
    };
    expect(bookmark.value).toBe('https://example.com/b');
    expect(bookmark.properties.name).toEqual(['A page']);
    expect(entry.properties.syndication).toEqual(['https://social.example/@me/1']);
    const checkin = entry.properties.checkin![0] as { properties: Record<string, unknown[]> };
    expect(checkin.properties.name).toEqual(['Café Central']);
  });
});

describe('q=source lists', () => {
  it('pages newest first with limit and after', async () => {
    for (let i = 1; i <= 3; i++) {
      await postJson({ type: ['h-entry'], properties: { content: [`n${i}`] } });
      t.clock.advance(1000);
    }
    const first = (await (await t.get('/micropub?q=source&limit=2', auth())).json()) as {
      items: { properties: Record<string, unknown[]> }[];
      paging?: { after: string };
    };
    expect(first.items.map((i) => i.properties.content![0])).toEqual(['n3', 'n2']);
    const next = (await (
      await t.get(`/micropub?q=source&limit=2&after=${first.paging!.after}`, auth())
    ).json()) as { items: { properties: Record<string, unknown[]> }[]; paging?: unknown };
    expect(next.items.map((i) => i.properties.content![0])).toEqual(['n1']);
    expect(next.paging).toBeUndefined();
  });
});
