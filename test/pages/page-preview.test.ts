/**
 * Issue 25, writing item 6: a page that is not published answered 404 to its own owner, with no
 * way to see it as visitors will. The owner now has its preview page (as drafts have), linked from
 * the pages list and the page editor; visitors still get 404 at its address.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let admin: Admin;
beforeEach(async () => {
  t = createTestApp();
  admin = await signIn(t);
});
afterEach(() => t.close());

async function hiddenPage(): Promise<number> {
  const res = await postForm(t, admin, '/admin/pages/new', {
    intent: 'save',
    title: 'Now <soon>',
    slug: 'now',
    content: 'What I am **doing** now.',
  });
  expect(res.status).toBe(303);
  return t.app.services.pages.list().find((p) => p.slug === 'now')!.id;
}

const asOwner = (path: string) => t.get(path, { Cookie: admin.cookie });

describe('the preview of a page that is not published', () => {
  it('shows the owner the page as it will look; visitors still get 404', async () => {
    const id = await hiddenPage();
    expect((await t.get('/now')).status).toBe(404);

    const res = await asOwner(`/admin/pages/${id}/preview`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('This page is not published');
    expect(html).toContain('<h2 class="page-preview-title">Now &lt;soon&gt;</h2>');
    expect(html).toContain('What I am <strong>doing</strong> now.');
    expect(html).toContain(`<a href="/admin/pages/${id}">Edit this page</a>`);

    // Linked from the pages list and from the editor.
    expect(await (await asOwner('/admin/pages')).text()).toContain(
      `<a href="/admin/pages/${id}/preview" aria-label="Preview: “Now &lt;soon&gt;”">Preview</a>`,
    );
    expect(await (await asOwner(`/admin/pages/${id}`)).text()).toContain(
      `<a href="/admin/pages/${id}/preview">Preview this page</a>`,
    );
  });

  it('is for the signed-in owner only; an unknown page is 404', async () => {
    const id = await hiddenPage();
    const anon = await t.get(`/admin/pages/${id}/preview`);
    expect([302, 303, 401]).toContain(anon.status);
    expect(await anon.text()).not.toContain('What I am');
    expect((await asOwner('/admin/pages/999999/preview')).status).toBe(404);
    expect((await asOwner('/admin/pages/x/preview')).status).toBe(404);
  });

  it('once published, the preview points to its public address and the editor drops the link', async () => {
    const id = await hiddenPage();
    const saved = await postForm(t, admin, `/admin/pages/${id}`, {
      intent: 'save',
      title: 'Now <soon>',
      slug: 'now',
      content: 'What I am **doing** now.',
      published: '1',
    });
    expect(saved.status).toBe(303);
    expect((await t.get('/now')).status).toBe(200);
    const html = await (await asOwner(`/admin/pages/${id}/preview`)).text();
    expect(html).toContain('This page is published: <a href="/now">see it at /now</a>.');
    expect(await (await asOwner(`/admin/pages/${id}`)).text()).not.toContain('Preview this page');
    expect(await (await asOwner('/admin/pages')).text()).not.toContain(`/admin/pages/${id}/preview`);
  });
});
