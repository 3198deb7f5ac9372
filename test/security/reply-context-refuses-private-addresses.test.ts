/**
 * Issue 16 item 14: reply context fetches pages named by whoever writes a note, Micropub clients
 * included. It must go through the app's SSRF-safe fetch: a like of a loopback or private address
 * never reaches it. Proven with the app built as `serve` builds it (no fetch injected) and a real
 * loopback server that counts every request it gets.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { runMigrations } from '../../src/db/migrate.js';
import { type Db, openDatabase } from '../../src/db/open.js';
import { silentLogger } from '../../src/logger.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';

let dir: string;
let db: Db;
let app: ReturnType<typeof buildApp>;
let inside: RemoteSite;
let hits = 0;

beforeAll(async () => {
  inside = await startRemote((_req, _body, res) => {
    hits++;
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<title>Internal admin panel</title>');
  });
  dir = mkdtempSync(join(tmpdir(), 'starpunk-ssrf-'));
  const config = loadConfig({ DATA_PATH: dir, SITE_URL: 'http://example.test/' }, dir);
  mkdirSync(config.notesPath, { recursive: true });
  runMigrations({ dbPath: config.databasePath, backupsDir: config.backupsPath });
  db = openDatabase(config.databasePath);
  // No `fetch`: the app makes its own SSRF-safe one, as in production.
  app = buildApp({
    config,
    db,
    clock: fixedClock('2026-11-27T12:00:00.000Z'),
    logger: silentLogger(),
    version: 'test',
    secret: 'test-secret-test-secret-test-secret',
  });
});
afterAll(async () => {
  await app.services.replyContexts.settled();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  await inside.close();
});

describe('reply context uses the SSRF-safe fetch', () => {
  it('never requests a loopback or private address named by a like, and shows the URL as is', async () => {
    const targets = [
      inside.url,
      `${inside.url.replace('127.0.0.1', 'localhost')}x`,
      'http://169.254.169.254/latest/',
    ];
    const notes = targets.map((url) =>
      app.services.notes.createNote({ content: '', properties: { 'like-of': [url] } }),
    );
    await app.services.replyContexts.settled();
    expect(hits).toBe(0);
    const rows = db.prepare('SELECT url, status, error FROM reply_contexts ORDER BY url').all() as {
      status: string;
      error: string;
    }[];
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.status).toBe('failed');
      expect(row.error).toMatch(/refusing|private|localhost/);
    }
    for (const [i, note] of notes.entries()) {
      const page = await (await app.request(`http://example.test/notes/${note.slug}`)).text();
      expect(page).toContain(`<title>Liked ${targets[i]} · `);
      expect(page).not.toContain('Internal admin panel');
    }
  });
});
