/** A note's own page, and the addresses that lead to it (the old /note/ form, former slugs). */
import type { Context } from 'hono';
import { AppError } from '../../lib/errors.js';
import { excerpt, plainText } from '../../notes/markdown.js';
import type { Note } from '../../notes/types.js';
import { noteMeta } from '../../site/link-preview.js';
import { renderNotePage } from '../../views/public.js';
import type { PublicContext } from './public-context.js';
import { HTML } from './render-cache.js';

/** GET /notes/:slug and GET /note/:slug. */
export function notePageHandlers(ctx: PublicContext) {
  const { config, notes, cache, links, urls } = ctx;

  /** Refuses a note a visitor may not open: 404 unless it is live and not private, 410 in the trash. */
  function checkVisible(note: Note | undefined): asserts note is Note {
    // Drafts, private and scheduled notes do not exist for a visitor.
    if (!note?.published || note.visibility === 'private' || note.publishedAt > ctx.clock.now()) {
      throw new AppError('not_found', 'There is no note at this address.');
    }
    if (note.deletedAt) throw new AppError('gone', 'This note was deleted.');
  }

  return {
    /** GET /note/:slug: the singular form some links use; 301 to the note's address. */
    oldAddress(c: Context): Response {
      return c.redirect(`/notes/${encodeURIComponent(c.req.param('slug')!)}`, 301);
    },

    /** GET /notes/:slug: the note, or 301 from a former slug to where it lives now. */
    note(c: Context): Response {
      const slug = c.req.param('slug')!;
      const note = cache.noteBySlug(slug);
      if (!note) {
        // A former address of a note whose slug changed: 301 to where it lives now, for good. The
        // note is checked first, so a hidden or trashed note's new address is never revealed.
        const moved = notes.getNoteByFormerSlug(slug);
        checkVisible(moved);
        return c.redirect(links.note(moved.slug), 301);
      }
      checkVisible(note);
      const url = urls.note(note.slug);
      return cache.cached(c, `note:${note.id}`, HTML, cache.noteValidators(note), () => {
        const facts = cache.facts();
        const shown = ctx.withImages([note])[0]!;
        return renderNotePage({
          site: facts.page,
          note: shown,
          url,
          links,
          excerpt: excerpt(plainText(note.contentHtml), 160),
          responses: ctx.responses?.forNote(note.id, facts.timeZone),
          meta: noteMeta(shown, { url, title: '', siteUrl: config.siteUrl }),
        });
      });
    },
  };
}
