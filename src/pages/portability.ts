import type { Db } from '../db/open.js';
import { pagesStore } from '../db/store/pages.js';
import { renderMarkdown } from '../notes/markdown.js';
import { validatePageFields } from './service.js';

/** The file an export holds the standalone pages in (not Markdown files: an import would read those as notes). */
export const PAGES_FILE = 'pages.json';

/** One page as exported. */
export interface PageExport {
  slug: string;
  title: string;
  content: string;
  published: boolean;
  /** Place in the menu, or null when the page is not in it. */
  menu_order: number | null;
  created_at: string;
  updated_at: string;
}

/** Every standalone page, as written to pages.json. */
export function exportPages(db: Db): PageExport[] {
  return pagesStore(db)
    .listPages()
    .map((p) => ({
      slug: p.slug,
      title: p.title,
      content: p.content,
      published: p.published === 1,
      menu_order: p.menu_order,
      created_at: p.created_at,
      updated_at: p.updated_at,
    }));
}

/** What an import did with the pages it found. */
export interface PageImportReport {
  imported: number;
  skipped: number;
  failed: { slug: string; detail: string }[];
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');
const isoOr = (v: unknown, fallback: string) =>
  typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : fallback;

/**
 * Imports pages (pages.json items or a source database's rows), checked like the admin form;
 * a slug the site already uses is skipped, never overwritten.
 */
export function importPages(db: Db, items: unknown[], now: Date): PageImportReport {
  const store = pagesStore(db);
  const report: PageImportReport = { imported: 0, skipped: 0, failed: [] };
  for (const raw of items) {
    const item = (raw ?? {}) as Record<string, unknown>;
    try {
      const f = validatePageFields({
        title: text(item.title),
        slug: text(item.slug),
        content: text(item.content),
        published: item.published === true || item.published === 1,
        inMenu: typeof item.menu_order === 'number',
      });
      if (store.findPageBySlug(f.slug)) {
        report.skipped++;
        continue;
      }
      const at = now.toISOString();
      store.upsertPageBySlug({
        slug: f.slug,
        title: f.title,
        content: f.content,
        content_html: renderMarkdown(f.content, 'owner'),
        published: f.published ? 1 : 0,
        menu_order: f.inMenu ? store.maxMenuOrder() + 1 : null,
        created_at: isoOr(item.created_at, at),
        updated_at: isoOr(item.updated_at, at),
      });
      report.imported++;
    } catch (err) {
      report.failed.push({ slug: text(item.slug), detail: err instanceof Error ? err.message : String(err) });
    }
  }
  return report;
}

/** The pages of a StarPunk database being imported from (none when it has no pages table). */
export function pageItemsFromDatabase(src: Db): unknown[] {
  const has = src.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pages'").get();
  if (!has) return [];
  // Menu order is kept by importing in that order (importPages appends to the menu).
  return src
    .prepare(
      'SELECT slug, title, content, published, menu_order, created_at, updated_at FROM pages ORDER BY menu_order IS NULL, menu_order, id',
    )
    .all();
}
