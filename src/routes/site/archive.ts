/**
 * The tag index (/tags) and the archive by month (/archive, /archive/YYYY/MM): what lists every
 * tag and every month of public notes (issue 25 item 13). Cached like the other public pages (the
 * render cache's views and bodies, the fast path), so a write, a scheduled note going live or a
 * change of time zone shows at once; only public, published, live notes count.
 */
import type { Context } from 'hono';
import type { TimelineCursor } from '../../db/store/notes.js';
import { AppError } from '../../lib/errors.js';
import { tagPath, tagSlug } from '../../lib/tags.js';
import { monthPath, type YearMonth } from '../../lib/zoned-months.js';
import {
  type ArchiveMonthEntry,
  renderArchiveIndex,
  renderArchiveMonth,
  renderTagsIndex,
  type TagIndexEntry,
} from '../../views/public.js';
import type { PublicContext } from './public-context.js';
import { HTML } from './render-cache.js';
import type { ListEntries } from './timeline.js';

/** Tags on one page of the tag index. */
export const TAGS_PER_PAGE = 200;

const MONTH_NAMES = new Intl.DateTimeFormat('en-GB', { month: 'long', timeZone: 'UTC' });
const monthName = (month: number) => MONTH_NAMES.format(Date.UTC(2000, month - 1, 1));

function encodeCursor(n: { publishedAt: Date; id: number }): string {
  return `${n.publishedAt.getTime()}-${n.id}`;
}

function decodeCursor(value: string | undefined): TimelineCursor | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{1,15})-(\d{1,15})$/.exec(value);
  const at = m ? new Date(Number(m[1])) : undefined;
  if (!m || !at || Number.isNaN(at.getTime())) {
    throw new AppError('invalid_request', 'That page link is not valid; start again from the first page.');
  }
  return { publishedAt: at.toISOString(), id: Number(m[2]) };
}

/** GET /tags, GET /archive and GET /archive/:year/:month. */
export function archiveHandlers(ctx: PublicContext, entries: ListEntries) {
  const { notes, cache, urls } = ctx;

  /** Every tag public notes carry, one per address (spellings sharing one are counted together), by name. */
  function publicTags(): TagIndexEntry[] {
    const bySlug = new Map<string, TagIndexEntry>();
    for (const t of notes.listPublicTags()) {
      const slug = tagSlug(t.key);
      const known = bySlug.get(slug);
      if (known) known.count += t.uses;
      else bySlug.set(slug, { name: t.name, href: tagPath(slug), count: t.uses });
    }
    return [...bySlug.values()].sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }));
  }

  // The newest public note's key: a list of tags or months dates from it (its Last-Modified), and
  // moves to now when it changes without a newer note (render-cache.ts, steadyLastModified).
  const newestKey = () => notes.listPublicNoteKeys(1);

  return {
    /** GET /tags?page=N: every tag, TAGS_PER_PAGE a page. */
    tags(c: Context): Response {
      const asked = c.req.query('page');
      const page = asked === undefined ? 1 : Number(asked);
      if (!Number.isSafeInteger(page) || page < 1 || (asked !== undefined && !/^\d{1,6}$/.test(asked))) {
        throw new AppError('invalid_request', 'The page number must be a whole number from 1.');
      }
      const view = cache.publicView('tags', () => {
        const all = publicTags();
        return { keys: newestKey(), label: JSON.stringify(all), data: all };
      })!;
      const all = view.data as TagIndexEntry[];
      const pages = Math.max(1, Math.ceil(all.length / TAGS_PER_PAGE));
      if (page > pages) throw new AppError('not_found', 'There are not that many pages of tags.');
      const v = page === 1 ? view : { ...view, etag: view.etag.replace(/"$/, `.${page}"`) };
      return cache.cached(c, `tags:${page}`, HTML, v, () =>
        renderTagsIndex({
          site: cache.facts().page,
          url: urls.abs(page === 1 ? 'tags' : `tags?page=${page}`),
          tags: all.slice((page - 1) * TAGS_PER_PAGE, page * TAGS_PER_PAGE),
          total: all.length,
          newer: page > 1 ? (page === 2 ? '/tags' : `/tags?page=${page - 1}`) : undefined,
          older: page < pages ? `/tags?page=${page + 1}` : undefined,
        }),
      );
    },

    /** GET /archive: the months with public notes, in the site's time zone. */
    archive(c: Context): Response {
      const zone = cache.current().timeZone;
      const view = cache.publicView('archive', () => {
        const months = notes.listPublicMonths(zone);
        return { keys: newestKey(), label: `${zone}:${JSON.stringify(months)}`, data: months };
      })!;
      const months = view.data as (YearMonth & { count: number })[];
      return cache.cached(c, 'archive', HTML, view, () =>
        renderArchiveIndex({
          site: cache.facts().page,
          url: urls.abs('archive'),
          months: months.map(
            (m): ArchiveMonthEntry => ({
              year: m.year,
              label: monthName(m.month),
              href: `/archive/${monthPath(m)}`,
              count: m.count,
            }),
          ),
        }),
      );
    },

    /** GET /archive/:year/:month: the notes of one month, newest first, paged by cursor. */
    month(c: Context): Response {
      const y = c.req.param('year')!;
      const mo = c.req.param('month')!;
      if (!/^\d{4}$/.test(y) || !/^(0[1-9]|1[0-2])$/.test(mo)) {
        throw new AppError('not_found', 'There is no archive page at this address.');
      }
      const month: YearMonth = { year: Number(y), month: Number(mo) };
      const before = c.req.query('before');
      const cursor = decodeCursor(before);
      const zone = cache.current().timeZone;
      const perPage = cache.current().settings.postsPerPage;
      const variant = `month:${y}/${mo}:${before ?? ''}`;
      const view = cache.publicView(variant, () => {
        const keys = notes.listPublicNoteKeysInMonth(month, zone, perPage + 1, cursor);
        // A month without public notes does not exist, like a tag nobody uses.
        return keys.length === 0 && cursor === undefined ? undefined : { keys };
      });
      if (!view) throw new AppError('not_found', 'No note was published in this month.');
      const title = `${monthName(month.month)} ${month.year}`;
      const path = `/archive/${monthPath(month)}`;
      return cache.cached(c, variant, HTML, view, () => {
        const shown = view.keys.slice(0, perPage);
        const older =
          view.keys.length > perPage ? `${path}?before=${encodeCursor(shown[shown.length - 1]!)}` : undefined;
        return renderArchiveMonth({
          site: cache.facts().page,
          title,
          url: urls.abs(path.slice(1)),
          entries: entries.render(shown),
          older,
        });
      });
    },
  };
}
