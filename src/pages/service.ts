import type { Clock } from '../clock.js';
import { changeToken } from '../db/change-token.js';
import type { Db } from '../db/open.js';
import { formerAddressesStore } from '../db/store/former-addresses.js';
import { type PageRow, pagesStore } from '../db/store/pages.js';
import { AppError } from '../lib/errors.js';
import { renderMarkdown } from '../notes/markdown.js';
import { slugify, validateCustomSlug } from '../notes/slug.js';

/** What the owner submits for a page. */
export interface PageFields {
  title: string;
  slug: string;
  content: string;
  published: boolean;
  inMenu: boolean;
}

/** An entry of the site menu: a published page the owner put in the menu, in their order. */
export interface MenuEntry {
  href: string;
  title: string;
}

const MAX_TITLE = 200;
const MAX_CONTENT = 200_000;

/** Checks and normalises a page's fields; throws invalid_request with every problem at once. */
export function validatePageFields(f: PageFields): PageFields {
  const problems: string[] = [];
  const title = f.title.trim();
  if (title === '') problems.push('Give the page a title.');
  if (title.length > MAX_TITLE) problems.push(`The title may be at most ${MAX_TITLE} characters long.`);
  const slugCheck = validateCustomSlug(f.slug.trim() === '' ? slugify(title) || title : f.slug);
  if (!slugCheck.ok) problems.push(slugCheck.reason);
  if (f.content.length > MAX_CONTENT)
    problems.push(`The text may be at most ${MAX_CONTENT} characters long.`);
  if (problems.length > 0) throw new AppError('invalid_request', problems.join(' '));
  return { ...f, title, slug: slugCheck.ok ? slugCheck.slug : '' };
}

/** Creates the standalone-pages service: the owner's pages, their menu order and the public lookups. */
export function createPageService(deps: { db: Db; clock: Clock }) {
  const store = pagesStore(deps.db);
  const former = formerAddressesStore(deps.db);
  const token = changeToken(deps.db);
  const now = () => deps.clock.now().toISOString();
  let menu: { token: string; value: readonly MenuEntry[]; print: string } | undefined;

  function rowFor(f: PageFields, menuOrder: number | null) {
    return {
      slug: f.slug,
      title: f.title,
      content: f.content,
      content_html: renderMarkdown(f.content, 'owner'),
      published: f.published ? 1 : 0,
      menu_order: menuOrder,
    };
  }

  function taken(slug: string, id?: number): void {
    const other = store.findPageBySlug(slug);
    if (other && other.id !== id) throw new AppError('conflict', `Another page already uses “${slug}”.`);
  }

  /** Renumbers the menu 1..n in the given order, so moves are swaps of neighbours. */
  function renumber(ids: number[]): void {
    for (const [i, id] of ids.entries()) store.updateMenuOrder(id, i + 1);
  }

  return {
    /** Every page (menu pages first, in order). */
    list: (): PageRow[] => store.listPages(),
    /** The page with this id; throws not_found. */
    get(id: number): PageRow {
      const p = store.findPage(id);
      if (!p) throw new AppError('not_found', 'There is no such page.');
      return p;
    },
    /** The published page at this slug, or undefined. */
    findPublished(slug: string): PageRow | undefined {
      const p = store.findPageBySlug(slug);
      return p?.published === 1 ? p : undefined;
    },
    /** Creates a page from checked fields; returns its id. */
    create(fields: PageFields): number {
      const f = validatePageFields(fields);
      return deps.db.transaction(() => {
        taken(f.slug);
        return store.insertPage(rowFor(f, f.inMenu ? store.maxMenuOrder() + 1 : null), now());
      })();
    },
    /** Updates a page from checked fields, keeping its menu place when it stays in the menu. */
    update(id: number, fields: PageFields): void {
      const f = validatePageFields(fields);
      deps.db.transaction(() => {
        const old = store.findPage(id);
        if (!old) throw new AppError('not_found', 'There is no such page.');
        taken(f.slug, id);
        const order = f.inMenu ? (old.menu_order ?? store.maxMenuOrder() + 1) : null;
        store.updatePage(id, rowFor(f, order), now());
      })();
    },
    /** Deletes a page. */
    remove(id: number): void {
      if (!store.deletePage(id)) throw new AppError('not_found', 'There is no such page.');
    },
    /** Moves a menu page one place up (-1) or down (+1); a page at the end stays put. */
    move(id: number, by: -1 | 1): void {
      deps.db.transaction(() => {
        const menu = store.listPages().filter((p) => p.menu_order !== null);
        const at = menu.findIndex((p) => p.id === id);
        if (at < 0) throw new AppError('invalid_request', 'That page is not in the menu.');
        const to = at + by;
        if (to < 0 || to >= menu.length) return;
        const ids = menu.map((p) => p.id);
        [ids[at], ids[to]] = [ids[to]!, ids[at]!];
        renumber(ids);
      })();
    },
    /**
     * The published page an address on the site it was imported from leads to, or undefined;
     * `address` is a former-address key (src/lib/former-address.ts).
     */
    findPublishedByFormerAddress(address: string): PageRow | undefined {
      const id = former.findFormerAddress(address)?.pageId;
      const p = id === undefined ? undefined : store.findPage(id);
      return p?.published === 1 ? p : undefined;
    },
    /**
     * Puts these pages at the end of the menu, in this order, after the pages already in it (an
     * import places a site's pages as their old site ordered them).
     */
    appendToMenu(ids: readonly number[]): void {
      deps.db.transaction(() => {
        const chosen = new Set(ids);
        const kept = store
          .listPages()
          .filter((p) => p.menu_order !== null && !chosen.has(p.id))
          .map((p) => p.id);
        renumber([...kept, ...ids.filter((id) => store.findPage(id))]);
      })();
    },
    /** Published pages' slugs and change times (sitemap). */
    listPublished: () => store.listPublishedPages(),
    /**
     * The menu, re-read only when the database changed; the same array while its content is the
     * same (the site context, src/site/context.ts, keys on its identity).
     */
    menu(): readonly MenuEntry[] {
      const t = token();
      if (menu?.token === t) return menu.value;
      const value = store.listMenuPages().map((p) => ({ href: `/${p.slug}`, title: p.title }));
      const print = JSON.stringify(value);
      menu = menu?.print === print ? { ...menu, token: t } : { token: t, value: Object.freeze(value), print };
      return menu.value;
    },
  };
}

/** The standalone-pages service. */
export type PageService = ReturnType<typeof createPageService>;
