/**
 * A loopback server that speaks the documented Mastodon endpoints StarPunk uses
 * (docs.joinmastodon.org/methods/): apps, oauth authorize/token, accounts/verify_credentials,
 * instance v2 (and v1), media v2 with asynchronous processing, statuses create/get/edit/delete,
 * search v2. It records every request so tests can assert what the real service would receive,
 * and it honours Idempotency-Key as Mastodon does: per account, whatever the token (Mastodon's
 * PostStatusService keeps `idempotency:status:<account id>:<key>` for an hour), so two sites
 * connected to the one account (ada) with the same key get the same status back.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { type Admin, postForm, type SiteClient } from './admin.js';

/** One request as the server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A status the server holds. */
export interface FakeStatus {
  id: string;
  status: string;
  media_ids: string[];
  in_reply_to_id: string | null;
  visibility: string;
  edited: number;
  deleted: boolean;
}

/** A media attachment with its alt text. */
export interface FakeMedia {
  id: string;
  description: string;
  type: string;
  bytes: number;
  polls: number;
}

/** Knobs a test turns. */
export interface FakeMastodonOptions {
  maxCharacters?: number;
  /** Answer 404 to /api/v2/instance (an older server): the v1 answer is used. */
  noV2Instance?: boolean;
  /** How many GET /api/v1/media/:id answer 206 before the url is set. */
  processingPolls?: number;
}

function parseMultipart(body: Buffer, contentType: string): Map<string, { value: Buffer; type?: string }> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const out = new Map<string, { value: Buffer; type?: string }>();
  if (!boundary) return out;
  const sep = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let at = body.indexOf(sep);
  while (at >= 0) {
    const next = body.indexOf(sep, at + sep.length);
    if (next < 0) break;
    const part = body.subarray(at + sep.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString('utf8');
    const name = /name="([^"]+)"/.exec(head)?.[1];
    const type = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1];
    if (name) out.set(name, { value: part.subarray(split + 4), ...(type ? { type } : {}) });
    at = next;
  }
  return out;
}

/** The one account every token of the fake server belongs to (ada). */
const ACCOUNT_ID = '1';

