import type { Context } from 'hono';
import { Hono } from 'hono';
import { type Clock, systemClock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { SessionVars } from '../../http/session.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../logger.js';
import { excerpt, plainText } from '../../notes/markdown.js';
import type { NoteService } from '../../notes/service.js';
import type { FetchLike } from '../../outbound/safe-fetch.js';
import { connectBluesky, XrpcUnreachable } from '../../syndication/bluesky/index.js';
import {
  finishMastodonConnect,
  MASTODON_CALLBACK_PATH,
  startMastodonConnect,
} from '../../syndication/mastodon/connect.js';
import type { Syndication } from '../../syndication/service.js';
import type { AdminFrame } from '../../views/admin/layout.js';
import { BlueskyConnectForm, renderSyndication } from '../../views/admin/syndication.js';
import { type AdminFrameDeps, adminFrame } from './frame.js';
import { adminRelative } from './guard.js';
import { sessionFlash, setOneTimeFlash, takeOneTimeFlash } from './one-time-flash.js';

/** Dependencies of the syndication admin pages. */
export interface SyndicationAdminDeps {
  /** The site facts in force (site name, time zone in the admin frame). */
  site: AdminFrameDeps['site'];
  config: Config;
  notes: NoteService;
  syndication: Syndication;
  fetch: FetchLike;
  clock?: Clock;
  logger?: Logger;
}

type Ctx = Context<{ Variables: SessionVars }>;

const FLASH: Record<string, string> = {
  connected: 'Account connected.',
  disconnected: 'Account disconnected. Copies already posted stay where they are.',
  saved: 'Saved.',
  retried: 'Queued to be tried again.',
  'retry-none': 'Nothing to try again: the copy is being worked on now.',
  replacing: 'The copy is being posted again with the note as it is now.',
};

/**
 * Accounts (connect, disconnect, default on/off) and copies with "retry". Paths are relative to
 * the admin sub-app (app.ts), whose guard covers them.
 */
export function syndicationAdminRoutes(deps: SyndicationAdminDeps): Hono<{ Variables: SessionVars }> {
  const app = new Hono<{ Variables: SessionVars }>();
  const { syndication } = deps;
  // The app registered on a Mastodon server carries the site's name in force (settings).
  const connectDeps = () => ({
    fetch: deps.fetch,
    syndication,
    siteUrl: deps.config.siteUrl,
    siteName: deps.site.current().settings.siteName,
  });

  const clock = deps.clock ?? systemClock;

  /** How many queued copies a disconnect cancelled waits here for the page (never in the URL). */
  const disconnectedFlash = (c: Ctx) =>
    sessionFlash(c, 'starpunk_disconnected', '/admin/syndication', deps.config.siteUrl, clock.now());

  const frame = (c: Ctx): AdminFrame => {
    const f = adminFrame(c, { config: deps.config, site: deps.site }, FLASH);
    const taken = takeOneTimeFlash(c, disconnectedFlash(c)) as { cancelled?: unknown } | undefined;
    const n = taken?.cancelled;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return f;
    // Said even when nothing was queued, so the owner never wonders whether work is still waiting.
    const cancelled =
      n === 0 ? 'no queued copies to cancel' : `${n} queued ${n === 1 ? 'copy' : 'copies'} cancelled`;
    return {
      ...f,
      flash: {
        kind: 'ok',
        text: `Account disconnected; ${cancelled}. Copies already posted stay where they are.`,
      },
    };
  };

  function idParam(c: Ctx, name: string): number {
    const v = c.req.param(name) ?? '';
    if (!/^\d{1,12}$/.test(v)) throw new AppError('not_found', 'No such item.');
    return Number(v);
  }

  function show(c: Ctx): Response {
    const copies = syndication.recentCopies(50);
    const noteTitles = new Map<number, string>();
    for (const id of new Set(copies.map((x) => x.noteId))) {
      const n = deps.notes.getNoteById(id);
      if (n) noteTitles.set(id, n.name ?? (excerpt(plainText(n.contentHtml), 50) || 'Note'));
    }
    return c.html(
      renderSyndication({
        frame: frame(c),
        accounts: syndication.listAccounts(),
        copies,
        noteTitles,
        extraConnect: <BlueskyConnectForm />,
      }),
    );
  }

  async function connectMastodon(c: Ctx): Promise<Response> {
    const body = await c.req.parseBody();
    const server = typeof body.server === 'string' ? body.server : '';
    if (!server.trim()) throw new AppError('invalid_request', "Type your Mastodon server's address.");
    return c.redirect(await startMastodonConnect(connectDeps(), server), 303);
  }

  /** Bluesky: the handle, an app password and the service (a PDS of one's own, or bsky.social). */
  async function connectBlueskyAccount(c: Ctx): Promise<Response> {
    const body = await c.req.parseBody();
    const field = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    if (!field('handle').trim() || !field('app_password').trim())
      throw new AppError('invalid_request', 'Type your Bluesky handle and an app password.');
    let connection: Awaited<ReturnType<typeof connectBluesky>>;
    try {
      connection = await connectBluesky({
        fetch: deps.fetch,
        handle: field('handle'),
        appPassword: field('app_password'),
        ...(field('service').trim() ? { service: field('service').trim() } : {}),
      });
    } catch (err) {
      // No answer at all is not a refusal: say which server could not be reached, and why.
      if (err instanceof XrpcUnreachable) {
        throw new AppError(
          'invalid_request',
          `Could not reach the Bluesky server at ${err.service}: ${err.reason}. Check the server address (leave it empty for bsky.social), or try again later.`.slice(
            0,
            400,
          ),
        );
      }
      // The PDS's answer (wrong password, unknown handle) is the person's to read.
      throw new AppError(
        'invalid_request',
        `Bluesky did not accept this: ${(err as Error).message}`.slice(0, 300),
      );
    }
    syndication.connectAccount({
      service: 'bluesky',
      uid: connection.uid,
      name: connection.name,
      user: connection.user,
      secrets: connection.secrets,
    });
    return c.redirect('/admin/syndication?flash=connected', 303);
  }

  async function mastodonCallback(c: Ctx): Promise<Response> {
    const error = c.req.query('error');
    if (error !== undefined) {
      // The words come from whoever wrote the link: logged for the owner, never shown in the admin.
      deps.logger?.warn(
        { error: error.slice(0, 200), description: c.req.query('error_description')?.slice(0, 300) },
        'Mastodon authorization refused',
      );
      throw new AppError(
        'invalid_request',
        'Mastodon did not authorise StarPunk to post for you (access was refused or cancelled). Connect again to retry.',
      );
    }
    const state = c.req.query('state') ?? '';
    const code = c.req.query('code') ?? '';
    if (!state || !code) throw new AppError('invalid_request', 'The server sent no authorization code.');
    await finishMastodonConnect(connectDeps(), state, code);
    return c.redirect('/admin/syndication?flash=connected', 303);
  }

  async function setDefault(c: Ctx): Promise<Response> {
    const body = await c.req.parseBody();
    if (!syndication.setDefault(idParam(c, 'id'), body.on === '1'))
      throw new AppError('not_found', 'No such account.');
    return c.redirect('/admin/syndication?flash=saved', 303);
  }

  function disconnect(c: Ctx): Response {
    const done = syndication.disconnect(idParam(c, 'id'));
    if (!done) throw new AppError('not_found', 'No such account.');
    setOneTimeFlash(c, disconnectedFlash(c), { cancelled: done.cancelled });
    return c.redirect('/admin/syndication?flash=disconnected', 303);
  }

  /** "Update the copy": a copy the service cannot edit is deleted and posted again. */
  async function replace(c: Ctx): Promise<Response> {
    const id = idParam(c, 'id');
    const body = await c.req.parseBody();
    const copy = syndication.findCopy(id);
    if (!copy) throw new AppError('not_found', 'No such copy.');
    if (!syndication.replaceCopy(id))
      throw new AppError(
        'invalid_request',
        'There is nothing to update: the copy already shows the note as it is, or it is not posted, its account is disconnected, or the note is not public.',
      );
    return c.redirect(
      body.back === 'note'
        ? `/admin/notes/${copy.noteId}/webmentions?flash=replacing`
        : '/admin/syndication?flash=replacing',
      303,
    );
  }

  function retry(c: Ctx): Response {
    const ok = syndication.retry(idParam(c, 'id'));
    return c.redirect(`/admin/syndication?flash=${ok ? 'retried' : 'retry-none'}`, 303);
  }

  app.get('/syndication', show);
  app.post('/syndication/mastodon/connect', connectMastodon);
  app.post('/syndication/bluesky/connect', connectBlueskyAccount);
  // The address registered with the Mastodon server, under the admin like the rest.
  app.get(adminRelative(MASTODON_CALLBACK_PATH), mastodonCallback);
  app.post('/syndication/accounts/:id/default', setDefault);
  app.post('/syndication/accounts/:id/disconnect', disconnect);
  app.post('/syndication/copies/:id/retry', retry);
  app.post('/syndication/copies/:id/replace', replace);
  return app;
}
