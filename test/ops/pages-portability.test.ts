/**
 * Issue #14, Pages: standalone pages travel with the site — backup and restore (they live in the
 * database), export (pages.json, never as Markdown files an import would take for notes) and
 * import from an export folder or from another data directory, menu order kept.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPageService } from '../../src/pages/service.js';
import { cleanup, cli, openSite, type Site, tempDir } from './ops-helpers.js';

afterEach(cleanup);

function seeded(dir: string): Site {
  const site = openSite(dir);
  site.notes.createNote({ content: 'A note', slug: 'a-note' });
  const pages = createPageService({ db: site.db, clock: site.clock });
  pages.create({ title: 'Now', slug: '', content: 'Doing **this**.', published: true, inMenu: true });
  pages.create({ title: 'About', slug: '', content: 'Me.', published: true, inMenu: true });
  pages.create({
    title: 'Draft page',
    slug: 'draft-page',
    content: 'Soon.',
    published: false,
    inMenu: false,
  });
  return site;
}

/** Pages as the public sees them: slug, title, content, published, menu position. */
function pagesOf(site: Site) {
  return createPageService({ db: site.db, clock: site.clock })
    .list()
    .map((p) => ({
      slug: p.slug,
      title: p.title,
      content: p.content,
      published: p.published,
      menu: p.menu_order,
    }));
}

async function exportOf(dir: string): Promise<string> {
  const out = tempDir();
  const r = await cli(['export', '--out', out], dir);
  expect(r.code).toBe(0);
  return /to (\S+)\n$/.exec(r.out)![1]!;
}

describe('standalone pages in backups, exports and imports', () => {
  it('a backup restored elsewhere has the pages, menu order included', async () => {
    const a = join(tempDir(), 'a');
    const site = seeded(a);
    const before = pagesOf(site);
    site.close();
    const out = tempDir();
    expect((await cli(['backup', '--out', out], a)).code).toBe(0);
    const archive = join(out, readdirSync(out).find((f) => f.endsWith('.tar.gz'))!);
    const restored = join(tempDir(), 'b');
    expect((await cli(['restore', archive], restored)).code).toBe(0);
    const back = openSite(restored);
    expect(pagesOf(back)).toEqual(before);
    back.close();
  });

  it('an export holds pages.json; importing it recreates the pages and makes no notes of them', async () => {
    const a = join(tempDir(), 'a');
    const site = seeded(a);
    const before = pagesOf(site);
    site.close();
    const path = await exportOf(a);
    const doc = JSON.parse(readFileSync(join(path, 'pages.json'), 'utf8')) as { items: { slug: string }[] };
    expect(doc.items.map((p) => p.slug)).toEqual(['now', 'about', 'draft-page']);
    expect(existsSync(join(path, 'pages'))).toBe(false);
    const b = join(tempDir(), 'b');
    openSite(b).close();
    const r = await cli(['import', path], b);
    expect(r.code).toBe(0);
    const back = openSite(b);
    expect(pagesOf(back)).toEqual(before);
    // One note (the real one): the pages' text did not become notes.
    expect(back.notes.listPublicNotes(10).map((n) => n.slug)).toEqual(['a-note']);
    back.close();
  });

  it('importing from another data directory brings its pages; a slug already used here is skipped', async () => {
    const a = join(tempDir(), 'a');
    seeded(a).close();
    const b = join(tempDir(), 'b');
    const target = openSite(b);
    createPageService({ db: target.db, clock: target.clock }).create({
      title: 'About',
      slug: 'about',
      content: 'Mine, keep it.',
      published: true,
      inMenu: false,
    });
    target.close();
    expect((await cli(['import', a], b)).code).toBe(0);
    const back = openSite(b);
    const pages = pagesOf(back);
    expect(pages.find((p) => p.slug === 'about')?.content).toBe('Mine, keep it.');
    expect(pages.map((p) => p.slug).sort()).toEqual(['about', 'draft-page', 'now']);
    back.close();
  });
});