/** Starts a fake Mastodon server on a random loopback port. */
export async function startFakeMastodon(options: FakeMastodonOptions = {}) {
  const seen: SeenRequest[] = [];
  const apps = new Map<string, { secret: string; redirect: string; scopes: string }>();
  const codes = new Map<string, string>();
  const tokens = new Set<string>();
  const statuses = new Map<string, FakeStatus>();
  const media = new Map<string, FakeMedia>();
  const idempotency = new Map<string, string>();
  let nextId = 100;
  /** Answers 429 with this Retry-After to the next POST /api/v1/statuses calls. */
  const control = {
    rateLimited: 0,
    retryAfter: '30',
    /** Holds the response to the next status creation (after creating it) and calls this. */
    onHoldCreate: undefined as (() => void) | undefined,
    held: [] as http.ServerResponse[],
    /** Statuses other servers' notes could reply to, by URL. */
    known: new Map<string, string>(),
  };
  let base = '';

  const json = (
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const form = (req: SeenRequest): URLSearchParams => new URLSearchParams(req.body.toString('utf8'));
  const statusJson = (s: FakeStatus) => ({
    id: s.id,
    uri: `${base}users/ada/statuses/${s.id}`,
    url: `${base}@ada/${s.id}`,
    content: `<p>${s.status}</p>`,
    in_reply_to_id: s.in_reply_to_id,
    media_attachments: s.media_ids.map((id) => ({ id, description: media.get(id)?.description ?? null })),
  });

  function handle(r: SeenRequest, res: http.ServerResponse): unknown {
    const url = new URL(r.path, base);
    const p = url.pathname;
    if (r.method === 'POST' && p === '/api/v1/apps') {
      const f = form(r);
      const id = `client-${++nextId}`;
      apps.set(id, {
        secret: `secret-${id}`,
        redirect: f.get('redirect_uris') ?? '',
        scopes: f.get('scopes') ?? '',
      });
      return json(res, 200, {
        id: String(nextId),
        name: f.get('client_name'),
        client_id: id,
        client_secret: `secret-${id}`,
      });
    }
    if (r.method === 'GET' && p === '/oauth/authorize') {
      // The person signs in and clicks "Authorize": the server sends them back with a code.
      const app = apps.get(url.searchParams.get('client_id') ?? '');
      if (!app || app.redirect !== url.searchParams.get('redirect_uri'))
        return json(res, 400, { error: 'invalid_client' });
      const code = `code-${++nextId}`;
      codes.set(code, url.searchParams.get('client_id')!);
      const back = new URL(app.redirect);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      return void res.end();
    }
    if (r.method === 'POST' && p === '/oauth/token') {
      const f = form(r);
      const client = codes.get(f.get('code') ?? '');
      const app = client ? apps.get(client) : undefined;
      if (
        f.get('grant_type') !== 'authorization_code' ||
        !app ||
        client !== f.get('client_id') ||
        app.secret !== f.get('client_secret') ||
        app.redirect !== f.get('redirect_uri')
      )
        return json(res, 400, {
          error: 'invalid_grant',
          error_description: 'The provided authorization grant is invalid',
        });
      codes.delete(f.get('code')!);
      const token = `token-${++nextId}`;
      tokens.add(token);
      return json(res, 200, { access_token: token, token_type: 'Bearer', scope: app.scopes, created_at: 0 });
    }
    if (r.method === 'GET' && p === '/api/v2/instance') {
      if (options.noV2Instance) return json(res, 404, { error: 'Record not found' });
      return json(res, 200, {
        domain: url.host,
        configuration: {
          statuses: { max_characters: options.maxCharacters ?? 500, characters_reserved_per_url: 23 },
        },
      });
    }
    if (r.method === 'GET' && p === '/api/v1/instance')
      return json(res, 200, { uri: url.host, max_toot_chars: options.maxCharacters ?? 500 });

    // Everything below needs the token.
    const auth = r.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!tokens.has(token)) return json(res, 401, { error: 'The access token is invalid' });

    if (r.method === 'GET' && p === '/api/v1/accounts/verify_credentials')
      return json(res, 200, {
        id: ACCOUNT_ID,
        username: 'ada',
        acct: 'ada',
        display_name: 'Ada L.',
        url: `${base}@ada`,
        avatar: `${base}avatars/ada.png`,
      });
    if (r.method === 'POST' && p === '/api/v2/media') {
      const parts = parseMultipart(r.body, String(r.headers['content-type']));
      const file = parts.get('file');
      if (!file) return json(res, 422, { error: 'Validation failed: File can’t be blank' });
      const id = String(++nextId);
      media.set(id, {
        id,
        description: parts.get('description')?.value.toString('utf8') ?? '',
        type: file.type ?? '',
        bytes: file.value.length,
        polls: 0,
      });
      // Images are processed asynchronously: 202 with a null url.
      return json(res, 202, { id, type: 'image', url: null, description: media.get(id)!.description });
    }
    const mediaMatch = /^\/api\/v1\/media\/([^/]+)$/.exec(p);
    if (r.method === 'GET' && mediaMatch) {
      const m = media.get(mediaMatch[1]!);
      if (!m) return json(res, 404, { error: 'Record not found' });
      m.polls++;
      if (m.polls <= (options.processingPolls ?? 1)) return json(res, 206, { id: m.id, url: null });
      return json(res, 200, { id: m.id, url: `${base}media/${m.id}.jpg`, description: m.description });
    }
    if (r.method === 'GET' && p === '/api/v2/search') {
      const id =
        url.searchParams.get('resolve') === 'true'
          ? control.known.get(url.searchParams.get('q') ?? '')
          : undefined;
      return json(res, 200, {
        accounts: [],
        hashtags: [],
        statuses: id ? [statusJson(statuses.get(id)!)] : [],
      });
    }
    if (r.method === 'POST' && p === '/api/v1/statuses') {
      if (control.rateLimited > 0) {
        control.rateLimited--;
        return json(res, 429, { error: 'Too many requests' }, { 'retry-after': control.retryAfter });
      }
      const key = r.headers['idempotency-key'];
      const again = typeof key === 'string' ? idempotency.get(`${ACCOUNT_ID}:${key}`) : undefined;
      if (again) return json(res, 200, statusJson(statuses.get(again)!));
      const body = JSON.parse(r.body.toString('utf8')) as Partial<FakeStatus>;
      if (!body.status && !(body.media_ids ?? []).length)
        return json(res, 422, { error: "Validation failed: Text can't be blank" });
      // Mastodon counts every URL as 23 characters.
      if (
        [...(body.status ?? '').replace(/https?:\/\/\S+/g, 'x'.repeat(23))].length >
        (options.maxCharacters ?? 500)
      )
        return json(res, 422, { error: 'Validation failed: Text character limit of 500 exceeded' });
      for (const id of body.media_ids ?? []) {
        const m = media.get(id);
        if (!m || m.polls <= (options.processingPolls ?? 1))
          return json(res, 422, { error: 'Media not processed' });
      }
      const id = String(++nextId);
      statuses.set(id, {
        id,
        status: body.status ?? '',
        media_ids: body.media_ids ?? [],
        in_reply_to_id: body.in_reply_to_id ?? null,
        visibility: body.visibility ?? 'public',
        edited: 0,
        deleted: false,
      });
      if (typeof key === 'string') idempotency.set(`${ACCOUNT_ID}:${key}`, id);
      if (control.onHoldCreate) {
        control.held.push(res);
        const hook = control.onHoldCreate;
        control.onHoldCreate = undefined;
        return hook();
      }
      return json(res, 200, statusJson(statuses.get(id)!));
    }
    const statusMatch = /^\/api\/v1\/statuses\/([^/]+)$/.exec(p);
    if (statusMatch) {
      const s = statuses.get(statusMatch[1]!);
      if (!s || s.deleted) return json(res, 404, { error: 'Record not found' });
      if (r.method === 'GET') return json(res, 200, statusJson(s));
      if (r.method === 'PUT') {
        const body = JSON.parse(r.body.toString('utf8')) as Partial<FakeStatus>;
        s.status = body.status ?? s.status;
        if (body.media_ids) s.media_ids = body.media_ids;
        s.edited++;
        return json(res, 200, statusJson(s));
      }
      if (r.method === 'DELETE') {
        s.deleted = true;
        return json(res, 200, { ...statusJson(s), text: s.status });
      }
    }
    json(res, 404, { error: 'Record not found' });
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      seen.push(r);
      handle(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url: base,
    seen,
    statuses,
    media,
    tokens,
    control,
    /** Requests to one method and path (query ignored). */
    requests: (method: string, path: string) =>
      seen.filter((r) => r.method === method && r.path.split('?')[0] === path),
    /** Adds a status other notes may reply to; returns its URL. */
    addStatus(text: string): string {
      const id = String(++nextId);
      statuses.set(id, {
        id,
        status: text,
        media_ids: [],
        in_reply_to_id: null,
        visibility: 'public',
        edited: 0,
        deleted: false,
      });
      const u = `${base}@bob/${id}`;
      control.known.set(u, id);
      return u;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of control.held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The fake server's type. */
export type FakeMastodon = Awaited<ReturnType<typeof startFakeMastodon>>;

/** Connects the fake server's account through the admin, as a person would. */
export async function connectMastodon(app: SiteClient, who: Admin, server: FakeMastodon): Promise<Response> {
  const start = await postForm(app, who, '/admin/syndication/mastodon/connect', { server: server.url });
  expect(start.status).toBe(303);
  const authorize = start.headers.get('location')!;
  expect(authorize.startsWith(`${server.url}oauth/authorize?`)).toBe(true);
  // The person approves on their server, which sends the browser back with a code.
  const approved = await fetch(authorize, { redirect: 'manual' });
  expect(approved.status).toBe(302);
  const back = new URL(approved.headers.get('location')!);
  expect(back.origin + back.pathname).toBe('http://example.test/admin/syndication/mastodon/callback');
  return app.get(`${back.pathname}${back.search}`, { Cookie: who.cookie });
}
