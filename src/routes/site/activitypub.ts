/**
 * ActivityPub over HTTP: Fedify answers WebFinger, NodeInfo, the actor, its collections and
 * inboxes, and a note's own URL when it is asked for ActivityStreams; the home page asked for
 * ActivityStreams answers with the actor. Pages that answer both ways say `Vary: Accept`, so no
 * cache (the render cache, the fast path, a proxy) gives HTML to a server or JSON to a browser.
 * Inboxes are rate-limited per sending server and in all before anything is read (their bodies
 * are capped like every form, src/http/body-limit.ts).
 */
import type { MiddlewareHandler } from 'hono';
import type { ActivityPubFeature } from '../../activitypub/feature.js';
import { wantsActivityJson } from '../../activitypub/support.js';
import { AppError } from '../../lib/errors.js';
import { createRateLimiter } from '../../lib/rate-limit.js';

/** Inbox limits (figures in docs/security.md). */
export const INBOX_LIMITS = { perServerPerMinute: 120, globalPerMinute: 600 };

/** The server a signed request comes from: the host of its key id (draft-cavage or RFC 9421). */
function senderHost(headers: Headers): string {
  // RFC 9421 puts the key id in Signature-Input (its Signature header holds only the bytes).
  const sig = `${headers.get('signature-input') ?? ''} ${headers.get('signature') ?? ''}`;
  const m = /keyid="([^"]+)"/i.exec(sig);
  try {
    return m ? new URL(m[1]!).host.toLowerCase() : 'unsigned';
  } catch {
    return 'unsigned';
  }
}

/** The middleware that hands ActivityPub requests to Fedify and marks negotiated pages. */
export function activityPubRoutes(deps: {
  activityPub: ActivityPubFeature;
  siteUrl: string;
  clockMs?: () => number;
}): MiddlewareHandler {
  const { activityPub } = deps;
  const prefix = new URL(deps.siteUrl).pathname;
  const perServer = createRateLimiter(INBOX_LIMITS.perServerPerMinute, 60_000, deps.clockMs);
  const overall = createRateLimiter(INBOX_LIMITS.globalPerMinute, 60_000, deps.clockMs);
  const isNote = (path: string) =>
    path.startsWith(`${prefix}notes/`) && !path.slice(prefix.length + 6).includes('/');

  return async (c, next) => {
    // Off (an older Node.js): nothing here answers, and pages do not vary.
    if (!activityPub.enabled) return next();
    const path = c.req.path;
    const own =
      path.startsWith(`${prefix}ap/`) ||
      path === '/.well-known/webfinger' ||
      path === '/.well-known/nodeinfo' ||
      path.startsWith(`${prefix}nodeinfo/`);
    const negotiated =
      (path === prefix || isNote(path)) && (c.req.method === 'GET' || c.req.method === 'HEAD');
    if (own) {
      if (c.req.method === 'POST') {
        const host = senderHost(c.req.raw.headers);
        for (const [limiter, key, what] of [
          [perServer, host, `Too many activities from ${host}`],
          [overall, 'all', 'Too many activities just now'],
        ] as const) {
          const wait = limiter.hit(key);
          if (wait > 0) {
            const s = Math.ceil(wait / 1000);
            c.header('Retry-After', String(s));
            throw new AppError('rate_limited', `${what}; try again in ${s} seconds.`);
          }
        }
      }
      const res = await activityPub.respond(c.req.raw);
      if (res) return res;
      // The actor's own URL in a browser: the home page is the profile.
      if (path === `${prefix}ap/site` && c.req.method === 'GET') return c.redirect(deps.siteUrl, 302);
      return next();
    }
    if (negotiated && wantsActivityJson(c.req.header('accept'))) {
      const url = new URL(c.req.url);
      const target = path === prefix ? new URL(`${prefix}ap/site`, url) : url;
      const res = await activityPub.respond(new Request(target, { headers: c.req.raw.headers }));
      if (res) {
        res.headers.set('Vary', 'Accept');
        return res;
      }
      return next();
    }
    await next();
    if (negotiated) {
      const vary = c.res.headers.get('vary');
      if (!vary) c.res.headers.set('Vary', 'Accept');
      else if (!/(^|,)\s*accept\s*(,|$)/i.test(vary)) c.res.headers.set('Vary', `${vary}, Accept`);
    }
  };
}
