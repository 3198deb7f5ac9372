import { Hono } from 'hono';
import type { ActivityPubFeature } from '../../activitypub/feature.js';
import type { AdminAuth } from '../../auth/admin-auth.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { DraftService } from '../../drafts/editor-drafts.js';
import { BODY_LIMITS, type BodyLimitRule } from '../../http/body-limit.js';
import type { Metrics } from '../../http/metrics.js';
import type { SessionVars } from '../../http/session.js';
import type { Imports } from '../../import/feature.js';
import type { TokenService } from '../../indieauth/tokens.js';
import type { Logger } from '../../logger.js';
import type { MediaService } from '../../media/service.js';
import type { NoteService } from '../../notes/service.js';
import type { FetchLike } from '../../outbound/safe-fetch.js';
import type { PageService } from '../../pages/service.js';
import type { SettingsService } from '../../settings/service.js';
import type { SiteContext } from '../../site/context.js';
import type { Syndication } from '../../syndication/service.js';
import type { WebmentionReceiver } from '../../webmention/receive.js';
import type { WebmentionSender } from '../../webmention/sender.js';
import { activityPubAdminRoutes } from './activitypub.js';
import { adminGuard } from './guard.js';
import { importAdminRoutes } from './import.js';
import { adminRoutes } from './index.js';
import { pagesAdminRoutes } from './pages.js';
import { settingsAdminRoutes } from './settings.js';
import { syndicationAdminRoutes } from './syndication.js';
import { webmentionModerationRoutes } from './webmention-moderation.js';
import { webmentionsSentAdminRoutes } from './webmentions-sent.js';

/** What the admin's features need, built once by the composition root. */
export interface AdminAppDeps {
  config: Config;
  clock: Clock;
  logger: Logger;
  version: string;
  auth: AdminAuth;
  notes: NoteService;
  media: MediaService;
  tokens: TokenService;
  metrics: Metrics;
  /** The editor's autosaved drafts. */
  drafts: DraftService;
  site: SiteContext;
  settings: SettingsService;
  pages: PageService;
  syndication: Syndication;
  fetch: FetchLike;
  webmentionsSent: WebmentionSender;
  webmentionsReceived: WebmentionReceiver;
  /** The site as a fediverse account (its screen says so when it is off). */
  activityPub: ActivityPubFeature;
  imports: Imports;
}

/**
 * How much of a request body each admin form may send, beyond the plain form limit (the app's
 * one body-limit table takes these rows; a limit is set before routing and can only narrow).
 */
export const ADMIN_BODY_LIMITS: BodyLimitRule[] = [
  ['/admin/media', BODY_LIMITS.upload],
  // The editor's script uploads each photo on its own, as soon as it is chosen, dropped or pasted.
  ['/admin/media/upload', BODY_LIMITS.upload],
  // Up to three pictures (photo, icon, social image) besides short text fields.
  ['/admin/settings', BODY_LIMITS.textWithUpload],
  // The note and, without a script, up to three photos chosen at once (ADR 0019).
  ['/admin/new', BODY_LIMITS.textWithUploads],
  [/^\/admin\/edit\/[^/]+$/, BODY_LIMITS.textWithUploads],
  ['/admin/preview', BODY_LIMITS.text],
  // A standalone page's Markdown as a form (new, or edit by id).
  [/^\/admin\/pages\/(new|\d+)$/, BODY_LIMITS.text],
  // Autosave: the editor's fields as JSON (a note's text at most, and a few short fields).
  [/^\/admin\/drafts\/[^/]+$/, BODY_LIMITS.text],
  // An export file streamed to disk: the route narrows this to IMPORT_MAX_MB (at most 100 GB).
  ['/admin/import', 100 * 1024 * 1024 * 1024 + 64 * 1024],
];

/**
 * The whole admin as one sub-app, mounted once at `/admin` (guard.ts's `ADMIN_BASE`): the guard (session, signed-in
 * admin, CSRF, form parsing) is registered first, then each feature's router with paths relative
 * to the admin. A new admin feature is one more line in the list below and is protected by
 * construction; test/security/every-admin-route-guarded.test.ts walks every admin route to hold
 * that true.
 */
export function adminApp(deps: AdminAppDeps): Hono<{ Variables: SessionVars }> {
  const admin = new Hono<{ Variables: SessionVars }>();
  admin.use('*', ...adminGuard(deps.auth));
  // The navigation's count of Webmentions waiting for a decision, on every admin page (a count
  // over an index; forms that only redirect do not need it).
  const mentions = deps.webmentionsReceived.store;
  admin.use('*', async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') c.set('waitingMentions', mentions.countPending());
    await next();
  });

  const { config, clock, logger, site, notes, fetch } = deps;
  const features = [
    adminRoutes({
      config,
      clock,
      auth: deps.auth,
      notes,
      media: deps.media,
      tokens: deps.tokens,
      metrics: deps.metrics,
      version: deps.version,
      drafts: deps.drafts,
      site,
      syndication: deps.syndication,
    }),
    settingsAdminRoutes({ config, settings: deps.settings, site }),
    webmentionsSentAdminRoutes({
      config,
      notes,
      webmentions: deps.webmentionsSent,
      syndication: deps.syndication,
      site,
    }),
    webmentionModerationRoutes({ config, receiver: deps.webmentionsReceived, site, notes }),
    syndicationAdminRoutes({ config, notes, syndication: deps.syndication, fetch, site, clock, logger }),
    pagesAdminRoutes({ config, pages: deps.pages, site }),
    activityPubAdminRoutes({ config, site, activityPub: deps.activityPub }),
    importAdminRoutes({ config, imports: deps.imports, site }),
  ];
  for (const feature of features) admin.route('/', feature);
  return admin;
}
