import type { Context } from 'hono';
import { Hono } from 'hono';
import type { ActivityPubFeature } from '../../activitypub/feature.js';
import type { Config } from '../../config.js';
import type { SessionVars } from '../../http/session.js';
import { AppError } from '../../lib/errors.js';
import { renderActivityPubAdmin } from '../../views/admin/activitypub.js';
import type { AdminFrame } from '../../views/admin/layout.js';
import { type AdminFrameDeps, adminFrame } from './frame.js';

const PAGE = 50;

/** Confirmations shown after a redirect (?flash=key), so nothing is stored between requests. */
const FLASH: Record<string, string> = {
  saved: 'ActivityPub settings saved.',
  approved: 'Follow request approved: they follow you now.',
  rejected: 'Follow request refused.',
  removed: 'Follower removed: their server was told, and nothing more is sent to them.',
  blocked: 'Blocked: their follow is gone and what they send is dropped.',
  unblocked: 'Block lifted.',
  revived: 'Delivery to that server will be tried again.',
  aliases: 'Also-known-as accounts saved.',
  moved: 'Move sent: your followers’ servers are told to follow the new account.',
  'move-cleared': 'The site no longer says it moved.',
};

/** Dependencies of the ActivityPub screen. */
export interface ActivityPubAdminDeps {
  site: AdminFrameDeps['site'];
  config: Config;
  activityPub: ActivityPubFeature;
}

type Ctx = Context<{ Variables: SessionVars }>;

/**
 * Admin → ActivityPub: the handle, the settings, followers and follow requests, blocks, delivery
 * per server, and moving. Paths are relative to the admin sub-app (app.ts), whose guard covers
 * them. On a Node.js ActivityPub cannot run on, the page says why and every action is refused.
 */
export function activityPubAdminRoutes(deps: ActivityPubAdminDeps): Hono<{ Variables: SessionVars }> {
  const app = new Hono<{ Variables: SessionVars }>();
  const { activityPub: ap, config } = deps;
  const frame = (c: Ctx): AdminFrame => adminFrame(c, { config, site: deps.site }, FLASH);

  async function form(c: Ctx): Promise<Record<string, string>> {
    if (!ap.enabled) throw new AppError('not_found', ap.reason ?? 'ActivityPub is switched off.');
    const body = await c.req.parseBody();
    return Object.fromEntries(
      Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  }
  const back = (c: Ctx, flash: string, anchor = '') =>
    c.redirect(`/admin/activitypub?flash=${flash}${anchor}`, 303);
  const required = (f: Record<string, string>, name: string, what: string): string => {
    const v = (f[name] ?? '').trim();
    if (!v) throw new AppError('invalid_request', `Give ${what}.`);
    return v;
  };

  app.get('/activitypub', (c) => {
    c.header('Cache-Control', 'no-store');
    const page = Math.max(1, Math.min(10_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
    if (!ap.enabled) return c.html(renderActivityPubAdmin({ frame: frame(c), off: ap.reason ?? '' }));
    const followers = ap.store.listFollowers('accepted', PAGE + 1, (page - 1) * PAGE);
    return c.html(
      renderActivityPubAdmin({
        frame: frame(c),
        handle: ap.handle() ?? '',
        actorUrl: new URL('ap/site', config.siteUrl).href,
        settings: ap.settings.current(),
        pending: ap.store.listFollowers('pending', 200, 0),
        followers: followers.slice(0, PAGE),
        followerCount: ap.store.countFollowers('accepted'),
        page,
        hasMore: followers.length > PAGE,
        blocks: ap.store.listBlocks(),
        servers: ap.store.listServers(),
      }),
    );
  });

  app.post('/activitypub/settings', async (c) => {
    const f = await form(c);
    ap.settings.save({
      username: (f.username ?? '').trim().replace(/^@/, ''),
      approveFollowers: f.approve_followers === 'on',
      discoverable: f.discoverable === 'on',
      indexable: f.indexable === 'on',
      showFollowers: f.show_followers === 'on',
    });
    return back(c, 'saved');
  });

  app.post('/activitypub/followers/approve', async (c) => {
    const f = await form(c);
    await ap.approveFollower(required(f, 'actor', 'the follower'));
    return back(c, 'approved', '#pending');
  });

  app.post('/activitypub/followers/reject', async (c) => {
    const f = await form(c);
    await ap.removeFollower(required(f, 'actor', 'the follower'));
    return back(c, 'rejected', '#pending');
  });

  app.post('/activitypub/followers/remove', async (c) => {
    const f = await form(c);
    await ap.removeFollower(required(f, 'actor', 'the follower'));
    return back(c, 'removed', '#followers');
  });

  app.post('/activitypub/blocks', async (c) => {
    const f = await form(c);
    await ap.block(required(f, 'target', 'an account address (https://…) or a domain'));
    return back(c, 'blocked', '#blocks');
  });

  app.post('/activitypub/blocks/remove', async (c) => {
    const f = await form(c);
    ap.unblock(required(f, 'target', 'the block to lift'));
    return back(c, 'unblocked', '#blocks');
  });

  app.post('/activitypub/servers/revive', async (c) => {
    const f = await form(c);
    const host = required(f, 'host', 'the server');
    if (!ap.reviveServer(host)) throw new AppError('not_found', `No deliveries to ${host} are recorded.`);
    return back(c, 'revived', '#servers');
  });

  app.post('/activitypub/aliases', async (c) => {
    const f = await form(c);
    const aliases = (f.also_known_as ?? '')
      .split(/\s+/)
      .map((s) => s.trim())
      .filter(Boolean);
    ap.settings.save({ alsoKnownAs: aliases });
    return back(c, 'aliases', '#move');
  });

  app.post('/activitypub/move', async (c) => {
    const f = await form(c);
    await ap.moveTo(required(f, 'target', 'the address of the account to move to (https://…)'));
    return back(c, 'moved', '#move');
  });

  app.post('/activitypub/move/clear', async (c) => {
    await form(c);
    ap.settings.save({ movedTo: '' });
    return back(c, 'move-cleared', '#move');
  });

  return app;
}
