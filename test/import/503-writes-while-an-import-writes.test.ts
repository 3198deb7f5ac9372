/**
 * While an import for real is written (one batch on a connection of its own holding SQLite's write
 * lock until it ends), the site keeps serving pages and refuses every other write at once with 503,
 * in the format of the route, instead of stalling the server on the lock for busy_timeout and then
 * failing. The hold here is what the import job takes (`holdBulkWrite`) around a real second
 * connection in `BEGIN IMMEDIATE`, as the engine's batch does.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { holdBulkWrite } from '../../src/db/bulk-write.js';
import { postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp | undefined;
afterEach(() => {
  t?.close();
  t = undefined;
});

describe('writes while an import is written', () => {
  it('answer 503 at once in their own format; reading and the admin go on; after it, writes work', async () => {
    t = createTestApp();
    const app = t;
    const token = app.app.services.tokens.mintToken({
      me: app.config.adminMe,
      clientId: 'https://client.example/',
      scope: 'create',
      expiresInSeconds: null,
    }).token;
    await app.app.services.notes.createNote({ content: 'Before the import.' });
    const admin = await signIn(app);

    const other = new Database(app.config.databasePath);
    other.exec('BEGIN IMMEDIATE');
    const release = holdBulkWrite(app.config.databasePath);
    try {
      const started = performance.now();
      const micropub = await app.request('/micropub', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'h=entry&content=During+the+import',
      });
      expect(micropub.status).toBe(503);
      expect(micropub.headers.get('content-type')).toContain('application/json');
      expect(micropub.headers.get('retry-after')).toBe('60');
      expect(((await micropub.json()) as { error: string }).error).toBe('unavailable');

      const form = await postForm(app, admin, '/admin/new', {
        content: 'Typed during the import',
        action: 'publish',
      });
      expect(form.status).toBe(503);
      expect(await form.text()).toContain('An import is being written');

      const mention = await app.request('/webmention', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'source=https://a.example/post&target=http://example.test/',
      });
      expect(mention.status).toBe(503);

      // Reading goes on: the public site and the admin (whose session is not slid meanwhile).
      expect((await app.get('/')).status).toBe(200);
      expect((await app.get('/admin', { Cookie: admin.cookie })).status).toBe(200);
      // None of it waited on the lock (busy_timeout is 5 s): a bound far above a request's cost.
      expect(performance.now() - started).toBeLessThan(4000);
    } finally {
      release();
      other.exec('ROLLBACK');
      other.close();
    }

    const after = await app.request('/micropub', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'h=entry&content=After+the+import',
    });
    expect(after.status).toBe(201);
  });
});
