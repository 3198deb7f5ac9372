/**
 * The site context's one version (docs/decisions/0014-site-context.md): it moves when a setting or
 * the menu changes and only then, and the same facts have the same version in every process.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { restart } from '../helpers/settings.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

const page = (title: string, inMenu = true) => ({ title, slug: '', content: 'x', published: true, inMenu });

describe('the site facts version', () => {
  it('stays (same object) while only notes change, and moves with a setting or the menu', () => {
    const site = t.app.services.site;
    const first = site.current();
    t.notes.createNote({ content: 'A note.' });
    t.notes.createNote({ content: 'A draft.', published: false });
    expect(site.current()).toBe(first);

    t.app.services.settings.save({ footerText: 'Hand-made.' });
    const saved = site.current();
    expect(saved.version).not.toBe(first.version);
    expect(saved.page.footerText).toBe('Hand-made.');
    // Saved again with the same value: the same facts, the same object.
    t.app.services.settings.save({ footerText: 'Hand-made.' });
    expect(site.current()).toBe(saved);

    // A page outside the menu changes nothing every page shows.
    t.app.services.pages.create(page('Colophon', false));
    expect(site.current()).toBe(saved);
    const id = t.app.services.pages.create(page('About'));
    const withMenu = site.current();
    expect(withMenu.version).not.toBe(saved.version);
    expect(withMenu.page.menu).toEqual([{ href: '/about', title: 'About' }]);
    t.app.services.pages.update(id, { ...page('About me'), slug: 'about' });
    expect(site.current().version).not.toBe(withMenu.version);
    expect(site.current().page.menu).toEqual([{ href: '/about', title: 'About me' }]);
  });

  it('is the same for the same facts in another process on the same database', () => {
    t.app.services.settings.save({ language: 'de', siteName: 'Zweite' });
    t.app.services.pages.create(page('Über'));
    const other = restart(t);
    try {
      expect(other.app.services.site.current().version).toBe(t.app.services.site.current().version);
      other.app.services.settings.save({ language: 'fr' });
      expect(t.app.services.site.current().language).toBe('fr');
      expect(t.app.services.site.current().version).toBe(other.app.services.site.current().version);
    } finally {
      other.close();
    }
  });

  it('error pages keep the last known facts when the database cannot be read', () => {
    t.app.services.settings.save({ siteName: 'Still Named' });
    const known = t.app.services.site.current();
    t.db.close();
    expect(() => t.app.services.site.current()).toThrow();
    expect(t.app.services.site.currentOrLast()).toBe(known);
    // close() closes the database again: harmless.
  });
});
