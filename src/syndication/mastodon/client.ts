/**
 * A small typed client for the documented Mastodon REST endpoints StarPunk uses (docs.joinmastodon.org:
 * apps, oauth, instance, media, statuses, search). GoToSocial and Akkoma speak the same API.
 * Every request goes through the injected (SSRF-safe) fetch.
 */
import { randomBytes } from 'node:crypto';
import { JobError } from '../../jobs/queue.js';
import { describeNetworkError } from '../../outbound/network-errors.js';
import { isRetryableStatus, parseRetryAfter } from '../../outbound/policy.js';
import { type FetchLike, readLimited } from '../../outbound/safe-fetch.js';

/** The OAuth scopes asked for: post, upload, search (to thread replies), read the own account. */
export const MASTODON_SCOPES = 'read write';

/** A registered application (POST /api/v1/apps). */
export interface MastodonApp {
  client_id: string;
  client_secret: string;
}

/** The parts of an Account StarPunk shows. */
export interface MastodonAccount {
  id: string;
  username: string;
  acct: string;
  display_name: string;
  url: string;
  avatar?: string;
}

/** The parts of a Status StarPunk keeps. */
export interface MastodonStatus {
  id: string;
  url: string | null;
  uri: string;
}

/**
 * A failed call: the remote's status (0: no answer at all) and error text, and whether trying
 * again can help (src/outbound/policy.ts; a server that did not answer may answer later).
 */
