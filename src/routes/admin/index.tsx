import { statSync } from 'node:fs';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AdminAuth } from '../../auth/admin-auth.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { migrationStatus } from '../../db/migrate.js';
import type { AdminFilter } from '../../db/store/notes.js';
import type { DraftService } from '../../drafts/editor-drafts.js';
import type { Metrics } from '../../http/metrics.js';
import { clearSessionCookie, type SessionVars } from '../../http/session.js';
import type { TokenService } from '../../indieauth/tokens.js';
import { AppError } from '../../lib/errors.js';
import type { MediaItem, MediaService } from '../../media/service.js';
import { buildFtsQuery } from '../../notes/search-query.js';
import type { NoteService } from '../../notes/service.js';
import type { Note } from '../../notes/types.js';
import { authorPhotoAt, iconFile } from '../../settings/images.js';
import type { SiteContext } from '../../site/context.js';
import type { Syndication } from '../../syndication/service.js';
import type { AdminFrame } from '../../views/admin/layout.js';
import { type MediaUse, renderMediaLibrary, type SitePicture } from '../../views/admin/media.js';
import { renderHealth, renderSessions, renderTokens } from '../../views/admin/misc.js';
import { adminNoteTitle } from '../../views/admin/note-title.js';
import { noteStatus, renderDashboard } from '../../views/admin/notes.js';
import { authorCardOf } from '../../views/author.js';
import { registerEditorRoutes } from './editor.js';
import { adminFrame } from './frame.js';
import { sessionFlash, setOneTimeFlash, takeOneTimeFlash } from './one-time-flash.js';

const PAGE = 25;
/** How many of the notes using a file the media library names (then "and more"). */
const MEDIA_USES = 5;

/** The pictures the settings hold, as the media library lists them. */
function sitePictures(s: { authorPhoto?: string; icon?: string; socialImage?: string }): SitePicture[] {
  const out: SitePicture[] = [];
  if (s.authorPhoto)
    out.push({ what: 'Author photo', src: authorPhotoAt(s.authorPhoto, 192), href: s.authorPhoto });
  if (s.icon && /^[a-f0-9]{8,64}$/.test(s.icon))
    out.push({
      what: 'Site icon',
      src: `/media/${iconFile(s.icon, 192)}`,
      href: `/media/${iconFile(s.icon, 512)}`,
    });
  if (s.socialImage) out.push({ what: 'Social image', src: s.socialImage, href: s.socialImage });
  return out;
}
const FILTERS: readonly AdminFilter[] = [
  'all',
  'published',
  'drafts',
  'scheduled',
  'private',
  'unlisted',
  'trash',
];

/** Confirmations shown after a redirect (?flash=key), so nothing is stored between requests. */
const FLASH: Record<string, string> = {
  saved: 'Note saved.',
  moved: 'Note saved at its new address; the old address leads here.',
  published: 'Note published.',
  draft: 'Draft saved.',
  scheduled: 'Note scheduled.',
  trashed: 'Note moved to the trash. You can restore it from the Trash list.',
  restored: 'Note restored.',
  purged: 'Note deleted for good.',
  uploaded: 'File uploaded.',
  'media-deleted': 'File deleted.',
  revoked: 'Token revoked. A client you approved loses its refresh token with it and has to ask again.',
  ended: 'Session ended.',
};

