/**
 * Webmention receiving: 1,000 mentions posted to the endpoint (the synchronous part a sender
 * waits for), then verified by the job runner (each source fetched over real HTTP from a loopback
 * server, parsed, stored); and a note page with 500 approved responses (replies, likes, reposts,
 * mentions) rendered cold and served from the render cache.
 */

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { runMigrations } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import { silentLogger } from '../src/logger.js';
import { siteResponses } from '../src/routes/site/webmention.js';
import type { BenchResult } from './migrations.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const KINDS = ['u-in-reply-to', 'u-like-of', 'u-repost-of', 'u-mention-of'] as const;

/** A source page for mention `i` of `target`: an h-entry whose kind cycles through KINDS. */
function sourcePage(i: number, target: string): string {
  const cls = KINDS[i % 4]!;
  return `<!doctype html><html><body><article class="h-entry">
<span class="p-author h-card"><a class="u-url p-name" href="/">Author ${i}</a></span>
<a class="${cls}" href="${target}">the note</a>
<time class="dt-published" datetime="2026-11-27T10:00:00Z">27 Nov</time>
<div class="e-content"><p>Response number ${i}, with <em>some</em> text and <a href="/x">a link</a>.</p></div>
</article></body></html>`;
}

/** Runs the section; `mentions` received in all, `shown` of them approved on the rendered note. */
export async function benchWebmention(opts: { mentions: number; shown: number }): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'starpunk-bench-wm-'));
  const server = http.createServer((req, res) => {
    const i = Number(/^\/p\/(\d+)$/.exec(req.url ?? '')?.[1] ?? -1);
    const target = i < opts.shown ? 'http://bench.test/notes/busy' : 'http://bench.test/notes/quiet';
    res
      .writeHead(i >= 0 ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' })
      .end(sourcePage(i, target));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const config = loadConfig({ DATA_PATH: dir, SITE_URL: 'http://bench.test/', SITE_NAME: 'Bench' }, dir);
    mkdirSync(config.notesPath, { recursive: true });
    runMigrations({ dbPath: config.databasePath, backupsDir: config.backupsPath });
    const db = openDatabase(config.databasePath);
    const app = buildApp({
      config,
      db,
      clock: systemClock,
      logger: silentLogger(),
      version: 'bench',
      secret: 'bench-secret-bench-secret-bench-secret',
      // Sources live on "public" hosts mapped to the loopback server, as DNS would.
      fetch: (url, init) => {
        const u = new URL(url);
        return globalThis.fetch(`${origin}${u.pathname}`, init);
      },
    });
    const { notes, webmentionsReceived: webmentions, runner } = app.services;
    const busy = notes.createNote({ content: 'A note with many responses.', slug: 'busy' });
    notes.createNote({ content: 'A quieter note.', slug: 'quiet' });

    // 1. The endpoint: what a sender waits for (parse, checks, record, enqueue).
    const posted: number[] = [];
    const started = performance.now();
    for (let i = 0; i < opts.mentions; i++) {
      const target = i < opts.shown ? 'http://bench.test/notes/busy' : 'http://bench.test/notes/quiet';
      // A hundred sending hosts, so the per-host rate limit is not what is measured.
      const source = `http://s${i % 100}.senders.test/p/${i}`;
      const t0 = performance.now();
      const res = await app.request('http://bench.test/webmention', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ source, target }).toString(),
      });
      posted.push(performance.now() - t0);
      if (res.status !== 201) throw new Error(`POST /webmention answered ${res.status}: ${await res.text()}`);
    }
    const postTotal = performance.now() - started;

    // 2. Verification: fetch, link check, microformats, sanitising, storing — one job each.
    const v0 = performance.now();
    const ran = await runner.drain();
    const verifyTotal = performance.now() - v0;
    const verified = webmentions.store.countByModeration().pending ?? 0;
    if (verified !== opts.mentions)
      throw new Error(`verified ${verified} of ${opts.mentions} (${ran} jobs ran)`);

    // 3. A note page with `shown` approved responses.
    db.prepare("UPDATE webmentions SET moderation = 'approved' WHERE note_id = ?").run(busy.id);
    const cold0 = performance.now();
    const first = await app.request('http://bench.test/notes/busy');
    const html = await first.text();
    const coldPage = performance.now() - cold0;
    // Uncached: each round touches one shown response, which moves the note's revision.
    const touch = db.prepare(
      'UPDATE webmentions SET updated_at = ? WHERE id = (SELECT min(id) FROM webmentions WHERE note_id = ?)',
    );
    const uncached: number[] = [];
    for (let k = 0; k < 10; k++) {
      touch.run(new Date().toISOString(), busy.id);
      const t0 = performance.now();
      await (await app.request('http://bench.test/notes/busy')).text();
      uncached.push(performance.now() - t0);
    }
    const responses = siteResponses(webmentions);
    const renders: number[] = [];
    for (let k = 0; k < 20; k++) {
      const t0 = performance.now();
      responses.forNote(busy.id, 'UTC');
      renders.push(performance.now() - t0);
    }
    const cached: number[] = [];
    for (let k = 0; k < 50; k++) {
      const t0 = performance.now();
      await (await app.request('http://bench.test/notes/busy')).arrayBuffer();
      cached.push(performance.now() - t0);
    }
    const home0 = performance.now();
    await (await app.request('http://bench.test/')).text();
    const homeCold = performance.now() - home0;
    db.close();
    return [
      {
        name: `receive ${opts.mentions} webmentions: POST /webmention`,
        value: postTotal,
        unit: 'ms',
        note: `median ${median(posted).toFixed(2)} ms per request`,
      },
      {
        name: `verify ${opts.mentions} webmentions (fetch + parse + store)`,
        value: verifyTotal,
        unit: 'ms',
        note: `${(verifyTotal / opts.mentions).toFixed(2)} ms each, sources over loopback HTTP`,
      },
      {
        name: `note page with ${opts.shown} responses, first render (cold)`,
        value: coldPage,
        unit: 'ms',
        note: `${Math.round(html.length / 1024)} KB of HTML`,
      },
      {
        name: `note page with ${opts.shown} responses, uncached (median of 10)`,
        value: median(uncached),
        unit: 'ms',
      },
      { name: `responses block of ${opts.shown}, render (median of 20)`, value: median(renders), unit: 'ms' },
      {
        name: `note page with ${opts.shown} responses, cached (median of 50)`,
        value: median(cached),
        unit: 'ms',
      },
      { name: 'home page with response counts, first render', value: homeCold, unit: 'ms' },
    ];
  } finally {
    await new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
    rmSync(dir, { recursive: true, force: true });
  }
}
