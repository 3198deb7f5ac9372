import type { MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { contentType } from '../../http/body-limit.js';
import { AppError, isAppError } from '../../lib/errors.js';
import type { SiteUrls } from '../../lib/site-urls.js';
import { renderResponseCounts, renderResponses } from '../../views/responses.js';
import { DEFAULT_AVATAR_SVG } from '../../webmention/avatars.js';
import type { WebmentionReceiver } from '../../webmention/receive.js';
import type { SiteResponses } from './public-context.js';

/** Dependencies of the Webmention endpoint. */
export interface WebmentionRouteDeps {
  receiver: WebmentionReceiver;
  urls: SiteUrls;
}

/**
 * Advertises the endpoint on a page (W3C Webmention §3.1.2: an HTTP Link header, found before
 * the HTML is read). Set before the handler, so a route that sets its own Link header (the home
 * page's, which lists it too) replaces it.
 */
export function advertiseWebmention(urls: SiteUrls): MiddlewareHandler {
  const value = `<${urls.webmention}>; rel="webmention"`;
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') c.header('Link', value);
    await next();
  };
}

/** The receiver's responses as the public pages render them. */
export function siteResponses(receiver: WebmentionReceiver): SiteResponses {
  return {
    forNote: (noteId, timeZone) => renderResponses(receiver.responsesFor(noteId), timeZone),
    changedAt: (noteId) => receiver.responsesChangedAt(noteId),
    countsFor(notes) {
      const counts = receiver.countsFor(notes.map((n) => n.id));
      return new Map(notes.map((n) => [n.id, renderResponseCounts(counts.get(n.id), n.url)]));
    },
  };
}

const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;
const AVATAR = /^[0-9a-f]{64}$/;

/** POST /webmention (§3.2), the status URL it answers with, and the authors' cached photos. */
export function webmentionRoutes(deps: WebmentionRouteDeps): Hono {
  const app = new Hono();
  const { receiver, urls } = deps;

  app.post('/webmention', async (c) => {
    // §3.2: source and target arrive form-encoded.
    if (contentType(c) !== 'application/x-www-form-urlencoded') {
      throw new AppError(
        'unsupported_media_type',
        'Send source and target form-encoded (application/x-www-form-urlencoded).',
      );
    }
    let body: Record<string, unknown>;
    try {
      body = await c.req.parseBody({ all: true });
    } catch {
      throw new AppError('invalid_request', 'The request body could not be read.');
    }
    let row: ReturnType<WebmentionReceiver['receive']>;
    try {
      row = receiver.receive({ source: body.source, target: body.target });
    } catch (err) {
      const after = isAppError(err) ? err.details?.retryAfterS : undefined;
      if (typeof after === 'number') c.header('Retry-After', String(after));
      throw err;
    }
    // §3.2: a receiver that creates a status page answers 201 Created with its Location.
    const location = urls.abs(`webmention/status/${row.status_token}`);
    return c.json({ ...receiver.status(row.status_token), location }, 201, {
      Location: location,
      'Cache-Control': 'no-store',
    });
  });

  app.get('/webmention/status/:token', (c) => {
    const token = c.req.param('token');
    const s = TOKEN.test(token) ? receiver.status(token) : undefined;
    if (!s) throw new AppError('not_found', 'There is no Webmention with this status address.');
    return c.json(s, 200, { 'Cache-Control': 'no-store' });
  });

  app.get('/webmention/avatar/:name', (c) => {
    const name = c.req.param('name');
    const found = AVATAR.test(name) ? receiver.avatar(name) : undefined;
    if (!found) {
      // Not fetched (yet), failed, or no photo: the default, not kept long by caches, so the
      // real photo shows once it is here.
      if (name !== 'default' && !AVATAR.test(name))
        throw new AppError('not_found', 'There is no such picture.');
      return c.body(DEFAULT_AVATAR_SVG, 200, {
        'Content-Type': 'image/svg+xml',
        'Cache-Control': name === 'default' ? 'public, max-age=86400' : 'public, max-age=300',
      });
    }
    const etag = `"${name.slice(0, 16)}-${found.fetched_at.replace(/\D/g, '')}"`;
    const headers = { ETag: etag, 'Cache-Control': 'public, max-age=86400', 'Content-Type': found.mime_type };
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
    return c.body(new Uint8Array(found.bytes), 200, headers);
  });

  return app;
}
