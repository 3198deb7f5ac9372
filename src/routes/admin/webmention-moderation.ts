import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Config } from '../../config.js';
import type { Moderation } from '../../db/store/webmentions.js';
import type { SessionVars } from '../../http/session.js';
import { AppError } from '../../lib/errors.js';
import type { NoteService } from '../../notes/service.js';
import type { AdminFrame } from '../../views/admin/layout.js';
import { adminNoteTitle } from '../../views/admin/note-title.js';
import { type MentionFilter, renderWebmentionAdmin } from '../../views/admin/webmention-moderation.js';
import { parseDomain } from '../../webmention/moderation.js';
import type { WebmentionReceiver } from '../../webmention/receive.js';
import { type AdminFrameDeps, adminFrame } from './frame.js';

const PAGE = 25;
const FILTERS: readonly MentionFilter[] = ['pending', 'approved', 'rejected', 'all'];

/** Confirmations shown after a redirect (?flash=key), so nothing is stored between requests. */
const FLASH: Record<string, string> = {
  approved: 'Webmention approved: it is shown under its note.',
  rejected: 'Webmention rejected: it is not shown.',
  blocked: 'Domain blocked: its Webmentions are rejected and no longer fetched.',
  allowed: 'Approved, and its domain allowed always: Webmentions from there are shown at once.',
  'approved-all': 'Webmentions approved: they are shown under their notes.',
  'rule-removed': 'Domain rule removed.',
  'rule-added': 'Domain rule saved.',
  saved: 'Setting saved.',
};

/** Dependencies of the moderation screens. */
export interface WebmentionAdminDeps {
  /** The site facts in force (site name, time zone in the admin frame). */
  site: AdminFrameDeps['site'];
  config: Config;
  receiver: WebmentionReceiver;
  /** The notes mentions target, named by their titles on the screen. */
  notes: Pick<NoteService, 'getNotesByIds'>;
}

type Ctx = Context<{ Variables: SessionVars }>;

function filterOf(v: unknown): MentionFilter {
  return typeof v === 'string' && (FILTERS as readonly string[]).includes(v)
    ? (v as MentionFilter)
    : 'pending';
}

function idOf(c: Ctx): number {
  const id = Number(c.req.param('id'));
  if (!Number.isSafeInteger(id) || id < 1) throw new AppError('not_found', 'There is no such Webmention.');
  return id;
}

/**
 * The moderation queue of received Webmentions: list, approve, reject, domain rules, auto-approval.
 * Paths are relative to the admin sub-app (app.ts), whose guard covers them.
 */
export function webmentionModerationRoutes(deps: WebmentionAdminDeps): Hono<{ Variables: SessionVars }> {
  const app = new Hono<{ Variables: SessionVars }>();
  const { receiver, config } = deps;
  const { moderation, store } = receiver;

  const frame = (c: Ctx): AdminFrame => adminFrame(c, { config: config, site: deps.site }, FLASH);

  async function form(c: Ctx): Promise<Record<string, string>> {
    let body: Record<string, unknown>;
    try {
      body = await c.req.parseBody();
    } catch {
      throw new AppError('invalid_request', 'The form could not be read. Reload the page and try again.');
    }
    return Object.fromEntries(
      Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  }

  const back = (c: Ctx, filter: MentionFilter, flash: string) =>
    c.redirect(`/admin/webmentions?filter=${filter}&flash=${flash}`, 303);

  app.get('/webmentions', (c) => {
    const filter = filterOf(c.req.query('filter'));
    const page = Math.max(1, Math.min(10_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
    const rows = store.listWebmentions({
      moderation: filter === 'all' ? null : (filter as Moderation),
      verifiedOnly: true,
      limit: PAGE + 1,
      offset: (page - 1) * PAGE,
    });
    const byState = store.countByModeration();
    const counts = {
      pending: byState.pending ?? 0,
      approved: byState.approved ?? 0,
      rejected: byState.rejected ?? 0,
      all: (byState.pending ?? 0) + (byState.approved ?? 0) + (byState.rejected ?? 0),
    };
    const shown = rows.slice(0, PAGE);
    const noteIds = [...new Set(shown.flatMap((m) => (m.note_id === null ? [] : [m.note_id])))];
    const targets = new Map(
      deps.notes
        .getNotesByIds(noteIds)
        .map((n) => [n.id, { id: n.id, slug: n.slug, title: adminNoteTitle(n) }]),
    );
    c.header('Cache-Control', 'no-store');
    return c.html(
      renderWebmentionAdmin({
        frame: frame(c),
        filter,
        mentions: shown,
        targets,
        counts,
        page,
        hasMore: rows.length > PAGE,
        autoApprove: moderation.isAutoApprove(),
        rules: moderation.listDomainRules(),
      }),
    );
  });

  app.post('/webmentions/:id/approve', async (c) => {
    const f = await form(c);
    moderation.approve(idOf(c));
    return back(c, filterOf(f.filter), 'approved');
  });

  // "Approve all": the waiting mentions the screen listed, by id (at most a page of them).
  app.post('/webmentions/approve-all', async (c) => {
    const f = await form(c);
    const ids = (f.ids ?? '')
      .split(',')
      .slice(0, PAGE)
      .map((v) => Number(v))
      .filter((n) => Number.isSafeInteger(n) && n > 0);
    if (ids.length === 0) throw new AppError('invalid_request', 'No Webmention was chosen to approve.');
    moderation.approveWaiting(ids);
    return back(c, filterOf(f.filter), 'approved-all');
  });

  app.post('/webmentions/:id/reject', async (c) => {
    const f = await form(c);
    moderation.reject(idOf(c));
    return back(c, filterOf(f.filter), 'rejected');
  });

  app.post('/webmentions/:id/block-domain', async (c) => {
    const f = await form(c);
    moderation.blockDomainOf(idOf(c));
    return back(c, filterOf(f.filter), 'blocked');
  });

  app.post('/webmentions/:id/allow-domain', async (c) => {
    const f = await form(c);
    moderation.allowDomainOf(idOf(c));
    return back(c, filterOf(f.filter), 'allowed');
  });

  app.post('/webmentions/settings', async (c) => {
    const f = await form(c);
    moderation.setAutoApprove(f.auto_approve === 'on');
    return back(c, filterOf(f.filter), 'saved');
  });

  app.post('/webmentions/domains', async (c) => {
    const f = await form(c);
    const domain = parseDomain(f.domain ?? '');
    if (!domain) throw new AppError('invalid_request', 'Enter a domain name such as example.com.');
    if (f.rule === 'block') moderation.blockDomain(domain);
    else if (f.rule === 'allow') moderation.allowDomain(domain);
    else throw new AppError('invalid_request', 'Choose whether to allow or block the domain.');
    return back(c, filterOf(f.filter), 'rule-added');
  });

  app.post('/webmentions/domains/remove', async (c) => {
    const f = await form(c);
    const domain = parseDomain(f.domain ?? '');
    if (domain) moderation.removeDomainRule(domain);
    return back(c, filterOf(f.filter), 'rule-removed');
  });

  return app;
}
