import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Config } from '../../config.js';
import type { SessionVars } from '../../http/session.js';
import { AppError } from '../../lib/errors.js';
import { siteUrls } from '../../lib/site-urls.js';
import type { NoteService } from '../../notes/service.js';
import type { Note } from '../../notes/types.js';
import type { Syndication } from '../../syndication/service.js';
import type { AdminFrame } from '../../views/admin/layout.js';
import { adminNoteTitle } from '../../views/admin/note-title.js';
import { renderSentWebmentions } from '../../views/admin/webmentions-sent.js';
import type { WebmentionSender } from '../../webmention/sender.js';
import { type AdminFrameDeps, adminFrame } from './frame.js';

/** Dependencies of the sent-Webmentions admin pages. */
export interface WebmentionAdminDeps {
  /** The site facts in force (site name, time zone in the admin frame). */
  site: AdminFrameDeps['site'];
  config: Config;
  notes: NoteService;
  webmentions: WebmentionSender;
  /** The note's copies elsewhere, shown on the same page. */
  syndication?: Pick<Syndication, 'copiesForNote'>;
}

type Ctx = Context<{ Variables: SessionVars }>;

const FLASH: Record<string, string> = {
  resent: 'Queued to be sent again.',
  'resent-none': 'Nothing to send again right now: every send is already waiting or running.',
  replacing: 'The copy is being posted again with the note as it is now.',
};

/**
 * Per note, its copies elsewhere and what was sent to whom, with "update the copy" and "send
 * again". Paths are relative to the admin sub-app
 * (app.ts), whose guard covers them.
 */
export function webmentionsSentAdminRoutes(deps: WebmentionAdminDeps): Hono<{ Variables: SessionVars }> {
  const app = new Hono<{ Variables: SessionVars }>();
  const urls = siteUrls(deps.config);

  const frame = (c: Ctx): AdminFrame => adminFrame(c, { config: deps.config, site: deps.site }, FLASH);

  function findNote(id: string): Note {
    const n = /^\d{1,12}$/.test(id) ? deps.notes.getNoteById(Number(id)) : undefined;
    if (!n) throw new AppError('not_found', 'No such note.');
    return n;
  }

  function show(c: Ctx): Response {
    const n = findNote(c.req.param('id') ?? '');
    return c.html(
      renderSentWebmentions({
        frame: frame(c),
        note: { id: n.id, title: adminNoteTitle(n), url: urls.note(n.slug), deleted: n.deletedAt !== null },
        items: deps.webmentions.listForNote(n.id),
        copies: deps.syndication?.copiesForNote(n.id) ?? [],
      }),
    );
  }

  async function resend(c: Ctx): Promise<Response> {
    const n = findNote(c.req.param('id') ?? '');
    const body = await c.req.parseBody();
    const target = typeof body.target === 'string' && body.target !== '' ? body.target : undefined;
    if (target !== undefined && !deps.webmentions.listForNote(n.id).some((w) => w.target === target))
      throw new AppError('invalid_request', 'This note has not sent anything to that address.');
    const queued = deps.webmentions.resend(n.id, target);
    // "Send all" also plans the note afresh, which queues whatever is due.
    const flash = queued > 0 || target === undefined ? 'resent' : 'resent-none';
    return c.redirect(`/admin/notes/${n.id}/webmentions?flash=${flash}`, 303);
  }

  app.get('/notes/:id/webmentions', show);
  app.post('/notes/:id/webmentions/resend', resend);
  return app;
}