export class MastodonError extends JobError {
  readonly status: number;
  constructor(status: number, message: string, retryAfterMs?: number) {
    const retryable = status === 0 || isRetryableStatus(status);
    super(message, {
      retryable,
      ...(retryable && retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
    this.name = 'MastodonError';
    this.status = status;
  }
}

/** The server's base URL from what a person typed ("mastodon.social", "https://x.y/"). */
export function normaliseServer(input: string): string {
  const raw = input.trim();
  const withScheme = /^https?:\/\//i.test(raw) ? raw : `https://${raw}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new Error('That is not a server address.');
  }
  if (u.username || u.password || u.search || u.hash || (u.pathname !== '/' && u.pathname !== ''))
    throw new Error('Type only the server address, like mastodon.social.');
  return u.origin;
}

/**
 * A multipart/form-data body built by hand: the SSRF-safe fetch is undici's own, which does not
 * recognise the FormData class of Node's bundled copy.
 */
function multipart(parts: { name: string; value: Buffer; filename?: string; type?: string }[]): {
  body: Buffer;
  headers: Record<string, string>;
} {
  const boundary = `----starpunk${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}`;
    const head = `--${boundary}\r\ncontent-disposition: ${disposition}\r\n${p.type ? `content-type: ${p.type}\r\n` : ''}\r\n`;
    chunks.push(Buffer.from(head, 'utf8'), p.value, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    body: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** Calls one Mastodon server. */
export function mastodonClient(fetch: FetchLike, server: string, token?: string) {
  async function call<T>(
    method: string,
    path: string,
    init: { body?: RequestInit['body']; json?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    let res: Response;
    const target = new URL(path, server).toString();
    try {
      res = await fetch(target, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        redirect: 'manual',
      });
    } catch (err) {
      throw new MastodonError(0, `${server} could not be reached: ${describeNetworkError(err, target)}`);
    }
    const text = await readLimited(res, 1024 * 1024).catch(() => '');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const remote = (parsed as { error?: unknown } | undefined)?.error;
      const detail = typeof remote === 'string' ? remote : text.slice(0, 200) || res.statusText;
      throw new MastodonError(
        res.status,
        `${new URL(server).host} answered ${res.status} to ${method} ${path.split('?')[0]}: ${detail}`,
        parseRetryAfter(res.headers.get('retry-after'), new Date()),
      );
    }
    return { status: res.status, body: parsed as T };
  }

  return {
    /** Registers StarPunk as an application (POST /api/v1/apps). */
    async registerApp(clientName: string, redirectUri: string, website: string): Promise<MastodonApp> {
      const form = new URLSearchParams({
        client_name: clientName,
        redirect_uris: redirectUri,
        scopes: MASTODON_SCOPES,
        website,
      });
      const { body } = await call<MastodonApp>('POST', '/api/v1/apps', { body: form });
      if (!body?.client_id || !body.client_secret)
        throw new MastodonError(502, 'The server registered no client id.');
      return body;
    },
    /** The page where the person approves access (GET /oauth/authorize). */
    authorizeUrl(app: MastodonApp, redirectUri: string, state: string): string {
      const u = new URL('/oauth/authorize', server);
      u.search = new URLSearchParams({
        response_type: 'code',
        client_id: app.client_id,
        redirect_uri: redirectUri,
        scope: MASTODON_SCOPES,
        state,
      }).toString();
      return u.toString();
    },
    /** Exchanges the authorization code for an access token (POST /oauth/token). */
    async exchangeCode(app: MastodonApp, code: string, redirectUri: string): Promise<string> {
      const form = new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        client_id: app.client_id,
        client_secret: app.client_secret,
        redirect_uri: redirectUri,
        scope: MASTODON_SCOPES,
      });
      const { body } = await call<{ access_token?: string }>('POST', '/oauth/token', { body: form });
      if (!body?.access_token) throw new MastodonError(502, 'The server gave no access token.');
      return body.access_token;
    },
    /** The account the token belongs to (GET /api/v1/accounts/verify_credentials). */
    async verifyCredentials(): Promise<MastodonAccount> {
      return (await call<MastodonAccount>('GET', '/api/v1/accounts/verify_credentials')).body;
    },
    /** The status character limit and URL weight (GET /api/v2/instance, else /api/v1/instance). */
    async limits(): Promise<{ maxCharacters: number; urlLength: number }> {
      type Conf = {
        configuration?: { statuses?: { max_characters?: number; characters_reserved_per_url?: number } };
        max_toot_chars?: number;
      };
      let info: Conf | undefined;
      try {
        info = (await call<Conf>('GET', '/api/v2/instance')).body;
      } catch (err) {
        if (!(err instanceof MastodonError) || err.status !== 404) throw err;
        info = (await call<Conf>('GET', '/api/v1/instance')).body;
      }
      const s = info?.configuration?.statuses;
      const max = s?.max_characters ?? info?.max_toot_chars;
      return {
        maxCharacters: typeof max === 'number' && max > 0 ? max : 500,
        urlLength: typeof s?.characters_reserved_per_url === 'number' ? s.characters_reserved_per_url : 23,
      };
    },
    /** Uploads an image with its alt text (POST /api/v2/media); waits while the server processes it. */
    async uploadMedia(
      bytes: Buffer,
      type: string,
      description: string,
      options: { pollMs?: number; maxPolls?: number } = {},
    ): Promise<string> {
      const form = multipart([
        { name: 'file', filename: `image.${type.split('/')[1] ?? 'bin'}`, type, value: bytes },
        ...(description ? [{ name: 'description', value: Buffer.from(description, 'utf8') }] : []),
      ]);
      const { status, body } = await call<{ id: string; url: string | null }>('POST', '/api/v2/media', form);
      if (status === 200 && body.url) return body.id;
      // 202 Accepted: processing goes on; GET /api/v1/media/:id answers 206 until the url is set.
      for (let i = 0; i < (options.maxPolls ?? 30); i++) {
        await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
        const polled = await call<{ id: string; url: string | null }>(
          'GET',
          `/api/v1/media/${encodeURIComponent(body.id)}`,
        );
        if (polled.status === 200 && polled.body.url) return body.id;
      }
      throw new MastodonError(503, 'The server is still processing the image.');
    },
    /** Posts a status (POST /api/v1/statuses); the same Idempotency-Key within an hour gives the same status. */
    async createStatus(
      params: { status: string; media_ids: string[]; in_reply_to_id?: string },
      idempotencyKey: string,
    ): Promise<MastodonStatus> {
      return (
        await call<MastodonStatus>('POST', '/api/v1/statuses', {
          json: { ...params, visibility: 'public' },
          headers: { 'idempotency-key': idempotencyKey },
        })
      ).body;
    },
    /** One status (GET /api/v1/statuses/:id). */
    async getStatus(id: string): Promise<MastodonStatus & { media_attachments?: { id: string }[] }> {
      return (
        await call<MastodonStatus & { media_attachments?: { id: string }[] }>(
          'GET',
          `/api/v1/statuses/${encodeURIComponent(id)}`,
        )
      ).body;
    },
    /** Edits a status (PUT /api/v1/statuses/:id). */
    async editStatus(id: string, params: { status: string; media_ids: string[] }): Promise<MastodonStatus> {
      return (
        await call<MastodonStatus>('PUT', `/api/v1/statuses/${encodeURIComponent(id)}`, { json: params })
      ).body;
    },
    /** Deletes a status (DELETE /api/v1/statuses/:id); one already gone counts as deleted. */
    async deleteStatus(id: string): Promise<void> {
      try {
        await call('DELETE', `/api/v1/statuses/${encodeURIComponent(id)}`);
      } catch (err) {
        if (err instanceof MastodonError && err.status === 404) return;
        throw err;
      }
    },
    /** The id on this server of the status at `url` (GET /api/v2/search?resolve=true), or undefined. */
    async resolveStatus(url: string): Promise<string | undefined> {
      const q = new URLSearchParams({ q: url, type: 'statuses', resolve: 'true', limit: '1' });
      const { body } = await call<{ statuses?: MastodonStatus[] }>('GET', `/api/v2/search?${q}`);
      return body?.statuses?.[0]?.id;
    },
  };
}
