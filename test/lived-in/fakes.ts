/**
 * The two services a lived-in site copies its notes to, on loopback, modelled on the real ones
 * where the lived-in test depends on it:
 *
 * - Mastodon keeps an Idempotency-Key per ACCOUNT (Mastodon's PostStatusService stores
 *   `idempotency:status:<account id>:<key>` for an hour), not per token: two sites connected to the
 *   same account share one key space, as they do on a real server.
 * - The PDS keeps every session it issued valid at once (a real PDS does: two sites signed in to
 *   the same account do not sign each other out), refuses a post over 300 graphemes or
 *   3,000 UTF-8 bytes (the lexicon of app.bsky.feed.post, as @atproto/pds checks it with
 *   `validate: true`), and refuses a createRecord on a key that is taken.
 *
 * Both count every request (nothing may be sent twice) and can hold the answer to the next post
 * after storing it (the service got the post, the answer never arrives: a SIGTERM or a crash in
 * between) or refuse posts for a while (down).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a fake saw it. */
export interface Seen {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Knobs the test turns on either fake. */
export interface Control {
  /** Refuse posts with 503 (the service is down for maintenance). */
  down: boolean;
  /** Store the next post, then hold its answer and call this. */
  onHold: (() => void) | undefined;
  /** Answers held back; `dropHeld()` cuts them off. */
  held: http.ServerResponse[];
}

function listen(handler: (r: Seen, res: http.ServerResponse) => void) {
  const seen: Seen[] = [];
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
      handler(r, res);
    });
  });
  return { seen, server };
}

