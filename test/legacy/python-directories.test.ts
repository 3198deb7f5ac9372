/**
 * Every Python StarPunk data directory, rc.4 to 1.5, opens in place: pointed at by DATA_PATH, the
 * upgrade keeps every note, tag, photo and the author profile, the schema equals a fresh
 * install's, and the site, its feeds, search, doctor, backup and export all work; `import` of the
 * same directory gives the same pages.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { runMigrations } from '../../src/db/migrate.js';
import { diffSnapshots, inspectSchema } from '../../src/db/schema.js';
import { tagPath } from '../../src/lib/tags.js';
import { silentLogger } from '../../src/logger.js';
import { createNoteService } from '../../src/notes/service.js';
import { fileHash, freshSchema } from '../helpers/db.js';
import {
  buildHistoricalDataDir,
  FIXTURE_NOTES,
  HISTORICAL_STATES,
  type HistoricalState,
} from '../helpers/historical.js';
import {
  buildPythonDataDir,
  PYTHON_RELEASES,
  type PythonDataDir,
  type ShapeVariant,
} from '../helpers/python-fixtures.js';
import { cleanup, cli, openSite, tempDir } from '../ops/ops-helpers.js';

afterEach(cleanup);

const bytesOf = fileHash;

/** The site a data directory serves, started the way `serve` starts it (search index rebuilt when stale). */
function serve(dir: string) {
  const site = openSite(dir);
  const notes = createNoteService({ db: site.db, notesPath: site.config.notesPath, clock: site.clock });
  if (notes.isIndexStale()) notes.reindex();
  const app = buildApp({
    config: site.config,
    db: site.db,
    clock: site.clock,
    logger: silentLogger(),
    version: '0.0.0-test',
    notes,
    secret: 'test-secret-test-secret-test-secret',
  });
  return {
    site,
    get: async (path: string) => {
      const res = await app.request(`http://example.test${path}`);
      return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
    },
    close: () => site.close(),
  };
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Everything a visitor must find of the fixture on the upgraded (or imported) site. */
async function expectSiteShows(fx: PythonDataDir, dir: string): Promise<void> {
  const s = serve(dir);
  try {
    const home = await s.get('/');
    expect(home.status).toBe(200);
    const feed = JSON.parse((await s.get('/feed.json')).text) as {
      items: { url: string; content_html: string }[];
    };
    for (const n of fx.notes) {
      const page = await s.get(`/notes/${n.slug}`);
      if (n.deleted) {
        expect(page.status, n.slug).toBe(410);
        continue;
      }
      if (!n.published) {
        expect(page.status, n.slug).toBe(404);
        expect(home.text).not.toContain(escapeHtml(n.phrase));
        continue;
      }
      expect(page.status, n.slug).toBe(200);
      // The text itself, inside the entry's content.
      expect(page.text).toMatch(/class="[^"]*e-content/);
      expect(page.text, n.slug).toContain(escapeHtml(n.phrase));
      expect(home.text, n.slug).toContain(escapeHtml(n.phrase));
      for (const t of n.tags) expect(page.text, `${n.slug} tag ${t}`).toContain(escapeHtml(t));
      let last = -1;
      for (const p of n.photos) {
        const src = `/media/${p.rel}`;
        const at = page.text.indexOf(src);
        expect(at, `${n.slug} photo ${p.rel}`).toBeGreaterThan(-1);
        // Display order kept.
        expect(at).toBeGreaterThan(last);
        last = at;
        if (p.caption) {
          expect(page.text).toMatch(
            new RegExp(
              `<img[^>]*src="[^"]*${p.rel.replace(/[.]/g, '\\.')}"[^>]*alt="${escapeHtml(p.caption)}"`,
            ),
          );
        }
      }
      const item = feed.items.find((i) => i.url.endsWith(`/notes/${n.slug}`));
      expect(item, `feed item for ${n.slug}`).toBeDefined();
      expect(item!.content_html).toContain(escapeHtml(n.phrase).replace(/&quot;/g, '"'));
      const found = JSON.parse(
        (await s.get(`/api/search?q=${encodeURIComponent(`"${n.phrase}"`)}`)).text,
      ) as {
        results?: { url: string }[];
        items?: { url: string }[];
      };
      const hits = found.results ?? found.items ?? [];
      expect(
        hits.some((h) => h.url.endsWith(`/notes/${n.slug}`)),
        `search finds ${n.slug}`,
      ).toBe(true);
    }
    for (const [tag, slugs] of fx.tags) {
      const publicSlugs = slugs.filter((slug) => {
        const n = fx.notes.find((x) => x.slug === slug)!;
        return n.published && !n.deleted;
      });
      if (publicSlugs.length === 0) continue;
      const page = await s.get(tagPath(tag));
      expect(page.status, `tag ${tag}`).toBe(200);
      for (const slug of publicSlugs) expect(page.text).toContain(`/notes/${slug}`);
    }
    for (const m of fx.media) {
      for (const rel of [m.rel, ...Object.values(m.variants)]) {
        const res = await s.get(`/media/${rel}`);
        expect(res.status, rel).toBe(200);
        expect(res.type).toBe('image/jpeg');
      }
    }
    if (fx.profile) {
      expect(home.text).toContain(`<img class="u-photo" src="${fx.profile.photo}"`);
      expect(home.text).toContain(fx.profile.name);
      expect(home.text).toContain(fx.profile.note);
      for (const href of fx.profile.relMe) expect(home.text).toContain(`<link rel="me" href="${href}"/>`);
    }
  } finally {
    s.close();
  }
}