/** Dependencies of the admin routes. */
export interface AdminDeps {
  config: Config;
  clock: Clock;
  auth: AdminAuth;
  notes: NoteService;
  media: MediaService;
  tokens: TokenService;
  metrics: Metrics;
  version: string;
  /** The editor's autosaved drafts. */
  drafts: DraftService;
  /** The site facts in force (site name, time zone, author). */
  site: Pick<SiteContext, 'current'>;
  /** Accounts notes can be copied to: the editor's "Copy to" checkboxes. */
  syndication?: Syndication;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

const titleOf = adminNoteTitle;

/**
 * The admin's notes and housekeeping: dashboard, editor, trash, media, tokens, sessions, health.
 * Paths are relative to the admin sub-app (app.ts), whose guard covers them.
 */
export function adminRoutes(deps: AdminDeps): Hono<{ Variables: SessionVars }> {
  const app = new Hono<{ Variables: SessionVars }>();
  const { config, clock, notes, media } = deps;

  const frame = (c: Context<{ Variables: SessionVars }>): AdminFrame =>
    adminFrame(c, { config, site: deps.site }, FLASH);

  app.get('/', (c) => {
    const filter = (FILTERS as readonly string[]).includes(c.req.query('filter') ?? '')
      ? (c.req.query('filter') as AdminFilter)
      : 'all';
    const page = Math.max(1, Math.min(10_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
    const query = (c.req.query('q') ?? '').slice(0, 200);
    let list: Note[] = [];
    const f = frame(c);
    if (query.trim()) {
      const built = buildFtsQuery(query);
      if (built.ok) list = notes.listForAdmin(filter, PAGE + 1, (page - 1) * PAGE, built.fts);
      else f.flash = { kind: 'error', text: built.message };
    } else {
      list = notes.listForAdmin(filter, PAGE + 1, (page - 1) * PAGE);
    }
    return c.html(
      renderDashboard({
        frame: f,
        notes: list.slice(0, PAGE),
        counts: notes.countForAdmin(),
        filter,
        query,
        page,
        hasMore: list.length > PAGE,
        now: clock.now(),
        title: titleOf,
        missingFiles: notes.missingFiles().count,
      }),
    );
  });

  // The editor: new and edit, previews, autosaved drafts (see editor.tsx).
  registerEditorRoutes(app, {
    config,
    clock,
    notes,
    media,
    drafts: deps.drafts,
    frame,
    timeZone: () => deps.site.current().timeZone,
    author: () => authorCardOf(deps.site.current().page),
    syndication: deps.syndication,
  });

  function findNote(id: string): Note {
    const n = /^\d{1,12}$/.test(id) ? notes.getNoteById(Number(id)) : undefined;
    if (!n) throw new AppError('not_found', 'No such note.');
    return n;
  }

  app.post('/notes/:id/delete', (c) => {
    notes.trashNote(findNote(c.req.param('id')).id);
    return c.redirect('/admin?flash=trashed', 303);
  });
  app.post('/notes/:id/restore', (c) => {
    notes.restoreNote(findNote(c.req.param('id')).id);
    return c.redirect('/admin?filter=trash&flash=restored', 303);
  });
  app.post('/notes/:id/purge', (c) => {
    const n = findNote(c.req.param('id'));
    if (!n.deletedAt)
      throw new AppError('conflict', 'Move the note to the trash before deleting it for good.');
    notes.purgeNote(n.id);
    return c.redirect('/admin?filter=trash&flash=purged', 303);
  });

  // Media library ----------------------------------------------------------------------------
  const isUsed = (url: string) => notes.isMediaUsed(url);
  /** The notes that use an item, named and linked, with the description each gives it. */
  const usage = (item: MediaItem): { notes: MediaUse[]; more: boolean } => {
    const using = notes.notesUsingMedia(item.url, MEDIA_USES + 1);
    const now = clock.now();
    return {
      more: using.length > MEDIA_USES,
      notes: using.slice(0, MEDIA_USES).map((n) => {
        const photo = n.photos.find((ph) => ph.url === item.url || ph.url.endsWith(item.url));
        return {
          title: titleOf(n),
          href: n.deletedAt ? '/admin?filter=trash' : `/admin/edit/${n.id}`,
          status: noteStatus(n, now),
          ...(photo ? { alt: photo.alt } : {}),
        };
      }),
    };
  };
  /**
   * The media library page. A failed upload or delete is answered here, with its message and
   * status, rather than by a redirect: no admin page shows text taken from the URL.
   */
  function mediaLibrary(c: Context<{ Variables: SessionVars }>, page: number, error?: AppError): Response {
    const items = media.listMedia(PAGE + 1, (page - 1) * PAGE);
    const f = frame(c);
    if (error) f.flash = { kind: 'error', text: error.message };
    const html = renderMediaLibrary({
      frame: f,
      items: items.slice(0, PAGE),
      page,
      hasMore: items.length > PAGE,
      siteUrl: config.siteUrl,
      usage,
      sitePictures: sitePictures(deps.site.current().settings),
    });
    return c.html(html, (error?.status ?? 200) as 200);
  }
  app.get('/media', (c) =>
    mediaLibrary(c, Math.max(1, Number.parseInt(c.req.query('page') ?? '1', 10) || 1)),
  );
  app.post('/media', async (c) => {
    const body = await c.req.parseBody();
    const file = body.file;
    if (!(file instanceof File) || file.size === 0)
      return mediaLibrary(c, 1, new AppError('invalid_request', 'Choose a file to upload.'));
    try {
      await media.saveUpload({
        bytes: Buffer.from(await file.arrayBuffer()),
        originalName: file.name,
        declaredType: file.type,
        alt: str(body.alt).trim(),
      });
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return mediaLibrary(c, 1, err);
      throw err;
    }
    return c.redirect('/admin/media?flash=uploaded', 303);
  });
  /**
   * The editor's script uploads each photo here as soon as it is chosen, dropped or pasted (one
   * image per request, so it can show progress): the library item as JSON, or the reason it was
   * refused with its status.
   */
  app.post('/media/upload', async (c) => {
    const body = await c.req.parseBody();
    const file = body.file;
    try {
      if (!(file instanceof File) || file.size === 0)
        throw new AppError('invalid_request', 'Send the picture as a file named "file".');
      const item = await media.saveUpload({
        bytes: Buffer.from(await file.arrayBuffer()),
        originalName: file.name,
        declaredType: file.type,
        alt: str(body.alt).trim(),
      });
      return c.json(
        {
          url: item.url,
          thumb: item.variants.thumb ?? item.url,
          alt: item.alt,
          name: item.originalName ?? item.filePath,
          width: item.width,
          height: item.height,
        },
        201,
      );
    } catch (err) {
      if (err instanceof AppError && err.status < 500)
        return c.json({ error: err.code, error_description: err.message }, err.status as 400);
      throw err;
    }
  });
  app.post('/media/:id/delete', (c) => {
    try {
      media.deleteMedia(Number(c.req.param('id')), isUsed);
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return mediaLibrary(c, 1, err);
      throw err;
    }
    return c.redirect('/admin/media?flash=media-deleted', 303);
  });

  /** The token list as the tokens page shows it. */
  const tokenViews = () =>
    deps.tokens.listTokens().map((t) => ({
      id: t.id,
      client: t.clientId ?? '—',
      scope: t.scope,
      createdAt: t.createdAt,
      lastUsedAt: t.lastUsedAt,
      expiresAt: t.expiresAt,
      revoked: t.revoked,
    }));

  // Tokens -----------------------------------------------------------------------------------
  /** Where a freshly minted token waits for the page that shows it once (see one-time-flash.ts). */
  const mintedFlash = (c: Context<{ Variables: SessionVars }>) =>
    sessionFlash(c, 'starpunk_minted', '/admin/tokens', config.siteUrl, clock.now());
  app.get('/tokens', (c) => {
    const taken = takeOneTimeFlash(c, mintedFlash(c)) as { token?: unknown; scope?: unknown } | undefined;
    const minted =
      typeof taken?.token === 'string' && typeof taken.scope === 'string'
        ? { token: taken.token, scope: taken.scope }
        : undefined;
    // The page holding a token is never kept by a cache or the back-forward cache.
    if (minted) c.header('Cache-Control', 'no-store');
    return c.html(renderTokens({ frame: frame(c), tokens: tokenViews(), minted }));
  });
  app.post('/tokens', async (c) => {
    const body = await c.req.parseBody();
    const days = Number(str(body.expires_days) || '0');
    if (!Number.isInteger(days) || days < 0 || days > 3650)
      throw new AppError('invalid_request', 'Expiry must be 0–3650 days.');
    const clientId = str(body.client_id).trim().slice(0, 300);
    if (!clientId) throw new AppError('invalid_request', 'Name the client the token is for.');
    const minted = deps.tokens.mintToken({
      me: config.adminMe,
      clientId,
      scope: str(body.scope),
      expiresInSeconds: days ? days * 86400 : null,
    });
    // Post/redirect/get: reloading the page that shows the token must not mint another one.
    setOneTimeFlash(c, mintedFlash(c), { token: minted.token, scope: minted.scope });
    return c.redirect('/admin/tokens', 303);
  });
  app.post('/tokens/:id/revoke', (c) => {
    deps.tokens.revokeToken(Number(c.req.param('id')));
    return c.redirect('/admin/tokens?flash=revoked', 303);
  });

  // Sessions ---------------------------------------------------------------------------------
  app.get('/sessions', (c) => {
    const current = c.get('session')!.id;
    return c.html(
      renderSessions({
        frame: frame(c),
        sessions: deps.auth.listSessions().map((s) => ({
          id: s.id,
          current: s.id === current,
          device: s.userAgent ? s.userAgent.slice(0, 120) : 'unknown device',
          ip: s.ipAddress,
          createdAt: s.createdAt,
          lastUsedAt: s.lastUsedAt,
        })),
      }),
    );
  });
  app.post('/sessions/:id/end', (c) => {
    const id = Number(c.req.param('id'));
    deps.auth.endSession(id);
    if (id === c.get('session')!.id) return c.redirect('/', 303);
    return c.redirect('/admin/sessions?flash=ended', 303);
  });
  // "Sign out everywhere": every session ends, this one too, so the owner signs in afresh.
  app.post('/sessions/end-all', (c) => {
    deps.auth.endAllSessions();
    clearSessionCookie(c, config.siteUrl.startsWith('https:'));
    return c.redirect('/auth/login', 303);
  });

  // Health -----------------------------------------------------------------------------------
  app.get('/health', (c) => {
    const m = deps.metrics.snapshot();
    const counts = notes.countForAdmin();
    let size = 0;
    for (const suffix of ['', '-wal']) {
      try {
        size += statSync(config.databasePath + suffix).size;
      } catch {
        // no WAL file at the moment
      }
    }
    return c.html(
      renderHealth({
        frame: frame(c),
        health: {
          version: deps.version,
          databaseBytes: size,
          counts: {
            'Published notes': counts.published,
            Drafts: counts.drafts,
            Scheduled: counts.scheduled,
            'In trash': counts.trash,
          },
          migrations: migrationStatus(config.databasePath).outcomes,
          requests: {
            total: m.total,
            perMinute: m.perMinute,
            p50: m.p50,
            p95: m.p95,
            errors5xx: m.errors5xx,
          },
          recentErrors: m.recentErrors,
          uptimeSeconds: m.uptimeSeconds,
        },
      }),
    );
  });

  return app;
}