async function started(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closer(server: http.Server, control: Control) {
  return () =>
    new Promise<void>((resolve) => {
      for (const res of control.held) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function newControl(): Control {
  return { down: false, onHold: undefined, held: [] };
}

/** Holds `res` when a hold is armed (the post is stored already); true when it did. */
function holdIfArmed(control: Control, res: http.ServerResponse): boolean {
  if (!control.onHold) return false;
  const hook = control.onHold;
  control.onHold = undefined;
  control.held.push(res);
  hook();
  return true;
}

/** Cuts off every held answer: the poster sees the connection drop. */
function dropHeld(control: Control): void {
  for (const res of control.held.splice(0)) res.destroy();
}

/** A status on the fake Mastodon. */
export interface Status {
  id: string;
  text: string;
  mediaIds: string[];
  inReplyToId: string | null;
  key: string | undefined;
  deleted: boolean;
  edits: number;
}

/** The one-account Mastodon server ("@ada"), with the OAuth flow StarPunk uses to connect. */
export async function startMastodon() {
  const control = newControl();
  const apps = new Map<string, { secret: string; redirect: string; scopes: string }>();
  const codes = new Map<string, string>();
  const tokens = new Set<string>();
  const statuses = new Map<string, Status>();
  const media = new Map<string, { description: string; bytes: number }>();
  /** Idempotency-Key → status id, for the one account every token belongs to. */
  const idempotency = new Map<string, string>();
  let next = 100;
  let base = '';
  const statusJson = (s: Status) => ({
    id: s.id,
    uri: `${base}users/ada/statuses/${s.id}`,
    url: `${base}@ada/${s.id}`,
    content: `<p>${s.text}</p>`,
    in_reply_to_id: s.inReplyToId,
    media_attachments: s.mediaIds.map((id) => ({ id, description: media.get(id)?.description ?? null })),
  });
  const { seen, server } = listen((r, res) => {
    const url = new URL(r.path, base);
    const p = url.pathname;
    const form = () => new URLSearchParams(r.body.toString('utf8'));
    if (r.method === 'POST' && p === '/api/v1/apps') {
      const f = form();
      const id = `client-${++next}`;
      apps.set(id, {
        secret: `secret-${id}`,
        redirect: f.get('redirect_uris') ?? '',
        scopes: f.get('scopes') ?? '',
      });
      return json(res, 200, { id: String(next), client_id: id, client_secret: `secret-${id}` });
    }
    if (r.method === 'GET' && p === '/oauth/authorize') {
      // The owner is signed in there and presses "Authorize": back to the site with a code.
      const app = apps.get(url.searchParams.get('client_id') ?? '');
      if (!app || app.redirect !== url.searchParams.get('redirect_uri'))
        return json(res, 400, { error: 'invalid_client' });
      const code = `code-${++next}`;
      codes.set(code, url.searchParams.get('client_id')!);
      const back = new URL(app.redirect);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      return void res.end();
    }
    if (r.method === 'POST' && p === '/oauth/token') {
      const f = form();
      const client = codes.get(f.get('code') ?? '');
      const app = client ? apps.get(client) : undefined;
      if (!app || client !== f.get('client_id') || app.secret !== f.get('client_secret'))
        return json(res, 400, { error: 'invalid_grant' });
      codes.delete(f.get('code')!);
      const token = `token-${++next}`;
      tokens.add(token);
      return json(res, 200, { access_token: token, token_type: 'Bearer', scope: app.scopes, created_at: 0 });
    }
    if (r.method === 'GET' && p === '/api/v2/instance')
      return json(res, 200, {
        domain: url.host,
        configuration: { statuses: { max_characters: 500, characters_reserved_per_url: 23 } },
      });
    const auth = r.headers.authorization ?? '';
    if (!tokens.has(auth.replace(/^Bearer /, '')))
      return json(res, 401, { error: 'The access token is invalid' });
    if (r.method === 'GET' && p === '/api/v1/accounts/verify_credentials')
      return json(res, 200, {
        id: '1',
        username: 'ada',
        acct: 'ada',
        display_name: 'Ada L.',
        url: `${base}@ada`,
      });
    if (r.method === 'POST' && p === '/api/v2/media') {
      // Small images are processed at once: 200 with the url (no polling).
      const id = String(++next);
      const description = /name="description"\r\n\r\n([^\r]*)\r\n/.exec(r.body.toString('utf8'))?.[1] ?? '';
      media.set(id, { description, bytes: r.body.length });
      return json(res, 200, { id, type: 'image', url: `${base}media/${id}.png`, description });
    }
    if (r.method === 'GET' && p === '/api/v2/search')
      return json(res, 200, { accounts: [], hashtags: [], statuses: [] });
    if (r.method === 'POST' && p === '/api/v1/statuses') {
      if (control.down) return json(res, 503, { error: 'Down for maintenance' });
      const key = typeof r.headers['idempotency-key'] === 'string' ? r.headers['idempotency-key'] : undefined;
      const again = key ? idempotency.get(key) : undefined;
      if (again) return json(res, 200, statusJson(statuses.get(again)!));
      const body = JSON.parse(r.body.toString('utf8')) as {
        status?: string;
        media_ids?: string[];
        in_reply_to_id?: string;
      };
      if ([...(body.status ?? '').replace(/https?:\/\/\S+/g, 'x'.repeat(23))].length > 500)
        return json(res, 422, { error: 'Validation failed: Text character limit of 500 exceeded' });
      const id = String(++next);
      statuses.set(id, {
        id,
        text: body.status ?? '',
        mediaIds: body.media_ids ?? [],
        inReplyToId: body.in_reply_to_id ?? null,
        key,
        deleted: false,
        edits: 0,
      });
      if (key) idempotency.set(key, id);
      if (holdIfArmed(control, res)) return;
      return json(res, 200, statusJson(statuses.get(id)!));
    }
    const one = /^\/api\/v1\/statuses\/([^/]+)$/.exec(p);
    if (one) {
      const s = statuses.get(one[1]!);
      if (!s || s.deleted) return json(res, 404, { error: 'Record not found' });
      if (r.method === 'GET') return json(res, 200, statusJson(s));
      if (r.method === 'PUT') {
        const body = JSON.parse(r.body.toString('utf8')) as { status?: string; media_ids?: string[] };
        s.text = body.status ?? s.text;
        if (body.media_ids) s.mediaIds = body.media_ids;
        s.edits++;
        return json(res, 200, statusJson(s));
      }
      if (r.method === 'DELETE') {
        s.deleted = true;
        return json(res, 200, { ...statusJson(s), text: s.text });
      }
    }
    json(res, 404, { error: 'Record not found' });
  });
  base = `http://127.0.0.1:${await started(server)}/`;
  return {
    url: base,
    seen,
    statuses,
    control,
    dropHeld: () => dropHeld(control),
    /** Statuses (deleted ones too) whose text contains `text`. */
    statusesWith: (text: string) => [...statuses.values()].filter((s) => s.text.includes(text)),
    /** The status a copy's address points at. */
    statusAt: (address: string) => statuses.get(/\/@ada\/(\d+)$/.exec(address)?.[1] ?? ''),
    close: closer(server, control),
  };
}

/** The fake Mastodon's type. */
export type Mastodon = Awaited<ReturnType<typeof startMastodon>>;

/** The one Bluesky account both sites copy to. */
export const BSKY = { did: 'did:plc:ada', handle: 'ada.test', password: 'abcd-efgh-ijkl-mnop' };

/** A record in the PDS repository. */
export interface PdsRecord {
  uri: string;
  cid: string;
  value: { text?: string; [k: string]: unknown };
  deleted: boolean;
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** A PDS hosting one account: sessions, blobs, posts with the lexicon's limits. */
export async function startPds() {
  const control = newControl();
  /** Access JWT → refresh JWT of every live session. */
  const sessions = new Map<string, string>();
  const records = new Map<string, PdsRecord>();
  let issued = 0;
  const issue = () => {
    issued++;
    const access = `access-${issued}`;
    sessions.set(access, `refresh-${issued}`);
    return {
      did: BSKY.did,
      handle: BSKY.handle,
      accessJwt: access,
      refreshJwt: `refresh-${issued}`,
      active: true,
    };
  };
  const { seen, server } = listen((r, res) => {
    const url = new URL(r.path, 'http://pds');
    const method = url.pathname.replace(/^\/xrpc\//, '');
    const b = (
      r.headers['content-type'] === 'application/json' && r.body.length > 0
        ? JSON.parse(r.body.toString('utf8'))
        : {}
    ) as Record<string, unknown>;
    const bearer = (r.headers.authorization ?? '').replace(/^Bearer /, '');
    const authed = () => {
      if (sessions.has(bearer)) return true;
      json(res, 401, { error: 'InvalidToken', message: 'Bad token' });
      return false;
    };
    switch (method) {
      case 'com.atproto.server.createSession':
        if ((b.identifier === BSKY.handle || b.identifier === BSKY.did) && b.password === BSKY.password)
          return json(res, 200, issue());
        return json(res, 401, { error: 'AuthenticationRequired', message: 'Invalid identifier or password' });
      case 'com.atproto.server.refreshSession': {
        const access = [...sessions].find(([, refresh]) => refresh === bearer)?.[0];
        if (!access) return json(res, 400, { error: 'ExpiredToken', message: 'Token has expired' });
        sessions.delete(access);
        return json(res, 200, issue());
      }
      case 'app.bsky.actor.getProfile':
        if (!authed()) return;
        return json(res, 200, { did: BSKY.did, handle: BSKY.handle, displayName: 'Ada L.' });
      case 'com.atproto.identity.resolveHandle':
        if (url.searchParams.get('handle') === BSKY.handle) return json(res, 200, { did: BSKY.did });
        return json(res, 400, { error: 'InvalidRequest', message: 'Unable to resolve handle' });
      case 'com.atproto.repo.getRecord': {
        const q = url.searchParams;
        const rec = records.get(`at://${q.get('repo')}/${q.get('collection')}/${q.get('rkey')}`);
        if (!rec || rec.deleted)
          return json(res, 400, { error: 'RecordNotFound', message: 'Could not locate record' });
        return json(res, 200, { uri: rec.uri, cid: rec.cid, value: rec.value });
      }
      case 'com.atproto.repo.uploadBlob':
        if (!authed()) return;
        return json(res, 200, {
          blob: {
            $type: 'blob',
            ref: { $link: `bafkblob${seen.length}` },
            mimeType: r.headers['content-type'],
            size: r.body.length,
          },
        });
      case 'com.atproto.repo.createRecord': {
        if (!authed()) return;
        if (control.down)
          return json(res, 503, { error: 'ServiceUnavailable', message: 'Down for maintenance' });
        const uri = `at://${b.repo}/${b.collection}/${b.rkey}`;
        if (records.get(uri)?.deleted === false)
          return json(res, 400, { error: 'InvalidRequest', message: `Record already exists: ${uri}` });
        const value = (b.record ?? {}) as PdsRecord['value'];
        if (typeof value.text === 'string') {
          const bytes = Buffer.byteLength(value.text, 'utf8');
          const count = [...graphemes.segment(value.text)].length;
          if (bytes > 3000)
            return json(res, 400, {
              error: 'InvalidRecord',
              message: `Invalid app.bsky.feed.post record: Record/text must not be longer than 3000 characters (string too big (maximum 3000, got ${bytes}))`,
            });
          if (count > 300)
            return json(res, 400, {
              error: 'InvalidRecord',
              message: `Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes (got ${count})`,
            });
        }
        const cid = `bafyrec${records.size}`;
        records.set(uri, { uri, cid, value, deleted: false });
        if (holdIfArmed(control, res)) return;
        return json(res, 200, { uri, cid, validationStatus: 'valid' });
      }
      case 'com.atproto.repo.deleteRecord': {
        if (!authed()) return;
        const rec = records.get(`at://${b.repo}/${b.collection}/${b.rkey}`);
        if (rec) rec.deleted = true;
        return json(res, 200, {});
      }
      default:
        return json(res, 501, { error: 'MethodNotImplemented', message: method });
    }
  });
  const url = `http://127.0.0.1:${await started(server)}`;
  return {
    url,
    seen,
    records,
    control,
    dropHeld: () => dropHeld(control),
    /** Calls of one XRPC method. */
    calls: (method: string) => seen.filter((s) => s.path.startsWith(`/xrpc/${method}`)),
    /** Posts (deleted ones too) whose text contains `text`. */
    postsWith: (text: string) => [...records.values()].filter((r) => r.value.text?.includes(text)),
    /** The record a copy's bsky.app address points at. */
    recordAt: (address: string) => {
      const m = /\/profile\/([^/]+)\/post\/([^/?#]+)$/.exec(address);
      return m ? records.get(`at://${m[1]}/app.bsky.feed.post/${m[2]}`) : undefined;
    },
    close: closer(server, control),
  };
}

/** The fake PDS's type. */
export type Pds = Awaited<ReturnType<typeof startPds>>;
