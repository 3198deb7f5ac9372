import { Hono } from 'hono';
import { activityPub } from './activitypub/feature.js';
import { type AdminAuth, createAdminAuth } from './auth/admin-auth.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { bulkWriteHeld } from './db/bulk-write.js';
import type { Db } from './db/open.js';
import { createDraftService } from './drafts/editor-drafts.js';
import type { ServicesOf } from './features/feature.js';
import { registerFeatures } from './features/register.js';
import { BODY_LIMITS, limitBodies } from './http/body-limit.js';
import { errorHandler, notFoundHandler } from './http/errors.js';
import { createFastPath, type FastPath, type FastPathVars } from './http/fast-path.js';
import { createMetrics, type Metrics, recordMetrics } from './http/metrics.js';
import { loadSessionIfAvailable } from './http/optional-session.js';
import { type RequestVars, requestLog } from './http/request-log.js';
import { securityHeaders } from './http/security-headers.js';
import { loadSession, type SessionVars } from './http/session.js';
import { imports } from './import/feature.js';
import { createIndieAuthServer } from './indieauth/server.js';
import { createTokenService, type TokenService } from './indieauth/tokens.js';
import { createJobQueue, type JobQueue, type JobRunner } from './jobs/queue.js';
import type { SiteKeys } from './keys/site-keys.js';
import { AppError } from './lib/errors.js';
import { createRateLimiter } from './lib/rate-limit.js';
import { legacySealingKey } from './lib/secret-box.js';
import { siteUrls } from './lib/site-urls.js';
import type { Logger } from './logger.js';
import { createMediaService, type MediaService } from './media/service.js';
import { createTokenVerifier } from './micropub/verify.js';
import { createNoteService, type NoteService } from './notes/service.js';
import { createSafeFetch, type FetchLike } from './outbound/safe-fetch.js';
import { createPageService, type PageService } from './pages/service.js';
import { replyContexts } from './reply-context/feature.js';
import { ADMIN_BODY_LIMITS, adminApp } from './routes/admin/app.js';
import { authRoutes } from './routes/auth/index.js';
import { indieAuthRoutes } from './routes/indieauth/index.js';
import { micropubRoutes } from './routes/micropub/index.js';
import { activityPubRoutes } from './routes/site/activitypub.js';
import { followRoutes } from './routes/site/follow.js';
import { formerAddresses } from './routes/site/former-addresses.js';
import { healthRoutes } from './routes/site/health.js';
import { identityRoutes } from './routes/site/identity.js';
import { mediaRoutes } from './routes/site/media.js';
import { metricsRoutes } from './routes/site/metrics.js';
import { publicRoutes } from './routes/site/public.js';
import { seoRoutes } from './routes/site/seo.js';
import { standalonePageRoutes } from './routes/site/standalone-pages.js';
import { staticRoutes } from './routes/site/static.js';
import { advertiseWebmention, siteResponses, webmentionRoutes } from './routes/site/webmention.js';
import { advertiseWebsub } from './routes/site/websub.js';
import { createSettingsService, type SettingsService } from './settings/service.js';
import { createSiteContext, type SiteContext } from './site/context.js';
import { syndication } from './syndication/feature.js';
import { webmentionReceiving, webmentionSending } from './webmention/feature.js';
import { websub } from './websub/feature.js';

/**
 * The background features (docs/architecture.md, "Background features"): each reacts to note
 * writes and does its work in jobs. Adding one is its folder plus a line here; its service is then
 * `app.services.<name>`.
 */
const FEATURES = [
  webmentionSending, // Webmentions this site sends when a note changes
  webmentionReceiving, // the Webmention endpoint's verification jobs, moderation, display
  websub, // pings the WebSub hub when what the home page and feeds show changes
  syndication, // copies of notes on Mastodon and Bluesky
  replyContexts, // title and author of the pages a like, bookmark, repost or reply cites
  activityPub, // the site as a fediverse account: followers, notes delivered, replies received
  imports, // imports the owner starts from Admin → Import, run one at a time, alone
] as const;

/** Everything the application needs, built once by the composition root. */
export interface AppDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  version: string;
  /** Secret for CSRF tokens (SESSION_SECRET or DATA_PATH/.secret). */
  secret: string;
  /**
   * The site's keys from DATA_PATH/keys/ (serve loads them). An app built without them (tests)
   * seals with the key derived from `secret`, as every site did before keys had files.
   */
  keys?: SiteKeys;
  /** Outbound HTTP; SSRF-safe by default, tests pass one that may reach loopback. */
  fetch?: FetchLike;
  /** Built from the other deps when not given. */
  notes?: NoteService;
  media?: MediaService;
  tokens?: TokenService;
  auth?: AdminAuth;
  metrics?: Metrics;
  jobs?: JobQueue;
}

