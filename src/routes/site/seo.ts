import { Hono } from 'hono';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { changeToken } from '../../db/change-token.js';
import type { Db } from '../../db/open.js';
import { sitemapStore } from '../../db/store/sitemap.js';
import { escapeXml } from '../../feeds/common.js';
import { siteUrls } from '../../lib/site-urls.js';
import { monthPath } from '../../lib/zoned-months.js';
import type { NoteService } from '../../notes/service.js';
import type { PageService } from '../../pages/service.js';
import type { SiteContext } from '../../site/context.js';

/** sitemaps.org: at most 50,000 URLs per sitemap file; beyond that a sitemap index lists the files. */
export const SITEMAP_MAX_URLS = 50_000;

/** Paths search engines are asked to leave alone: signed-in and protocol surfaces. */
export const ROBOTS_DISALLOW = ['/admin', '/auth', '/micropub', '/webmention/status', '/api'];

/** Dependencies of robots.txt and sitemap.xml. */
export interface SeoDeps {
  config: Config;
  db: Db;
  clock: Clock;
  pages: PageService;
  /** For the timeline state, which also moves when a scheduled note goes live; the archive's months. */
  notes: Pick<NoteService, 'timelineState' | 'listPublicMonths'>;
  /** The site's time zone (the archive's months are the site's); UTC without it. */
  site?: Pick<SiteContext, 'current'>;
  /** URLs per sitemap file (tests use a small number). */
  maxUrls?: number;
}

function urlEntry(loc: string, lastmod?: string | null): string {
  return `<url><loc>${escapeXml(loc)}</loc>${lastmod ? `<lastmod>${escapeXml(lastmod)}</lastmod>` : ''}</url>\n`;
}

const URLSET_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n';

/** GET /robots.txt and /sitemap.xml (a sitemap index past SITEMAP_MAX_URLS). */
export function seoRoutes(deps: SeoDeps): Hono {
  const app = new Hono();
  const urls = siteUrls(deps.config);
  const store = sitemapStore(deps.db);
  const max = deps.maxUrls ?? SITEMAP_MAX_URLS;
  const XML = 'application/xml; charset=utf-8';
  const dbChanged = changeToken(deps.db);
  // Sitemap files by address, kept while nothing changed (no write, no scheduled note gone live):
  // crawlers ask again and again, and a file of 50,000 URLs takes a few hundred milliseconds.
  let memoOf: { token: string; state: unknown } | undefined;
  let memo = new Map<string, string>();

  app.get('/robots.txt', (c) => {
    const lines = [
      'User-agent: *',
      ...ROBOTS_DISALLOW.map((p) => `Disallow: ${p}`),
      '',
      `Sitemap: ${urls.abs('sitemap.xml')}`,
      '',
    ];
    c.header('Cache-Control', 'public, max-age=3600');
    return c.text(lines.join('\n'));
  });

  /**
   * The home page, published pages, the tag index and the tags of public notes, the archive and
   * its months (each only when there is something in it): the first part of the sitemap.
   */
  function siteEntries(now: string, newest: string | null): string[] {
    const out = [urlEntry(urls.home, newest)];
    for (const p of deps.pages.listPublished()) out.push(urlEntry(urls.abs(p.slug), p.updated_at));
    const tags: string[] = [];
    let tagsChanged = '';
    for (const [name, lastmod] of store.iteratePublicTags(now)) {
      tags.push(urlEntry(urls.tag(name), lastmod));
      if (lastmod > tagsChanged) tagsChanged = lastmod;
    }
    if (tags.length > 0) out.push(urlEntry(urls.abs('tags'), tagsChanged), ...tags);
    const months = deps.notes.listPublicMonths(deps.site?.current().timeZone ?? 'UTC');
    if (months.length > 0) {
      out.push(urlEntry(urls.abs('archive'), newest));
      for (const m of months) out.push(urlEntry(urls.abs(`archive/${monthPath(m)}`), m.lastmod));
    }
    return out;
  }

  /** Public notes from id `after` on, at most `limit`, read row by row. */
  function noteEntries(out: string[], now: string, after: number, limit: number): void {
    for (const [, slug, lastmod] of store.iteratePublicNotes(now, after, limit)) {
      out.push(urlEntry(urls.note(slug), lastmod));
    }
  }

  app.get('/sitemap.xml', (c) => {
    const state = deps.notes.timelineState();
    const token = dbChanged();
    if (memoOf?.token !== token || memoOf.state !== state) {
      memoOf = { token, state };
      memo = new Map();
    }
    const part = c.req.query('part');
    const from = c.req.query('from');
    const key = `${part ?? ''}:${from ?? ''}`;
    c.header('Cache-Control', 'no-cache');
    let body = memo.get(key);
    if (body === undefined) {
      body = sitemap(part, from);
      if (body === undefined) {
        c.header('Content-Type', 'text/plain; charset=utf-8');
        return c.body('Unknown sitemap part: use the addresses listed in /sitemap.xml.\n', 404);
      }
      // Bounded: `from` is chosen by the client.
      if (memo.size < 64) memo.set(key, body);
    }
    c.header('Content-Type', XML);
    return c.body(body);
  });

  /** One sitemap file, or the index past `max` URLs; undefined for an unknown part. */
  function sitemap(part: string | undefined, fromText: string | undefined): string | undefined {
    const now = deps.clock.now().toISOString();
    if (part === 'notes') {
      const from = Number(fromText);
      if (!Number.isSafeInteger(from) || from < 1) return undefined;
      const out: string[] = [];
      noteEntries(out, now, from - 1, max);
      return `${URLSET_OPEN}${out.join('')}</urlset>\n`;
    }
    if (part !== undefined && part !== 'site') return undefined;
    const { n, newest } = store.countPublicNotes(now);
    const head = siteEntries(now, newest);
    if (part === 'site') return `${URLSET_OPEN}${head.slice(0, max).join('')}</urlset>\n`;
    if (head.length + n <= max) {
      noteEntries(head, now, 0, n);
      return `${URLSET_OPEN}${head.join('')}</urlset>\n`;
    }
    // Too many for one file: an index of the site part and one file per run of notes.
    const files = [urls.abs('sitemap.xml?part=site')];
    for (const start of store.listPublicNoteStarts(now, max)) {
      files.push(urls.abs(`sitemap.xml?part=notes&from=${start}`));
    }
    const list = files.map((loc) => `<sitemap><loc>${escapeXml(loc)}</loc></sitemap>\n`).join('');
    return `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${list}</sitemapindex>\n`;
  }

  return app;
}
