/** Issue 25 item 16: the site description (settings) is shown on the home page. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { parseWithMf2py, saveSettings } from '../helpers/settings.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp({ SITE_DESCRIPTION: 'Notes from the <workshop> & garden' });
});
afterEach(() => t.close());

describe('the site description on the home page', () => {
  it('is shown (escaped) on the first page, as the h-feed summary, and follows a saved change', async () => {
    for (let i = 0; i < 21; i++) t.notes.createNote({ content: `Note ${i}` });
    const html = await (await t.get('/')).text();
    expect(html).toContain(
      '<p class="p-summary site-description">Notes from the &lt;workshop&gt; &amp; garden</p>',
    );
    const mf = parseWithMf2py(html, 'http://example.test/');
    const feed = mf.items.find((i) => i.type.includes('h-feed'))!;
    expect(feed.properties.summary).toEqual(['Notes from the <workshop> & garden']);
    // Older pages are the list only.
    const older = /href="(\/\?before=[^"]+)"/.exec(html)![1]!;
    expect(await (await t.get(older.replace(/&amp;/g, '&'))).text()).not.toContain('site-description');

    const admin = await signIn(t);
    expect((await saveSettings(t, admin, { site_description: 'A new line' })).status).toBe(303);
    expect(await (await t.get('/')).text()).toContain('<p class="p-summary site-description">A new line</p>');
    expect((await saveSettings(t, admin, { site_description: '' })).status).toBe(303);
    expect(await (await t.get('/')).text()).not.toContain('site-description');
  });
});
