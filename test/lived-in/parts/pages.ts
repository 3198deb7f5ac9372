/**
 * Standalone pages and the site menu, written in Chromium: About and Now in the menu (Now moved
 * first), a Colophon outside it. Checked on every record: every public page carries the menu in
 * that order, and each standalone page answers.
 */
import { expect } from 'vitest';
import type { Recording } from '../record.js';
import { htmlPages, open, type Part, submit, type World } from '../world.js';

const PAGES = [
  { title: 'About', content: 'I weave, and I write about **looms**.', menu: true },
  { title: 'Now', content: 'Warping a new loom this month.', menu: true },
  { title: 'Colophon', content: 'Made with StarPunk; set in the system font.', menu: false },
];

export const pages: Part = {
  name: 'pages and menu',

  async build(w: World) {
    for (const pg of PAGES) {
      const p = await open(w, '/admin/pages/new');
      await p.locator('#title').fill(pg.title);
      await p.locator('#content').fill(pg.content);
      const inMenu = p.locator('input[name="in_menu"]');
      if ((await inMenu.isChecked()) !== pg.menu) await inMenu.setChecked(pg.menu);
      const published = p.locator('input[name="published"]');
      if (!(await published.isChecked())) await published.check();
      await submit(
        w,
        'Save page',
        (u) => u.pathname === '/admin/pages' && u.searchParams.get('flash') === 'saved',
      );
    }
    await submit(w, 'Move up: “Now”', (u) => u.searchParams.get('flash') === 'moved');
  },

  snapshot(_w, r) {
    for (const path of ['/about', '/now', '/colophon']) r.seed(path);
    r.admin('/admin/pages');
  },

  check(rec: Recording) {
    for (const path of ['/about', '/now', '/colophon'])
      expect.soft(rec.page(path)?.status, `the standalone page ${path}`).toBe(200);
    const missing: string[] = [];
    for (const [path, html] of htmlPages(rec)) {
      if (!html.includes('<html')) continue;
      const nav = /<nav[^>]*class="[^"]*site-nav[^"]*"[^>]*>([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
      const labels = [...nav.matchAll(/<a[^>]*>([^<]*)<\/a>/g)].map((m) => m[1]!.trim());
      const now = labels.indexOf('Now');
      const about = labels.indexOf('About');
      if (now < 0 || about < 0 || now > about || labels.includes('Colophon'))
        missing.push(`${path}: menu [${labels.join(', ')}]`);
    }
    expect.soft(missing, 'pages without the site menu (Now, then About)').toEqual([]);
  },
};