/**
 * The services the app was built with, for the CLI and tests: the core ones below, and each
 * background feature's by its name (webmentionsSent, webmentionsReceived, websub, syndication,
 * replyContexts…).
 */
export type AppServices = CoreServices & ServicesOf<typeof FEATURES>;

/** The services every app has, whatever its features. */
export interface CoreServices {
  notes: NoteService;
  media: MediaService;
  tokens: TokenService;
  auth: AdminAuth;
  metrics: Metrics;
  indieauth: ReturnType<typeof createIndieAuthServer>;
  /** The persistent job queue, and the runner of every feature's jobs that `serve` starts (tests call `drain()`). */
  jobs: JobQueue;
  runner: JobRunner;
  /** The site and author settings (admin → Settings). */
  settings: SettingsService;
  /** Standalone pages (About, Now…) and the site menu. */
  pages: PageService;
  /** What every page knows about the site (settings, menu, social image…), under one version. */
  site: SiteContext;
  /** Cached public pages answered from the Node listener, below Hono (serve installs it). */
  fastPath: FastPath;
}

/** Builds the whole web application: the one route map to read. */
export function buildApp(
  deps: AppDeps,
): Hono<{ Variables: RequestVars & SessionVars & FastPathVars }> & { services: AppServices } {
  const { db, clock, logger } = deps;
  // Settings saved in the database win over the variables, which are first-run defaults
  // (docs/decisions/0008-settings.md). Every page reads the site facts per request from the one
  // site context (docs/decisions/0014-site-context.md), so a saved change shows at once;
  // `config` is the value at start for the services built once below.
  const settings = createSettingsService({ db, config: deps.config, clock });
  const pages = createPageService({ db, clock });
  // The fediverse address comes from the ActivityPub feature, built below with the others.
  let fediverseHandle: () => string | undefined = () => undefined;
  const site = createSiteContext({
    db,
    config: deps.config,
    settings,
    pages,
    fediverseHandle: () => fediverseHandle(),
  });
  const config = site.current().config;
  const fetch = deps.fetch ?? createSafeFetch({ allowedPrivateAddresses: config.allowedPrivateAddresses });
  const notes = deps.notes ?? createNoteService({ db, notesPath: config.notesPath, clock, logger });
  const media = deps.media ?? createMediaService({ db, mediaPath: config.mediaPath, clock, logger });
  const tokens = deps.tokens ?? createTokenService({ db, clock });
  const auth = deps.auth ?? createAdminAuth({ db, config, clock, secret: deps.secret, fetch, logger });
  const metrics = deps.metrics ?? createMetrics();
  const indieauth = createIndieAuthServer({ db, clock, config, current: () => site.current().config });
  const jobs = deps.jobs ?? createJobQueue({ db, clock, logger });
  // The background features, built from one set of dependencies; their jobs run on one runner.
  const { services: features, runner } = registerFeatures(FEATURES, {
    db,
    config,
    clock,
    logger,
    version: deps.version,
    notes,
    jobs,
    fetch,
    sealingKey: deps.keys?.sealing ?? legacySealingKey(deps.secret),
  });
  const { webmentionsSent, webmentionsReceived } = features;
  fediverseHandle = () => features.activityPub.handle();
  site.refresh();

  const app = new Hono<{ Variables: RequestVars & SessionVars & FastPathVars }>();
  // Outermost: records the public pages the render cache answers from bytes, as they are about to
  // be written, for the fast path to repeat (src/http/fast-path.ts).
  const fastPath = createFastPath({ db, clock, logger, metrics });
  app.use('*', fastPath.recorder(), requestLog(logger), recordMetrics(metrics), securityHeaders());
  // Request bodies: each route reads at most what its purpose needs; a larger body is refused
  // with 413 before it is read (declared length) or as soon as it runs over (chunked).
  app.use(
    '*',
    limitBodies(BODY_LIMITS.form, [
      [
        '/micropub',
        (type) => (type === 'multipart/form-data' ? BODY_LIMITS.textWithUpload : BODY_LIMITS.text),
      ],
      ['/micropub/media', BODY_LIMITS.upload],
      ...ADMIN_BODY_LIMITS,
      ['/webmention', BODY_LIMITS.form],
    ]),
  );
  // Error pages show the site facts in force; if the database cannot be read, the last known ones.
  const errorSite = () => site.currentOrLast().page;
  app.onError(errorHandler(logger, errorSite, metrics));
  app.notFound(notFoundHandler(errorSite));
  // While an import is written (one batch holding the write lock), every other write is refused at
  // once with 503 rather than stalling the server on the lock; reading goes on (src/db/bulk-write.ts).
  app.use('*', async (c, next) => {
    const m = c.req.method;
    if (
      m !== 'GET' &&
      m !== 'HEAD' &&
      m !== 'OPTIONS' &&
      !c.req.path.startsWith('/admin/import') &&
      bulkWriteHeld(config.databasePath)
    ) {
      c.header('Retry-After', '60');
      throw new AppError(
        'unavailable',
        'An import is being written to this site; nothing else can be saved until it finishes (Admin → Import shows how far it is). Try again in a minute.',
      );
    }
    await next();
  });
  // Addresses imported notes and pages had on their old site answer 301 where nothing else answers.
  app.use('*', formerAddresses({ notes, pages, clock }));

  // Public; /health and /metrics show more to the signed-in admin (a broken database just means "not
  // signed in", so /health still answers 503 rather than failing).
  app.use('/health', loadSessionIfAvailable(auth));
  app.use('/metrics', loadSessionIfAvailable(auth));
  app.route('/', healthRoutes({ db, config, clock, logger, notes, metrics, version: deps.version }));
  app.route('/', metricsRoutes({ config, notes, metrics, version: deps.version }));
  // ActivityPub (issue 26): WebFinger, NodeInfo, the actor and its inboxes, and the home page and
  // note pages asked for as ActivityStreams; those pages say `Vary: Accept` either way.
  app.use(
    '*',
    activityPubRoutes({
      activityPub: features.activityPub,
      siteUrl: config.siteUrl,
      clockMs: () => clock.now().getTime(),
    }),
  );
  app.route('/', staticRoutes());
  app.route('/', mediaRoutes({ mediaPath: config.mediaPath }));
  // Webmention (W3C §3.1.2): every public page advertises the endpoint in a Link header too.
  const urls = siteUrls(config);
  for (const path of ['/notes/*', '/tag/*', '/tags', '/archive', '/archive/*', '/search'])
    app.use(path, advertiseWebmention(urls));
  // WebSub (W3C §4): the topics name their hub and themselves.
  if (config.websubHub) {
    for (const path of ['/', '/feed', '/feed.rss', '/feed.xml', '/feed.atom', '/feed.json'])
      app.use(path, advertiseWebsub(urls, config.websubHub));
  }
  app.route('/', webmentionRoutes({ receiver: webmentionsReceived, urls }));
  app.route(
    '/',
    publicRoutes({
      config,
      clock,
      notes,
      media,
      version: deps.version,
      responses: siteResponses(webmentionsReceived),
      site,
    }),
  );
  app.route('/', seoRoutes({ config, db, clock, pages, notes, site }));
  // How to follow the site: feeds, and the accounts elsewhere that get copies.
  app.route(
    '/',
    followRoutes({
      site,
      pages,
      accounts: () => features.syndication.listAccounts(),
      otherWays: () => {
        const handle = features.activityPub.handle();
        return handle
          ? [
              {
                label: 'In the fediverse',
                value: handle,
                description:
                  'Search for this address in Mastodon or any other fediverse app and follow it: new notes arrive in your timeline, and your replies come here.',
              },
            ]
          : [];
      },
    }),
  );
  app.route('/', identityRoutes({ mediaPath: config.mediaPath, site }));

  // Micropub: bearer tokens, JSON errors.
  const verify = createTokenVerifier({
    config,
    tokens,
    fetch,
    clock,
    logger,
    external: auth.signInMethod() === 'indieauth',
  });
  app.route('/', micropubRoutes({ config, clock, notes, media, verify, syndication: features.syndication }));

  // Signed-in surfaces: /auth reads the session here; the admin is one sub-app behind one guard
  // (session, signed-in admin, CSRF, form parsing), and no admin route lives outside it.
  app.use('/auth/*', loadSession(auth));
  app.route('/', authRoutes({ config, auth, logger, limiter: createRateLimiter(10, 15 * 60_000), site }));
  app.route('/', indieAuthRoutes({ config, auth, server: indieauth, fetch, site }));
  app.route(
    '/admin',
    adminApp({
      config,
      clock,
      logger,
      version: deps.version,
      auth,
      notes,
      media,
      tokens,
      metrics,
      drafts: createDraftService({ db, clock }),
      site,
      settings,
      pages,
      syndication: features.syndication,
      fetch,
      webmentionsSent,
      webmentionsReceived,
      activityPub: features.activityPub,
      imports: features.imports,
    }),
  );

  // Last: a standalone page at /<slug> answers only where no route above does.
  app.route('/', standalonePageRoutes({ pages, site }));

  return Object.assign(app, {
    services: {
      notes,
      media,
      tokens,
      auth,
      metrics,
      indieauth,
      jobs,
      runner,
      settings,
      pages,
      site,
      ...features,
      fastPath,
    },
  });
}
