import type { Db } from '../open.js';

/** A standalone page as stored. */
export interface PageRow {
  id: number;
  slug: string;
  title: string;
  content: string;
  content_html: string;
  published: number;
  menu_order: number | null;
  created_at: string;
  updated_at: string;
}

/** The fields a page is written with: all but its id and times, which the store sets. */
export type PageInput = Omit<PageRow, 'id' | 'created_at' | 'updated_at'>;

const COLUMNS = 'id, slug, title, content, content_html, published, menu_order, created_at, updated_at';

/** Prepared statements for the pages table. */
export function pagesStore(db: Db) {
  const all = db.prepare(`SELECT ${COLUMNS} FROM pages ORDER BY menu_order IS NULL, menu_order, title, id`);
  const byId = db.prepare(`SELECT ${COLUMNS} FROM pages WHERE id = ?`);
  const bySlug = db.prepare(`SELECT ${COLUMNS} FROM pages WHERE slug = ?`);
  const menu = db.prepare(
    'SELECT slug, title FROM pages WHERE published = 1 AND menu_order IS NOT NULL ORDER BY menu_order, id',
  );
  const published = db.prepare('SELECT slug, updated_at FROM pages WHERE published = 1 ORDER BY slug');
  const maxOrder = db.prepare('SELECT coalesce(max(menu_order), 0) AS m FROM pages');
  const insert = db.prepare(
    `INSERT INTO pages (slug, title, content, content_html, published, menu_order, created_at, updated_at)
     VALUES (@slug, @title, @content, @content_html, @published, @menu_order, @at, @at)`,
  );
  const update = db.prepare(
    `UPDATE pages SET slug = @slug, title = @title, content = @content, content_html = @content_html,
       published = @published, menu_order = @menu_order, updated_at = @at WHERE id = @id`,
  );
  const setOrder = db.prepare('UPDATE pages SET menu_order = ? WHERE id = ?');
  const del = db.prepare('DELETE FROM pages WHERE id = ?');
  const upsertBySlug = db.prepare(
    `INSERT INTO pages (slug, title, content, content_html, published, menu_order, created_at, updated_at)
     VALUES (@slug, @title, @content, @content_html, @published, @menu_order, @created_at, @updated_at)
     ON CONFLICT(slug) DO UPDATE SET title = excluded.title, content = excluded.content,
       content_html = excluded.content_html, published = excluded.published,
       menu_order = excluded.menu_order, updated_at = excluded.updated_at`,
  );
  return {
    /** Every page, menu pages first in menu order. */
    listPages: () => all.all() as PageRow[],
    /** The page with this id, or undefined. */
    findPage: (id: number) => byId.get(id) as PageRow | undefined,
    /** The page at this slug, or undefined. */
    findPageBySlug: (slug: string) => bySlug.get(slug) as PageRow | undefined,
    /** Published pages shown in the menu, in the owner's order. */
    listMenuPages: () => menu.all() as { slug: string; title: string }[],
    /** Published pages' slugs and change times (sitemap). */
    listPublishedPages: () => published.all() as { slug: string; updated_at: string }[],
    /** The highest menu position in use (0 when none). */
    maxMenuOrder: () => (maxOrder.get() as { m: number }).m,
    /** Inserts a page; returns its id. */
    insertPage: (p: PageInput, at: string) => Number(insert.run({ ...p, at }).lastInsertRowid),
    /** Updates a page; true when it existed. */
    updatePage: (id: number, p: PageInput, at: string) => update.run({ ...p, id, at }).changes === 1,
    /** Moves a page to a menu position (or out of the menu with null). */
    updateMenuOrder: (id: number, order: number | null) => setOrder.run(order, id),
    /** Deletes a page; true when it existed. */
    deletePage: (id: number) => del.run(id).changes === 1,
    /** Writes a page by slug, keeping its row (import). */
    upsertPageBySlug: (p: Omit<PageRow, 'id'>) => upsertBySlug.run(p),
  };
}
