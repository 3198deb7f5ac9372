/** The public timeline: the home page and tag pages, newest first, paged by cursor. */
import type { Context } from 'hono';
import type { TimelineCursor } from '../../db/store/notes.js';
import { createRenderCache } from '../../http/conditional.js';
import { AppError } from '../../lib/errors.js';
import { linkHeader } from '../../lib/site-urls.js';
import { tagPath, tagSlug } from '../../lib/tags.js';
import type { Note, NoteKey } from '../../notes/types.js';
import { eagerFirstImage } from '../../views/images.js';
import { renderHomePage, renderListEntry, renderTagPage } from '../../views/public.js';
import type { PublicContext } from './public-context.js';
import { HTML } from './render-cache.js';

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

// The first entry of a list is at the top of the page: its first picture loads at once.
function firstEager(list: Buffer[]): Buffer[] {
  if (list.length === 0 || !list[0]!.includes('<img')) return list;
  return [Buffer.from(eagerFirstImage(list[0]!.toString('utf8'))), ...list.slice(1)];
}

/** Rendered list entries, shared by every list page (home, tags, archive months). */
export interface ListEntries {
  /** The entries of these notes as UTF-8, the first picture of the first loading at once. */
  render(keys: NoteKey[]): Buffer[];
}

/**
 * Rendered list entries by note id, current for one revision, as UTF-8: a page the render cache
 * misses (another cursor, a tag page, the first request after a write) re-renders only changed
 * notes, and the page is a copy of these bytes into its frame (views/public.tsx).
 */
export function createListEntries(ctx: PublicContext): ListEntries {
  const { notes, cache, links } = ctx;
  const entries = createRenderCache<Buffer>(2048, 4 * 2 ** 20);

  // Response counts are part of an entry: a change of a note's shown responses moves its revision.
  function renderEntries(list: Note[]): [Note, Buffer][] {
    const counts = ctx.responses?.countsFor(list.map((n) => ({ id: n.id, url: links.note(n.slug) })));
    return list.map((n) => [
      n,
      Buffer.from(renderListEntry(n, links, counts?.get(n.id), cache.facts().timeZone)),
    ]);
  }

  // An entry shows dates in the site's time zone: a new version of the site facts renders it anew.
  const entryTag = (revision: number) => `${revision}:${cache.facts().version}`;
  function listEntries(keys: NoteKey[]): Buffer[] {
    const missing = keys.filter((k) => entries.get(String(k.id), entryTag(k.revision)) === undefined);
    for (const [note, html] of renderEntries(ctx.withImages(notes.getNotesByIds(missing.map((k) => k.id))))) {
      entries.set(String(note.id), entryTag(note.revision), html);
    }
    // A note changed between the two queries is shown as it is now; a vanished one is left out.
    return keys.flatMap((k) => {
      const html = entries.get(String(k.id), entryTag(k.revision));
      if (html !== undefined) return [html];
      return renderEntries(ctx.withImages(notes.getNotesByIds([k.id]))).map(([, h]) => h);
    });
  }

  return { render: (keys) => firstEager(listEntries(keys)) };
}

/** GET / and GET /tag/:tag. */
export function timelineHandlers(ctx: PublicContext, list: ListEntries) {
  const { notes, cache } = ctx;
  const homeLinks = linkHeader(cache.facts().page.links);
  const listEntries = (keys: NoteKey[]) => list.render(keys);

  return {
    /** GET /: the newest public notes, then older ones by `before` cursor. */
    home(c: Context): Response {
      c.header('Link', homeLinks);
      const before = c.req.query('before');
      const cursor = decodeCursor(before);
      const variant = `home:${before ?? ''}`;
      const perPage = cache.current().settings.postsPerPage;
      const view = cache.publicView(variant, () => ({
        keys: notes.listPublicNoteKeys(perPage + 1, cursor),
      }))!;
      return cache.cached(c, variant, HTML, view, () => {
        const shown = view.keys.slice(0, perPage);
        const older =
          view.keys.length > perPage ? `/?before=${encodeCursor(shown[shown.length - 1]!)}` : undefined;
        return renderHomePage({
          site: cache.facts().page,
          entries: listEntries(shown),
          older,
          isFirst: cursor === undefined,
        });
      });
    },

    /** GET /tag/:tag: the public notes carrying a tag, at one address per tag. */
    tag(c: Context): Response {
      const asked = c.req.param('tag')!;
      const slug = tagSlug(asked);
      const before = c.req.query('before');
      const cursor = decodeCursor(before);
      const variant = `tag:${slug}:${before ?? ''}`;
      const perPage = cache.current().settings.postsPerPage;
      const view = cache.publicView(variant, () => {
        const found = notes.listPublicNoteKeysByTag(slug, perPage + 1, cursor);
        return found && { keys: found.keys, label: found.tag.name };
      });
      // Decided before any header is set, and before any redirect: a tag only hidden notes carry
      // answers exactly like one nobody ever used, whatever its spelling.
      if (!view) throw new AppError('not_found', 'No note carries this tag.');
      // One address per tag ("First Post", "first%20post" → /tag/first-post), for good.
      if (asked !== slug) {
        return c.redirect(
          `${tagPath(slug)}${before === undefined ? '' : `?before=${encodeURIComponent(before)}`}`,
          301,
        );
      }
      return cache.cached(c, variant, HTML, view, () => {
        const shown = view.keys.slice(0, perPage);
        const older =
          view.keys.length > perPage
            ? `${tagPath(slug)}?before=${encodeCursor(shown[shown.length - 1]!)}`
            : undefined;
        return renderTagPage({
          site: cache.facts().page,
          tagName: view.label,
          entries: listEntries(shown),
          older,
        });
      });
    },
  };
}
