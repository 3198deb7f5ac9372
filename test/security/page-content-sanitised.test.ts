/** A standalone page's Markdown goes through the notes' sanitiser: no script, no event handlers. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

it('script, event handlers and javascript: links in a page are removed; the title is escaped', async () => {
  const admin = await signIn(t);
  const res = await postForm(t, admin, '/admin/pages/new', {
    intent: 'save',
    published: '1',
    title: '<img src=x onerror=alert(1)>',
    slug: 'evil',
    content:
      'Hi <script>alert(1)</script> <a href="javascript:alert(1)">x</a> <img src="/a.png" onerror="alert(1)">',
  });
  expect(res.status).toBe(303);
  const html = await (await t.get('/evil')).text();
  const main = /<main[^>]*>([\s\S]*)<\/main>/.exec(html)![1]!;
  const tags = [...main.matchAll(/<[a-z][^>]*>/gi)].map((m) => m[0]);
  expect(tags.length).toBeGreaterThan(3);
  for (const tag of tags) expect(tag).not.toMatch(/^<script|\son\w+=|javascript:/i);
  expect(main).toContain('&lt;img src=x onerror=alert(1)&gt;');
  expect(html).not.toContain('<img src=x');
  // The preview in the admin is sanitised the same way.
  const preview = await postForm(t, admin, '/admin/pages/new', {
    intent: 'preview',
    title: 'P',
    content: '<script>alert(1)</script>',
  });
  expect(await preview.text()).not.toContain('<script>alert(1)');
});
