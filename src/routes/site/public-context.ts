/**
 * What the public site's handlers share (timeline.ts, note-page.ts, search.ts, feeds.ts): their
 * dependencies, the one render cache, and the links and pictures every list and page uses.
 */
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { SiteUrls } from '../../lib/site-urls.js';
import type { MediaService } from '../../media/service.js';
import type { NoteReader } from '../../notes/read.js';
import type { Note } from '../../notes/types.js';
import type { SiteContext } from '../../site/context.js';
import { withStoredImages } from '../../site/note-images.js';
import type { ListLinks } from '../../views/public.js';
import { createPublicRenderCache, type PublicRenderCache } from './render-cache.js';

/** Received responses as HTML (routes/site/webmention.ts): a note's block, and list entries' counts. */
export interface SiteResponses {
  forNote(noteId: number, timeZone: string): string;
  countsFor(notes: readonly { id: number; url: string }[]): Map<number, string>;
  /** When what the note's page shows of its responses last changed (its Last-Modified counts it). */
  changedAt(noteId: number): Date | undefined;
}

/** Dependencies of the public site routes. */
export interface PublicDeps {
  config: Config;
  clock: Clock;
  notes: NoteReader;
  /** The media library, for the sizes of the pictures notes show. */
  media: Pick<MediaService, 'findImages'>;
  version: string;
  responses?: SiteResponses;
  /** The site facts in force (read per request; settings and the menu change without a restart). */
  site: Pick<SiteContext, 'current'>;
}

/** What every public handler is built with. */
export interface PublicContext extends PublicDeps {
  cache: PublicRenderCache;
  /** The site's absolute URLs (SITE_URL does not change while the process runs). */
  urls: SiteUrls;
  /** Site-relative links of list entries and redirects. */
  links: ListLinks;
  /** These notes with their pictures' stored sizes, looked up once per batch about to be rendered. */
  withImages(list: readonly Note[]): Note[];
}

/** The shared context of the public handlers: one per router, so one render cache per router. */
export function createPublicContext(deps: PublicDeps): PublicContext {
  const cache = createPublicRenderCache(deps);
  const { urls } = cache.facts();
  return {
    ...deps,
    cache,
    urls,
    links: {
      note: (slug: string) => `/notes/${encodeURIComponent(slug)}`,
      tag: (key: string) => urls.tag(key).slice(urls.home.length - 1),
    },
    withImages: (list) => withStoredImages(list, (u) => deps.media.findImages(u, deps.config.siteUrl)),
  };
}
