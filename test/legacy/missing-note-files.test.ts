/**
 * A note whose Markdown file is missing never shows as an empty note without anyone knowing:
 * `serve` says at start how many there are (pointing at `starpunk doctor`), /health answers
 * "degraded", the admin dashboard says so, and visitors see that the text is unavailable.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { buildPythonDataDir } from '../helpers/python-fixtures.js';
import { startServer } from '../helpers/spawn-server.js';
import { cleanup, tempDir } from '../ops/ops-helpers.js';

const apps: TestApp[] = [];
afterEach(() => {
  for (const a of apps.splice(0)) a.close();
  cleanup();
});

describe('a note whose file is missing', () => {
  it('is counted at start, makes /health degraded, is flagged in the admin and to visitors', async () => {
    const t = createTestApp();
    apps.push(t);
    const kept = t.notes.createNote({ content: 'Still here.\n', slug: 'kept' });
    const lost = t.notes.createNote({ content: 'Gone missing.\n', slug: 'lost', name: 'Lost note' });
    expect((await (await t.get('/health')).json()) as object).toEqual({ status: 'ok' });
    rmSync(join(t.config.notesPath, lost.filePath));
    // The database caches rendered HTML; a missing file is what a fresh upgrade or a lost disk gives.
    t.db.prepare('UPDATE notes SET content_html = NULL').run();

    expect(t.notes.scanMissingFiles()).toBe(1);
    const health = await t.get('/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'degraded' });

    const page = await t.get('/notes/lost');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('The text of this note is unavailable at the moment.');
    expect(html).toContain('Lost note');
    expect(await (await t.get(`/notes/${kept.slug}`)).text()).not.toContain('unavailable');

    const admin = await signIn(t);
    const dashboard = await (await t.get('/admin', { Cookie: admin.cookie })).text();
    expect(dashboard).toMatch(/1 note\(s\) have no Markdown file, so visitors see no text for them/);
    expect(dashboard).toContain('starpunk doctor');
    const detailed = (await (await t.get('/health', { Cookie: admin.cookie })).json()) as {
      status: string;
      problems?: string[];
    };
    expect(detailed.status).toBe('degraded');
    expect(detailed.problems).toEqual(['1 note(s) have no Markdown file; run starpunk doctor for the list']);

    // Writing the note again gives it a file: the site is healthy again.
    t.notes.updateNote(lost.id, { content: 'Written again.\n' });
    expect((await (await t.get('/health')).json()) as object).toEqual({ status: 'ok' });
  });

  it('`serve` on a Python 1.5 data directory says how many notes have no file, and serves the rest', async () => {
    const dir = join(tempDir(), 'data');
    const fx = await buildPythonDataDir(dir, '1.5');
    const gone = fx.notes.find((n) => n.slug === 'cafe-deja-vu')!;
    rmSync(join(dir, 'notes', gone.rel));
    const server = await startServer({ DATA_PATH: dir, LOG_LEVEL: 'info' });
    try {
      expect(server.output()).toMatch(/1 note\(s\) have no Markdown file.*starpunk doctor/);
      expect(server.output()).toMatch(/Python StarPunk data carried over/);
      expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'degraded' });
      const first = await (await fetch(`${server.url}/notes/hello-starpunk-this-is-my`)).text();
      expect(first).toContain('This is my first note');
      const missing = await (await fetch(`${server.url}/notes/cafe-deja-vu`)).text();
      expect(missing).toContain('The text of this note is unavailable at the moment.');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