/**
 * What every data directory must give once upgraded in place: its pages, a no-op second start,
 * doctor, backup and export passing, and `import` of the same directory giving the same pages.
 */
async function expectUpgradedSite(
  fx: PythonDataDir,
  dir: string,
  rebuild: (src: string) => Promise<unknown>,
): Promise<void> {
  await expectSiteShows(fx, dir);

  // A second start changes nothing and writes no new backup.
  const before = bytesOf(fx.dbPath);
  const backups = readdirSync(join(dir, 'backups'));
  const again = runMigrations({
    dbPath: fx.dbPath,
    backupsDir: join(dir, 'backups'),
    dataPath: dir,
  });
  expect(again.backupPath).toBeNull();
  expect(again.outcomes.every((o) => o.state === 'applied' || o.state === 'adopted')).toBe(true);
  expect(bytesOf(fx.dbPath)).toBe(before);
  expect(readdirSync(join(dir, 'backups'))).toEqual(backups);

  const doctor = await cli(['doctor'], dir);
  expect(doctor.out).toMatch(/^ok:/m);
  expect(doctor.code).toBe(0);
  const backup = await cli(['backup', '--out', join(tempDir(), 'b')], dir);
  expect(backup.err).toBe('');
  expect(backup.code).toBe(0);
  const exported = await cli(['export', '--out', join(tempDir(), 'e')], dir);
  expect(exported.err).toBe('');
  expect(exported.code).toBe(0);

  // `starpunk import` of the same directory (built again, untouched) gives the same pages.
  const src = join(tempDir(), 'python-again');
  await rebuild(src);
  const target = join(tempDir(), 'imported');
  const imported = await cli(['import', src], target);
  expect(imported.out).toMatch(/failed 0/);
  expect(imported.code).toBe(0);
  await expectSiteShows(fx, target);
  const [a, b] = [serve(dir), serve(target)];
  try {
    for (const p of ['/', '/feed.json', '/feed.atom', ...fx.notes.map((n) => `/notes/${n.slug}`)]) {
      const [x, y] = [await a.get(p), await b.get(p)];
      // The feed-level <updated> is when the database last changed, not part of the content.
      const same = (t: string) => t.replace(/(<feed[\s\S]*?)<updated>[^<]*<\/updated>/, '$1');
      expect({ p, status: y.status, text: same(y.text) }).toEqual({
        p,
        status: x.status,
        text: same(x.text),
      });
    }
  } finally {
    a.close();
    b.close();
  }
}

const CASES: [string, (typeof PYTHON_RELEASES)[number], ShapeVariant][] = [
  ...PYTHON_RELEASES.map(
    (r) => [`Python StarPunk ${r}`, r, 'a'] as [string, (typeof PYTHON_RELEASES)[number], ShapeVariant],
  ),
  ['Python StarPunk 1.3, other table shapes', '1.3', 'b'],
  ['Python StarPunk 1.5, other table shapes', '1.5', 'b'],
];

