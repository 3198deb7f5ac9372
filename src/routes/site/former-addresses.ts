/**
 * Addresses notes and pages had on the site they were imported from (their permalinks, `/?p=12`,
 * `/?page_id=3`; `023_imports.sql`) answer 301 to where they live now, as former slugs do
 * (note-page.ts). An address is looked up only when nothing else here answers it: a request this
 * site answered 404, or the home page asked with a query. A hidden, scheduled or trashed note's
 * address answers as if it did not exist, so where it lives now is never revealed.
 */
import type { MiddlewareHandler } from 'hono';
import type { Clock } from '../../clock.js';
import { formerAddressKey } from '../../lib/former-address.js';
import type { NoteService } from '../../notes/service.js';
import type { PageService } from '../../pages/service.js';

/** What the former-address lookup needs. */
export interface FormerAddressDeps {
  notes: Pick<NoteService, 'getNoteByFormerAddress'>;
  pages: Pick<PageService, 'findPublishedByFormerAddress'>;
  clock: Clock;
}

/** The middleware answering 301 from a former address; see the module comment. */
export function formerAddresses(deps: FormerAddressDeps): MiddlewareHandler {
  /** Where a former address leads now (site-relative), or undefined. */
  function destination(pathname: string, search: string): string | undefined {
    const key = formerAddressKey(pathname, search);
    if (key === undefined) return undefined;
    const note = deps.notes.getNoteByFormerAddress(key);
    if (note) {
      const visible =
        note.published &&
        note.visibility !== 'private' &&
        note.deletedAt === null &&
        note.publishedAt <= deps.clock.now();
      return visible ? `/notes/${encodeURIComponent(note.slug)}` : undefined;
    }
    const page = deps.pages.findPublishedByFormerAddress(key);
    return page ? `/${encodeURIComponent(page.slug)}` : undefined;
  }

  return async (c, next) => {
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD') return next();
    const url = new URL(c.req.url);
    // The home page answers whatever its query says, so `/?p=12` is looked up before it.
    if (url.pathname === '/' && url.search !== '') {
      const to = destination(url.pathname, url.search);
      if (to) return c.redirect(to, 301);
    }
    await next();
    if (c.res.status !== 404) return;
    const to = destination(url.pathname, url.search);
    if (!to) return;
    // Hono carries the replaced response's headers over to the new one: the 404's (its length,
    // its type, its caching) must not, so they are dropped first.
    const old = c.res.headers;
    for (const name of [...old.keys()]) old.delete(name);
    c.res = new Response(null, { status: 301, headers: { location: to } });
  };
}
