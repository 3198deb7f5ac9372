import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { TimelineCursor } from '../../db/store/notes.js';
import { AppError } from '../../errors.js';
import {
  FEED_CONTENT_TYPES,
  type FeedItem,
  renderAtom,
  renderJsonFeed,
  renderOpml,
  renderRss,
} from '../../feeds/index.js';
import {
  createRenderCache,
  isNotModified,
  setValidators,
  type Validators,
  weakEtag,
} from '../../http/conditional.js';
import { negotiate } from '../../http/negotiate.js';
import type { MediaService } from '../../media/service.js';
import { excerpt, plainText } from '../../notes/markdown.js';
import { buildFtsQuery, escapeExcerpt, markExcerpt } from '../../notes/search-query.js';
import type { NoteService, TimelineState } from '../../notes/service.js';
import { tagPath, tagSlug } from '../../notes/tags.js';
import type { Note, NoteKey } from '../../notes/types.js';
import type { SiteContext, SiteFacts } from '../../site/context.js';
import { feedLinksFrom, noteToFeedItem } from '../../site/feed-item.js';
import { noteMeta } from '../../site/link-preview.js';
import { withStoredImages } from '../../site/note-images.js';
import { linkHeader } from '../../site/urls.js';
import { eagerFirstImage } from '../../views/images.js';
import {
  renderHomePage,
  renderListEntry,
  renderNotePage,
  renderSearchPage,
  renderTagPage,
} from '../../views/pages.js';

/** Notes on one page of the home page, tag pages and feeds. */
export const PAGE_SIZE = 20;
const FEED_SIZE = 50;
const SEARCH_PAGE = 20;

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

/** Validators of a list page or feed and the notes they were computed from. */
interface PublicView {
  keys: NoteKey[];
  /** The tag's spelling on a tag page, else empty. */
  label: string;
  etag: string;
  lastModified: Date;
  lastModifiedText: string;
  /** ETags of the formats built on this view (feeds), computed once. */
  formats: Map<string, string>;
}

/** Received responses as HTML (routes/site/webmention.ts): a note's block, and list entries' counts. */
export interface SiteResponses {
  forNote(noteId: number, timeZone: string): string;
  countsFor(notes: readonly { id: number; url: string }[]): Map<number, string>;
  /** When what the note's page shows of its responses last changed (its Last-Modified counts it). */
  changedAt(noteId: number): Date | undefined;
}

/** Dependencies of the public site routes. */
export interface SiteDeps {
  config: Config;
  clock: Clock;
  notes: NoteService;
  /** The media library, for the sizes of the pictures notes show. */
  media: Pick<MediaService, 'findImages'>;
  version: string;
  responses?: SiteResponses;
  /** The site facts in force (read per request; settings and the menu change without a restart). */
  site: Pick<SiteContext, 'current'>;
}

