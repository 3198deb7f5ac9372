/**
 * Found while fuzzing for finding 8: the signed-in admin's forms crashed into a 500 on a body that
 * cannot be parsed (broken multipart) when the CSRF token came in the X-CSRF-Token header. Such a
 * body is now a readable 400 page on every admin POST route.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Admin, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const ROUTES = [
  '/admin/new',
  '/admin/edit/1',
  '/admin/preview',
  '/admin/media',
  '/admin/tokens',
  '/admin/notes/1/delete',
  '/admin/sessions/end-all',
];

let t: TestApp;
let admin: Admin;
beforeAll(async () => {
  t = createTestApp();
  admin = await signIn(t);
  t.notes.createNote({ content: 'one' });
});
afterAll(() => t.close());

it.each(ROUTES)('POST %s with a broken multipart body: 400, not 500, and nothing done', async (path) => {
  const res = await t.request(path, {
    method: 'POST',
    headers: {
      Cookie: admin.cookie,
      'X-CSRF-Token': admin.csrf,
      'Content-Type': 'multipart/form-data; boundary=xyz',
    },
    body: '--xyz\r\nContent-Disposition: form-data; name="content"\r\n\r\nhalf a for',
  });
  expect(res.status).toBe(400);
  expect(await res.text()).toContain('could not be read');
  // The session survived (end-all did not run) and the note is still there (delete did not run).
  expect((await t.get('/admin', { Cookie: admin.cookie })).status).toBe(200);
  expect(t.notes.getNoteById(1)?.deletedAt).toBeFalsy();
});
