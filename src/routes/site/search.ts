/** Public search: the search page and its JSON form (/api/search), over public notes only. */
import type { Context } from 'hono';
import { AppError } from '../../lib/errors.js';
import { excerpt, plainText } from '../../notes/markdown.js';
import { responseTitle } from '../../notes/response-kinds.js';
import { buildFtsQuery, escapeExcerpt, markExcerpt } from '../../notes/search-query.js';
import { renderSearchPage } from '../../views/public.js';
import type { PublicContext } from './public-context.js';

const SEARCH_PAGE = 20;

/** GET /search and GET /api/search. */
export function searchHandlers(ctx: PublicContext) {
  const { notes, cache, urls } = ctx;

  function runSearch(q: string, limit: number, offset: number) {
    return cache.searchResults(`${limit}:${offset}:${q}`, () => searchNow(q, limit, offset));
  }

  function searchNow(q: string, limit: number, offset: number) {
    const built = buildFtsQuery(q);
    if (!built.ok) return { message: built.message, total: 0, results: [] };
    const { total, hits } = notes.searchPublic(built.fts, limit, offset);
    return {
      message: undefined,
      total,
      results: hits.map((h) => ({
        note: h.note,
        url: urls.note(h.note.slug),
        title: h.note.name
          ? h.title
            ? markExcerpt(h.title)
            : escapeExcerpt(h.note.name)
          : // An untitled reply, like, repost or bookmark is named after what it responds to
            // (found by that title too: the index holds it).
            escapeExcerpt(responseTitle(h.note) ?? (excerpt(plainText(h.note.contentHtml), 80) || 'Note')),
        excerptHtml: markExcerpt(h.excerpt),
      })),
    };
  }

  return {
    /** GET /search?q=&page=: the search page (never cached: a query is the reader's own). */
    searchPage(c: Context): Response | Promise<Response> {
      const q = (c.req.query('q') ?? '').slice(0, 1000);
      const page = Math.max(1, Math.min(1000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
      c.header('Cache-Control', 'no-cache');
      cache.state();
      if (q.trim() === '')
        return c.html(renderSearchPage({ site: cache.facts().page, query: '', results: [], total: 0 }));
      const r = runSearch(q, SEARCH_PAGE, (page - 1) * SEARCH_PAGE);
      const next =
        r.total > page * SEARCH_PAGE ? `/search?q=${encodeURIComponent(q)}&page=${page + 1}` : undefined;
      return c.html(
        renderSearchPage({
          site: cache.facts().page,
          query: q,
          message: r.message,
          total: r.total,
          next,
          results: r.results.map((x) => ({
            url: x.url,
            title: x.title,
            excerptHtml: x.excerptHtml,
            published: x.note.publishedAt,
          })),
        }),
        r.message ? 400 : 200,
      );
    },

    /** GET /api/search?q=&limit=&offset=: the same results as JSON. */
    searchApi(c: Context): Response {
      const q = c.req.query('q') ?? '';
      const limit = Number(c.req.query('limit') ?? 20);
      const offset = Number(c.req.query('offset') ?? 0);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        throw new AppError('invalid_request', 'limit must be a whole number from 1 to 100.');
      }
      if (!Number.isInteger(offset) || offset < 0 || offset > 100_000) {
        throw new AppError('invalid_request', 'offset must be a whole number from 0 to 100000.');
      }
      if (q.trim() === '') throw new AppError('invalid_request', 'q is required.');
      const r = runSearch(q, limit, offset);
      if (r.message) throw new AppError('invalid_request', r.message);
      return c.json(
        {
          query: q,
          total: r.total,
          limit,
          offset,
          results: r.results.map((x) => ({
            url: x.url,
            slug: x.note.slug,
            name: x.note.name,
            published: x.note.publishedAt.toISOString(),
            excerpt_html: x.excerptHtml,
          })),
        },
        200,
        { 'Cache-Control': 'no-cache' },
      );
    },
  };
}