/** The public site: home, notes, tags, search, feeds. */
export function siteRoutes(deps: SiteDeps): Hono {
  const app = new Hono();
  const { config, notes } = deps;
  // The site facts in force for this request (settings, menu, social image, time zone): their
  // version is part of every cache key below, so a change renders every page afresh.
  let facts: SiteFacts = deps.site.current();
  const current = () => {
    const f = deps.site.current();
    if (f !== facts) {
      facts = f;
      configKey = keyOf(f);
    }
    return f;
  };
  const { urls } = facts;
  const homeLinks = linkHeader(facts.page.links);
  // The first entry of a list is at the top of the page: its first picture loads at once.
  const firstEager = (list: string[]) =>
    list.length === 0 ? list : [eagerFirstImage(list[0]!), ...list.slice(1)];
  const listLinks = {
    note: (slug: string) => `/notes/${encodeURIComponent(slug)}`,
    tag: (key: string) => urls.tag(key).slice(urls.home.length - 1),
  };
  // Pictures with their stored sizes, looked up once per batch of notes about to be rendered.
  const withImages = (list: readonly Note[]) =>
    withStoredImages(list, (u) => deps.media.findImages(u, config.siteUrl));
  const cache = createRenderCache<string | Buffer<ArrayBuffer>>();
  // Rendered list entries by note id, current for one revision: a page the render cache misses
  // (another cursor, a tag page, the first request after a write) re-renders only changed notes.
  const entries = createRenderCache<string>(2048);

  // Response counts are part of an entry: a change of a note's shown responses moves its revision.
  function renderEntries(list: Note[]): [Note, string][] {
    const counts = deps.responses?.countsFor(list.map((n) => ({ id: n.id, url: listLinks.note(n.slug) })));
    return list.map((n) => [n, renderListEntry(n, listLinks, counts?.get(n.id), facts.timeZone)]);
  }

  // An entry shows dates in the site's time zone: a new version of the site facts renders it anew.
  const entryTag = (revision: number) => `${revision}:${facts.version}`;
  function listEntries(keys: NoteKey[]): string[] {
    const missing = keys.filter((k) => entries.get(String(k.id), entryTag(k.revision)) === undefined);
    for (const [note, html] of renderEntries(withImages(notes.getNotesByIds(missing.map((k) => k.id))))) {
      entries.set(String(note.id), entryTag(note.revision), html);
    }
    // A note changed between the two queries is shown as it is now; a vanished one is left out.
    return keys.flatMap((k) => {
      const html = entries.get(String(k.id), entryTag(k.revision));
      if (html !== undefined) return [html];
      return renderEntries(withImages(notes.getNotesByIds([k.id]))).map(([, h]) => h);
    });
  }
  // Anything that changes what a page shows besides the notes: code version, configuration and
  // the site facts' version: pages and feeds made under other facts are never reused.
  const configText = JSON.stringify({ ...config, sessionSecret: undefined });
  function keyOf(f: SiteFacts): string {
    return weakEtag([deps.version, f.version, configText]);
  }
  let configKey = keyOf(facts);

  // Validators of the list pages and feeds served in the current timeline state (null: not found);
  // a new state starts a new map. Bounded: variants include client-chosen cursors and tags.
  let views = new Map<string, PublicView | null>();
  let viewsOf: TimelineState | undefined;
  // The last content fingerprint and Last-Modified given out per variant, across states, so that
  // Last-Modified never goes back when a note leaves a list (trashed, made private). Bounded.
  const served = new Map<string, { base: string; lastModified: number }>();

  // Notes looked up by slug in the current state (null: none), so a note page served again costs no query.
  let bySlug = new Map<string, Note | null>();
  // Results of recent searches in the current state: a repeated search (a popular word, a reader
  // paging back) costs no ranking. Bounded.
  let searches = new Map<string, ReturnType<typeof searchNow>>();
  let viewsVersion = facts.version;

  function currentState(): TimelineState {
    const t = notes.timelineState();
    // The site facts are on every page: a new version renders them afresh.
    const f = current();
    if (t !== viewsOf || viewsVersion !== f.version) {
      viewsVersion = f.version;
      views = new Map();
      bySlug = new Map();
      searches = new Map();
      viewsOf = t;
    }
    return t;
  }

  function noteBySlug(slug: string): Note | undefined {
    currentState();
    let note = bySlug.get(slug);
    if (note === undefined) {
      note = notes.getNoteBySlug(slug) ?? null;
      if (bySlug.size >= 1024) bySlug.clear();
      bySlug.set(slug, note);
    }
    return note ?? undefined;
  }

  /**
   * Last-Modified of a list: the newest change among its notes, except that a list whose notes
   * changed without a newer one (a note trashed, made private, restored) moves to now, so a client
   * that sends only If-Modified-Since still sees the change. Remembered per process only: after a
   * restart such a list falls back to its notes' own times.
   */
  function steadyLastModified(variant: string, base: string, newest: number): number {
    const prev = served.get(variant);
    let at = newest;
    if (prev?.base === base) at = prev.lastModified;
    else if (prev && Math.floor(newest / 1000) <= Math.floor(prev.lastModified / 1000)) {
      // HTTP dates have whole seconds: step past the previous one.
      at =
        Math.max(Math.floor(deps.clock.now().getTime() / 1000), Math.floor(prev.lastModified / 1000) + 1) *
        1000;
    }
    if (served.size >= 4096 && !served.has(variant)) served.clear();
    served.set(variant, { base, lastModified: at });
    return at;
  }

  /**
   * The validators of a list page or feed, from what a visitor can see of it only: its notes'
   * ids and revisions (plus `parts`, e.g. the tag's spelling), never the site-wide change counter,
   * which drafts and private notes move too. Computed once per variant and timeline state.
   */
  function publicView(
    variant: string,
    load: () => { keys: NoteKey[]; label?: string } | undefined,
  ): PublicView | undefined {
    currentState();
    const memo = views.get(variant);
    if (memo !== undefined) return memo ?? undefined;
    const loaded = load();
    let view: PublicView | null = null;
    if (loaded) {
      const base = weakEtag([
        configKey,
        variant,
        loaded.label,
        ...loaded.keys.map((k) => `${k.id}.${k.revision}`),
      ]);
      let newest = 0;
      for (const k of loaded.keys) newest = Math.max(newest, k.changedAt.getTime());
      const lastModified = new Date(steadyLastModified(variant, base, newest));
      view = {
        keys: loaded.keys,
        label: loaded.label ?? '',
        // The date is part of the tag: feeds print it, so a body is cached for one date only.
        etag: weakEtag([base, lastModified.getTime()]),
        lastModified,
        lastModifiedText: lastModified.toUTCString(),
        formats: new Map(),
      };
    }
    if (views.size < 4096) views.set(variant, view);
    return view ?? undefined;
  }

  // A note page shows that note only: its validators come from it alone. Kept per Note object,
  // which noteBySlug keeps for the current state.
  const noteValidatorMemo = new WeakMap<Note, Validators & { lastModifiedText: string; key: string }>();
  function noteValidators(note: Note): Validators & { lastModifiedText: string } {
    let v = noteValidatorMemo.get(note);
    if (v?.key !== configKey) {
      const lastModified = new Date(
        Math.max(
          note.publishedAt.getTime(),
          note.updatedAt?.getTime() ?? 0,
          deps.responses?.changedAt(note.id)?.getTime() ?? 0,
        ),
      );
      v = {
        etag: weakEtag([configKey, 'note', note.id, note.revision]),
        lastModified,
        lastModifiedText: lastModified.toUTCString(),
        key: configKey,
      };
      noteValidatorMemo.set(note, v);
    }
    return v;
  }

  /** Answers 304 when the client's copy is current, else renders (or reuses a cached render). */
  function cached(
    c: Context,
    variant: string,
    type: string,
    v: Validators & { lastModifiedText: string },
    render: () => string,
  ): Response {
    setValidators(c, v);
    c.header('Content-Type', type);
    if (isNotModified(c, v)) return c.body(null, 304);
    const hit = cache.get(variant, v.etag);
    if (hit === undefined) {
      const body = render();
      cache.set(variant, v.etag, body);
      return c.body(body, 200);
    }
    if (typeof hit !== 'string') return c.body(hit, 200);
    // Asked for twice: kept encoded from now on, so later hits send bytes without re-encoding.
    // (Not at once: pages asked for only once, like old cursors, would churn buffers outside the
    // heap faster than the collector frees them.)
    const bytes = Buffer.from(hit, 'utf8');
    cache.set(variant, v.etag, bytes);
    return c.body(bytes, 200);
  }

  const HTML = 'text/html; charset=utf-8';

  app.get('/', (c) => {
    c.header('Link', homeLinks);
    const before = c.req.query('before');
    const cursor = decodeCursor(before);
    const variant = `home:${before ?? ''}`;
    const perPage = current().settings.postsPerPage;
    const view = publicView(variant, () => ({ keys: notes.listPublicNoteKeys(perPage + 1, cursor) }))!;
    return cached(c, variant, HTML, view, () => {
      const shown = view.keys.slice(0, perPage);
      const older =
        view.keys.length > perPage ? `/?before=${encodeCursor(shown[shown.length - 1]!)}` : undefined;
      return renderHomePage({
        site: facts.page,
        entries: firstEager(listEntries(shown)),
        older,
        isFirst: cursor === undefined,
      });
    });
  });

  app.get('/note/:slug', (c) => c.redirect(`/notes/${encodeURIComponent(c.req.param('slug'))}`, 301));

  /** Refuses a note a visitor may not open: 404 unless it is live and not private, 410 in the trash. */
  function checkVisible(note: Note | undefined): asserts note is Note {
    // Drafts, private and scheduled notes do not exist for a visitor.
    if (!note?.published || note.visibility === 'private' || note.publishedAt > deps.clock.now()) {
      throw new AppError('not_found', 'There is no note at this address.');
    }
    if (note.deletedAt) throw new AppError('gone', 'This note was deleted.');
  }

  app.get('/notes/:slug', (c) => {
    const slug = c.req.param('slug');
    const note = noteBySlug(slug);
    if (!note) {
      // A former address of a note whose slug changed: 301 to where it lives now, for good. The
      // note is checked first, so a hidden or trashed note's new address is never revealed.
      const moved = notes.getNoteByFormerSlug(slug);
      checkVisible(moved);
      return c.redirect(listLinks.note(moved.slug), 301);
    }
    checkVisible(note);
    const url = urls.note(note.slug);
    return cached(c, `note:${note.id}`, HTML, noteValidators(note), () => {
      const shown = withImages([note])[0]!;
      return renderNotePage({
        site: facts.page,
        note: shown,
        url,
        links: listLinks,
        excerpt: excerpt(plainText(note.contentHtml), 160),
        responses: deps.responses?.forNote(note.id, facts.timeZone),
        meta: noteMeta(shown, { url, title: '', siteUrl: config.siteUrl }),
      });
    });
  });

  app.get('/tag/:tag', (c) => {
    const asked = c.req.param('tag');
    const slug = tagSlug(asked);
    const before = c.req.query('before');
    const cursor = decodeCursor(before);
    const variant = `tag:${slug}:${before ?? ''}`;
    const perPage = current().settings.postsPerPage;
    const view = publicView(variant, () => {
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
    return cached(c, variant, HTML, view, () => {
      const shown = view.keys.slice(0, perPage);
      const older =
        view.keys.length > perPage
          ? `${tagPath(slug)}?before=${encodeCursor(shown[shown.length - 1]!)}`
          : undefined;
      return renderTagPage({
        site: facts.page,
        tagName: view.label,
        entries: firstEager(listEntries(shown)),
        older,
      });
    });
  });

  function runSearch(q: string, limit: number, offset: number) {
    currentState();
    const key = `${limit}:${offset}:${q}`;
    let r = searches.get(key);
    if (!r) {
      r = searchNow(q, limit, offset);
      if (searches.size >= 128) searches.delete(searches.keys().next().value as string);
      searches.set(key, r);
    }
    return r;
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
          : escapeExcerpt(excerpt(plainText(h.note.contentHtml), 80) || 'Note'),
        excerptHtml: markExcerpt(h.excerpt),
      })),
    };
  }

  app.get('/search', (c) => {
    const q = (c.req.query('q') ?? '').slice(0, 1000);
    const page = Math.max(1, Math.min(1000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
    c.header('Cache-Control', 'no-cache');
    currentState();
    if (q.trim() === '')
      return c.html(renderSearchPage({ site: facts.page, query: '', results: [], total: 0 }));
    const r = runSearch(q, SEARCH_PAGE, (page - 1) * SEARCH_PAGE);
    const next =
      r.total > page * SEARCH_PAGE ? `/search?q=${encodeURIComponent(q)}&page=${page + 1}` : undefined;
    return c.html(
      renderSearchPage({
        site: facts.page,
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
  });

  app.get('/api/search', (c) => {
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
  });

  // Feeds ---------------------------------------------------------------------------------
  const feedLinks = feedLinksFrom(urls, config.websubHub);

  function feedItems(): FeedItem[] {
    return withImages(notes.listPublicNotes(FEED_SIZE)).map((n) => noteToFeedItem(n, urls));
  }

  /** The feeds' notes: one view shared by every format and the OPML file. */
  function feedView(): PublicView {
    return publicView('feed', () => ({ keys: notes.listPublicNoteKeys(FEED_SIZE) }))!;
  }

  /** The validators of one format of the feed view (the format is part of the tag). */
  function feedValidators(kind: string): Validators & { lastModifiedText: string } {
    const view = feedView();
    let etag = view.formats.get(kind);
    if (etag === undefined) {
      etag = weakEtag([view.etag, kind]);
      view.formats.set(kind, etag);
    }
    return { etag, lastModified: view.lastModified, lastModifiedText: view.lastModifiedText };
  }

  type FeedKind = 'rss' | 'atom' | 'json';

  /**
   * A browser opening an RSS or Atom feed (it asks for HTML and names no feed type) gets the same
   * bytes as application/xml: Chromium shows application/rss+xml as plain text and applies the
   * feed's stylesheet (/static/feed.xsl) only to XML types. Feed readers get the feed's own type.
   */
  function feedType(c: Context, kind: FeedKind): string {
    if (kind === 'json') return FEED_CONTENT_TYPES.json;
    c.header('Vary', 'Accept');
    const accept = c.req.header('accept') ?? '';
    const browser =
      /\btext\/html\b/i.test(accept) && !/\+xml\b/i.test(accept.replace(/application\/xhtml\+xml/gi, ''));
    return browser ? 'application/xml; charset=utf-8' : FEED_CONTENT_TYPES[kind];
  }
  function feed(c: Context, kind: FeedKind): Response {
    const v = feedValidators(kind);
    return cached(c, `feed:${kind}`, feedType(c, kind), v, () => {
      const items = feedItems();
      if (kind === 'rss') return renderRss(facts.feed, feedLinks, items, v.lastModified);
      if (kind === 'atom') return renderAtom(facts.feed, feedLinks, items, v.lastModified);
      return renderJsonFeed(facts.feed, feedLinks, items);
    });
  }

  const FEED_OFFERS: Record<string, FeedKind> = {
    'application/rss+xml': 'rss',
    'application/atom+xml': 'atom',
    'application/feed+json': 'json',
    'application/xml': 'rss',
    'text/xml': 'rss',
    'application/json': 'json',
  };
  app.get('/feed', (c) => {
    c.header('Vary', 'Accept');
    const chosen = negotiate(c.req.header('accept'), Object.keys(FEED_OFFERS));
    if (!chosen) {
      throw new AppError(
        'not_acceptable',
        'Feeds are available as RSS, Atom or JSON Feed (application/rss+xml, application/atom+xml, application/feed+json).',
      );
    }
    return feed(c, FEED_OFFERS[chosen]!);
  });
  app.get('/feed.rss', (c) => feed(c, 'rss'));
  app.get('/feed.xml', (c) => feed(c, 'rss'));
  app.get('/feed.atom', (c) => feed(c, 'atom'));
  app.get('/feed.json', (c) => feed(c, 'json'));
  app.get('/opml.xml', (c) => {
    const v = feedValidators('opml');
    return cached(c, 'opml', FEED_CONTENT_TYPES.opml, v, () =>
      renderOpml(facts.feed, feedLinks, v.lastModified),
    );
  });

  return app;
}
