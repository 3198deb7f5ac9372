import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Config } from '../../config.js';
import type { SessionVars } from '../../http/session.js';
import { AppError } from '../../lib/errors.js';
import { renderMarkdown } from '../../notes/markdown.js';
import type { PageFields, PageService } from '../../pages/service.js';
import type { AdminFrame } from '../../views/admin/layout.js';
import { renderPageEditor, renderPagePreview, renderPagesList } from '../../views/admin/pages.js';
import { type AdminFrameDeps, adminFrame } from './frame.js';

type Ctx = Context<{ Variables: SessionVars }>;

const FLASH: Record<string, string> = {
  saved: 'Page saved.',
  deleted: 'Page deleted.',
  moved: 'Menu order saved.',
};

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function pageId(c: Ctx): number {
  const id = c.req.param('id') ?? '';
  if (!/^\d{1,12}$/.test(id)) throw new AppError('not_found', 'There is no such page.');
  return Number(id);
}

async function fieldsFrom(c: Ctx): Promise<PageFields & { intent: string }> {
  const b = await c.req.parseBody();
  return {
    title: str(b.title),
    slug: str(b.slug),
    // Browsers send CRLF line ends from a textarea; the stored Markdown keeps LF.
    content: str(b.content).replace(/\r\n?/g, '\n'),
    published: b.published === '1',
    inMenu: b.in_menu === '1',
    intent: str(b.intent),
  };
}

/**
 * Admin → Pages: list, write, preview, delete and order the standalone pages. Paths are relative
 * to the admin sub-app (app.ts), whose guard covers them.
 */
export function pagesAdminRoutes(deps: {
  config: Config;
  pages: PageService;
  /** The site facts in force (site name, time zone in the admin frame). */
  site: AdminFrameDeps['site'];
}): Hono<{ Variables: SessionVars }> {
  const app = new Hono<{ Variables: SessionVars }>();

  const frame = (c: Ctx): AdminFrame => adminFrame(c, { config: deps.config, site: deps.site }, FLASH);

  /** Saves (or previews) the submitted page; problems re-show the form with the owner's text. */
  async function save(c: Ctx, id: number | undefined): Promise<Response> {
    const f = await fieldsFrom(c);
    if (f.intent === 'preview') {
      return c.html(
        renderPageEditor({
          frame: frame(c),
          id,
          values: f,
          errors: [],
          previewHtml: renderMarkdown(f.content),
        }),
      );
    }
    try {
      if (id === undefined) deps.pages.create(f);
      else deps.pages.update(id, f);
    } catch (err) {
      if (!(err instanceof AppError) || (err.code !== 'invalid_request' && err.code !== 'conflict'))
        throw err;
      const status = err.code === 'conflict' ? 409 : 400;
      return c.html(renderPageEditor({ frame: frame(c), id, values: f, errors: [err.message] }), status);
    }
    return c.redirect('/admin/pages?flash=saved', 303);
  }

  app.get('/pages', (c) => c.html(renderPagesList({ frame: frame(c), pages: deps.pages.list() })));
  app.get('/pages/new', (c) =>
    c.html(
      renderPageEditor({
        frame: frame(c),
        values: { title: '', slug: '', content: '', published: true, inMenu: true },
        errors: [],
      }),
    ),
  );
  app.post('/pages/new', (c) => save(c, undefined));
  app.get('/pages/:id', (c) => {
    const p = deps.pages.get(pageId(c));
    return c.html(
      renderPageEditor({
        frame: frame(c),
        id: p.id,
        values: {
          title: p.title,
          slug: p.slug,
          content: p.content,
          published: p.published === 1,
          inMenu: p.menu_order !== null,
        },
        errors: [],
        hidden: p.published !== 1,
      }),
    );
  });
  // A hidden page has no public address yet (404 to everyone there): the owner sees it here.
  app.get('/pages/:id/preview', (c) => {
    const page = deps.pages.get(pageId(c));
    c.header('Cache-Control', 'no-store');
    return c.html(renderPagePreview({ frame: frame(c), page }));
  });
  app.post('/pages/:id', (c) => save(c, pageId(c)));
  app.post('/pages/:id/delete', (c) => {
    deps.pages.remove(pageId(c));
    return c.redirect('/admin/pages?flash=deleted', 303);
  });
  app.post('/pages/:id/move', async (c) => {
    const id = pageId(c);
    const by = str((await c.req.parseBody()).by);
    if (by !== '-1' && by !== '1') throw new AppError('invalid_request', 'Move a page up (-1) or down (1).');
    deps.pages.move(id, by === '-1' ? -1 : 1);
    return c.redirect('/admin/pages?flash=moved', 303);
  });
  return app;
}