describe('a Python StarPunk 1.x data directory opens in place', () => {
  it.each(CASES)('%s', async (_label, release, variant) => {
    const dir = join(tempDir(), 'data');
    const fx = await buildPythonDataDir(dir, release, { variant });

    const migrate = await cli(['migrate'], dir);
    expect(migrate.err).toBe('');
    expect(migrate.code).toBe(0);
    expect(migrate.out).toMatch(/backup written to .*starpunk-pre-migrate-/);
    if (release !== 'rc.4' && release !== '1.1')
      expect(migrate.out).toMatch(/python +Python StarPunk .* carried over/);

    // Exactly a fresh install's schema.
    const db = new Database(fx.dbPath, { readonly: true });
    const schema = inspectSchema(db);
    const history = db.prepare('SELECT migration_name FROM schema_migrations ORDER BY id').all() as {
      migration_name: string;
    }[];
    const settings = db
      .prepare("SELECT key, value FROM settings WHERE key LIKE 'author.%' ORDER BY key")
      .all();
    db.close();
    expect(diffSnapshots(freshSchema(), schema)).toEqual([]);
    // The Python lineage is kept as history, recognised by name, never taken for ours.
    const names = history.map((h) => h.migration_name);
    expect(names.filter((n) => n.startsWith('python:')).length).toBeGreaterThanOrEqual(4);
    expect(names).toContain('python:004_drop_token_tables.sql');
    expect(names).toContain('004_add_redirect_uri_to_auth_state.sql');
    if (fx.profile) {
      expect(settings).toEqual([
        { key: 'author.name', value: fx.profile.name },
        { key: 'author.note', value: fx.profile.note },
        { key: 'author.photo', value: fx.profile.photo },
        { key: 'author.rel_me', value: JSON.stringify(fx.profile.relMe) },
        { key: 'author.url', value: 'https://example.net/' },
      ]);
    }
    const status = await cli(['migrate', '--status'], dir);
    expect(status.out).toMatch(
      /python +004_drop_token_tables\.sql +\(Python StarPunk 1\.0\.0-rc\.4.*history/,
    );

    await expectUpgradedSite(fx, dir, (src) => buildPythonDataDir(src, release, { variant }));
  });
});

describe('a Python StarPunk 1.5 data directory backed up before it is upgraded', () => {
  it.each(['data-relative', 'absolute'] as const)(
    'restores into an upgraded site with every note (paths stored %s)',
    async (pathStyle) => {
      const dir = join(tempDir(), 'python');
      const fx = await buildPythonDataDir(dir, '1.5', { pathStyle });
      const made = await cli(['backup', '--out', tempDir()], dir);
      expect(made.err).toBe('');
      const archive = /backup written to (\S+)/.exec(made.out)![1]!;
      const target = join(tempDir(), 'restored');
      const restored = await cli(['restore', archive], target);
      expect(restored.err).toBe('');
      expect(restored.code).toBe(0);
      await expectSiteShows(fx, target);
      expect((await cli(['doctor'], target)).code).toBe(0);
    },
  );
});

describe('Python StarPunk 1.x data that cannot be carried over as it is', () => {
  it('is named in the report and the log: links to notes deleted without cascade, a missing photo file', async () => {
    const dir = join(tempDir(), 'data');
    await buildPythonDataDir(dir, '1.4');
    const db = new Database(join(dir, 'starpunk.db'));
    // Python's sqlite3 never turned foreign keys on: deleting a note left its tag and photo links.
    db.pragma('foreign_keys = OFF');
    db.exec('DELETE FROM notes WHERE id = 1');
    db.close();
    rmSync(join(dir, 'media', '2024/12/7d2e4f6a-8b0c-4d1e-a3f5-b7c9d1e3f5a7.jpg'));
    const dry = await cli(['migrate', '--dry-run'], dir);
    expect(dry.out).toMatch(/python +Python StarPunk .* carried over/);
    expect(dry.out).toMatch(/dry run: nothing was changed/);
    const r = await cli(['migrate'], dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/not kept +tag "IndieWeb" of note 1: that note no longer exists/);
    expect(r.out).toMatch(/not kept +tag "Café Life" of note 1: that note no longer exists/);
    expect(r.out).toMatch(
      /not kept +media file 2024\/12\/7d2e4f6a-8b0c-4d1e-a3f5-b7c9d1e3f5a7\.jpg: it is missing from the media folder/,
    );
    const site = openSite(dir);
    try {
      // The photo link of the missing file is kept on its note, in order.
      const cafe = site.notes.getNoteBySlug('cafe-deja-vu')!;
      expect(cafe.photos.map((p) => p.url)).toEqual([
        '/media/2024/12/0b8f6a3e-5c1d-4e7a-9d2b-1f3c5e7a9b0d.jpg',
        '/media/2024/12/7d2e4f6a-8b0c-4d1e-a3f5-b7c9d1e3f5a7.jpg',
      ]);
      expect(cafe.tags.map((t) => t.name)).toEqual(['Café Life']);
    } finally {
      site.close();
    }
  });

  it('a tokens table re-created by hand after rc.4 dropped it keeps its rows', async () => {
    const dir = join(tempDir(), 'data');
    await buildPythonDataDir(dir, '1.2');
    const db = new Database(join(dir, 'starpunk.db'));
    db.exec(`CREATE TABLE tokens (id INTEGER PRIMARY KEY AUTOINCREMENT, token_hash TEXT UNIQUE NOT NULL,
      me TEXT NOT NULL, client_id TEXT, scope TEXT, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
      expires_at TIMESTAMP NOT NULL, last_used_at TIMESTAMP, revoked_at TIMESTAMP);
      INSERT INTO tokens (token_hash, me, scope, expires_at) VALUES ('${'a'.repeat(64)}', 'https://example.net/', 'create', '2099-01-01 00:00:00');`);
    db.close();
    const r = await cli(['migrate'], dir);
    expect(r.err).toBe('');
    const after = new Database(join(dir, 'starpunk.db'), { readonly: true });
    try {
      expect(after.prepare('SELECT token_hash, scope FROM tokens').all()).toEqual([
        { token_hash: 'a'.repeat(64), scope: 'create' },
      ]);
      expect(diffSnapshots(freshSchema(), inspectSchema(after))).toEqual([]);
    } finally {
      after.close();
    }
  });

  it('a Python migration this version does not know is named as such, and nothing is changed', async () => {
    const dir = join(tempDir(), 'data');
    const fx = await buildPythonDataDir(dir, '1.5');
    const db = new Database(fx.dbPath);
    db.prepare('INSERT INTO schema_migrations (migration_name) VALUES (?)').run('010_add_webmentions.sql');
    db.close();
    const before = bytesOf(fx.dbPath);
    const r = await cli(['migrate'], dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /010_add_webmentions\.sql, which is neither a StarPunk migration nor one of the Python/,
    );
    expect(r.err).toMatch(/nothing was changed/);
    expect(bytesOf(fx.dbPath)).toBe(before);
  });
});

describe('every older Python StarPunk state (0.1 to rc.3) opens in place the same way', () => {
  const states = Object.entries(HISTORICAL_STATES) as [string, HistoricalState][];
  it.each(states)('%s', async (_label, state) => {
    const dir = join(tempDir(), 'data');
    buildHistoricalDataDir(dir, state);
    const fx: PythonDataDir = {
      dir,
      dbPath: join(dir, 'starpunk.db'),
      release: 'rc.4',
      notes: FIXTURE_NOTES.map((n, i) => ({
        id: i + 1,
        slug: n.slug,
        rel: n.path,
        body: n.body,
        phrase: n.body
          .split('\n')
          .find((l) => l.trim() !== '')!
          .replace(/^#\s*/, '')
          .replace(/\.$/, ''),
        published: n.published === 1,
        deleted: n.deleted !== null,
        createdAt: '',
        tags: [],
        photos: [],
      })),
      media: [],
      profile: null,
      tags: new Map(),
    };
    const migrate = await cli(['migrate'], dir);
    expect(migrate.err).toBe('');
    expect(migrate.out).toMatch(/backup written to /);
    const db = new Database(fx.dbPath, { readonly: true });
    const schema = inspectSchema(db);
    db.close();
    expect(diffSnapshots(freshSchema(), schema)).toEqual([]);
    await expectUpgradedSite(fx, dir, async (src) => buildHistoricalDataDir(src, state));
  });
});
