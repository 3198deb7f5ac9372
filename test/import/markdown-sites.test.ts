/**
 * Moving in from a static site (issue 24): the folders of a Jekyll, a Hugo, an Eleventy and an
 * Indiekit site (test/import/fixtures/markdown-sites/, built from each generator's own documentation
 * and Indiekit's preset templates), imported through the real CLI; the Jekyll and Hugo sites then
 * read from a real `starpunk serve`: old addresses answer 301, text, dates, slugs, tags, drafts,
 * pictures with their alt text. Also: a dry run writes nothing, a second run changes nothing, a
 * broken front matter stops the import naming the file and line, and a folder no generator claims
 * is still the plain Markdown folder import.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll } from '../faults/harness.js';
import { type LiveSite, startLiveSite } from '../helpers/live-site.js';
import { cleanup, tempDir } from '../ops/ops-helpers.js';
import { importCli, writeJpeg } from './wxr.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'markdown-sites');

/** The pictures each fixture site has beside its posts (written here as small real JPEGs). */
const PICTURES: Record<string, string[]> = {
  jekyll: ['assets/img/beach.jpg'],
  hugo: ['content/posts/trip/cat.jpg', 'content/posts/trip/dog.jpg', 'content/posts/trip/sunset.jpg'],
  eleventy: ['content/blog/photo-post/cat.jpg'],
  indiekit: ['media/2020/02/02/sandwich.jpg', 'media/photos/2021/03/04/sunset.jpg'],
};

/** A copy of a fixture site, with its pictures. */
async function siteCopy(name: string): Promise<string> {
  const dir = tempDir(`starpunk-${name}-src-`);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  for (const p of PICTURES[name] ?? []) await writeJpeg(dir, p);
  return dir;
}

function rows(dir: string, sql: string, ...params: unknown[]): Record<string, unknown>[] {
  const db = new Database(join(dir, 'starpunk.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

const note = (dir: string, slug: string) =>
  rows(
    dir,
    'SELECT id, name, published, visibility, published_at, properties FROM notes WHERE slug = ?',
    slug,
  )[0];

const tagsOf = (dir: string, slug: string) =>
  rows(
    dir,
    `SELECT nt.display_name AS t FROM note_tags nt JOIN notes n ON n.id = nt.note_id
     WHERE n.slug = ? ORDER BY nt.position`,
    slug,
  ).map((r) => r.t);

const addressesOf = (dir: string, slug: string) =>
  rows(
    dir,
    'SELECT f.address AS a FROM former_addresses f JOIN notes n ON n.id = f.note_id WHERE n.slug = ? ORDER BY 1',
    slug,
  ).map((r) => r.a);

const alts = (dir: string) => rows(dir, 'SELECT alt FROM media ORDER BY alt').map((r) => r.alt);

function filesUnder(dir: string, rel = ''): string[] {
  const out: string[] = [];
  let entries: import('node:fs').Dirent[] = [];
  try {
    entries = readdirSync(join(dir, rel), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, r));
    else out.push(r);
  }
  return out.sort();
}

/** Asks the live site for each old address; the ones that did not answer 301 to where they should. */
async function redirects(site: LiveSite, cases: [string, string][]): Promise<string[]> {
  const problems: string[] = [];
  for (const [from, to] of cases) {
    const res = await site.get(from);
    await res.body?.cancel();
    if (res.status !== 301 || res.headers.get('location') !== to)
      problems.push(`${from}: ${res.status} → ${res.headers.get('location')} (wanted ${to})`);
  }
  return problems;
}

afterAll(async () => {
  await killAll();
  cleanup();
});

describe('a Jekyll site through starpunk import and starpunk serve', () => {
  let dir: string;
  let site: LiveSite;
  let run: { code: number; out: string; err: string };

  beforeAll(async () => {
    dir = tempDir('starpunk-jekyll-');
    run = await importCli(dir, [await siteCopy('jekyll'), '--no-fetch']);
    site = await startLiveSite(dir);
  }, 120_000);
  afterAll(async () => {
    await site?.stop();
  });

  it('is told from its folder and reports what it did', () => {
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(
      /Jekyll site .* \(https:\/\/jekyll\.example\): read 8, imported 5 notes and 1 pages, skipped 2, failed 0/,
    );
    expect(run.out).toContain('skipped: 1 a file about the repository; 1 the home page');
    expect(run.out).toContain('media: stored 1 (from the folder 1, fetched 0)');
    expect(run.out).toContain('{% highlight %}');
  });

  it("answers each post's old address (Jekyll's date permalinks, front matter permalink, redirect_from) with 301", async () => {
    expect(
      await redirects(site, [
        ['/jekyll/update/2016/05/29/welcome-to-jekyll.html', '/notes/welcome-to-jekyll'],
        ['/travel/beach/', '/notes/beach-day'],
        ['/old-beach/', '/notes/beach-day'],
        ['/blog/2018/07/04/category-from-folder.html', '/notes/category-from-folder'],
      ]),
    ).toEqual([]);
  });

  it('takes the date and slug from the file name, the time (and zone) from the front matter', () => {
    expect(note(dir, 'welcome-to-jekyll')?.published_at).toBe('2016-05-29T19:34:44.000Z');
    // 09:30 in the site's time zone (Europe/Berlin, summer time).
    expect(note(dir, 'category-from-folder')?.published_at).toBe('2018-07-04T07:30:00.000Z');
    // No date in the front matter: midnight of the file name's date, in Berlin.
    expect(note(dir, 'beach-day')?.published_at).toBe('2019-02-28T23:00:00.000Z');
  });

  it('gives an untitled post the title Jekyll would (from its file name)', () => {
    expect(note(dir, 'beach-day')?.name).toBe('Beach Day');
    expect(note(dir, 'welcome-to-jekyll')?.name).toBe('Welcome to Jekyll!');
  });

  it('makes categories (also from the folder above _posts) and tags into tags', () => {
    expect(tagsOf(dir, 'welcome-to-jekyll')).toEqual(['jekyll', 'update']);
    expect(tagsOf(dir, 'beach-day')).toEqual(['travel', 'food']);
    expect(tagsOf(dir, 'category-from-folder')).toEqual(['blog']);
  });

  it('keeps published: false and _drafts/ as drafts, with no old address', () => {
    expect(note(dir, 'hidden-thoughts')?.published).toBe(0);
    expect(note(dir, 'a-draft-idea')?.published).toBe(0);
    expect(addressesOf(dir, 'hidden-thoughts')).toEqual([]);
  });

  it('stores the picture the post names, with its alt text, and points the text at the copy', async () => {
    expect(alts(dir)).toEqual(['A beach at dawn']);
    const html = await (await site.get('/notes/beach-day')).text();
    const img = /<img\b[^>]*alt="A beach at dawn"[^>]*>/.exec(html)?.[0];
    expect(img).toMatch(/src="[^"]*\/media\/\d{4}\/\d{2}\/[0-9a-f-]+\.jpg"/);
    expect(html).not.toContain('{{ site.baseurl }}');
  });

  it('imports a page with front matter as a page', () => {
    expect(rows(dir, 'SELECT slug, title FROM pages')).toEqual([{ slug: 'about', title: 'About' }]);
  });
});

describe('a Hugo site (TOML, YAML and JSON front matter, a page bundle) through starpunk import and serve', () => {
  let dir: string;
  let src: string;
  let site: LiveSite;
  let run: { code: number; out: string; err: string };

  beforeAll(async () => {
    dir = tempDir('starpunk-hugo-');
    src = await siteCopy('hugo');
    run = await importCli(dir, [src, '--no-fetch']);
    site = await startLiveSite(dir);
  }, 120_000);
  afterAll(async () => {
    await site?.stop();
  });

  it('reports what it imported and skipped', () => {
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(
      /Hugo site .* \(https:\/\/hugo\.example\): read 10, imported 5 notes and 1 pages, skipped 4, failed 0/,
    );
    expect(run.out).toContain("2 a section's list page (_index.md)");
    expect(run.out).toContain('1 expired on the old site (expiryDate)');
    expect(run.out).toContain('1 a headless bundle (never shown on its own)');
  });

  it('answers the permalink pattern, url, aliases (site- and page-relative) with 301', async () => {
    expect(
      await redirects(site, [
        ['/2024/02/my-first-post/', '/notes/my-first-post'],
        ['/old-url/', '/notes/my-first-post'],
        ['/posts/old-name/', '/notes/my-first-post'],
        ['/special/json/', '/notes/json-post'],
        // Hugo's :slug is the slug, else the title (its permalink tokens).
        ['/2024/05/a-trip-to-the-coast/', '/notes/trip'],
      ]),
    ).toEqual([]);
  });

  it('reads TOML and JSON front matter: title, slug, date, tags and categories', () => {
    const first = note(dir, 'my-first-post');
    expect(first?.name).toBe('My First Post');
    expect(first?.published_at).toBe('2024-02-02T12:14:54.000Z');
    expect(tagsOf(dir, 'my-first-post')).toEqual(['Colours', 'red', 'blue']);
    expect(note(dir, 'json-post')?.name).toBe('Written in JSON');
    expect(tagsOf(dir, 'json-post')).toEqual(['json']);
  });

  it('reads a date without a zone in the configured timeZone', () => {
    // 18:00 in New York (summer time) and midnight of a date without a time.
    expect(note(dir, 'trip')?.published_at).toBe('2024-05-20T22:00:00.000Z');
    expect(note(dir, 'a-note')?.published_at).toBe('2024-06-01T04:00:00.000Z');
    expect(note(dir, 'a-note')?.name).toBeNull();
  });

  it('keeps drafts as drafts', () => {
    expect(note(dir, 'draft-post')?.published).toBe(0);
  });

  it("stores a bundle's pictures with their alt text: in the text, in a figure, and beside it", async () => {
    expect(alts(dir)).toEqual(['A dog on the sand', 'A sleeping cat', 'The sun going down over the sea']);
    const html = await (await site.get('/notes/trip')).text();
    for (const alt of ['A sleeping cat', 'A dog on the sand', 'The sun going down over the sea'])
      expect(html, alt).toMatch(
        new RegExp(
          `<img\\b[^>]*alt="${alt}"[^>]*src="[^"]*/media/|<img\\b[^>]*src="[^"]*/media/[^>]*alt="${alt}"`,
        ),
      );
    expect(html).not.toContain('{{<');
  });

  it('makes a file at the top of content/ a page', () => {
    expect(rows(dir, 'SELECT slug, title FROM pages')).toEqual([{ slug: 'about', title: 'About me' }]);
  });

  it('changes nothing on a second run', async () => {
    const snapshot = () => ({
      notes: rows(dir, 'SELECT id, slug, revision, content_hash FROM notes ORDER BY id'),
      pages: rows(dir, 'SELECT id, slug FROM pages ORDER BY id'),
      addresses: rows(dir, 'SELECT address, note_id, page_id FROM former_addresses ORDER BY address'),
      files: filesUnder(join(dir, 'notes')),
      media: filesUnder(join(dir, 'media')),
    });
    const before = snapshot();
    const again = await importCli(dir, [src, '--no-fetch']);
    expect(again.code).toBe(0);
    expect(again.out).toContain('imported 0 notes and 0 pages, skipped 10, failed 0');
    expect(again.out).toContain('6 already imported');
    expect(snapshot()).toEqual(before);
  });
});

describe('an Eleventy site through starpunk import', () => {
  let dir: string;
  let run: { code: number; out: string; err: string };

  beforeAll(async () => {
    dir = tempDir('starpunk-eleventy-');
    run = await importCli(dir, [
      await siteCopy('eleventy'),
      '--no-fetch',
      '--site',
      'https://eleventy.example/',
    ]);
  }, 120_000);

  it('reads the input folder its configuration names, and the address given with --site', () => {
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(
      /Eleventy site .* \(https:\/\/eleventy\.example\): read 8, imported 6 notes and 1 pages, skipped 1, failed 0/,
    );
    expect(run.out).toContain('content/blog/templated.md: its permalink is a template');
  });

  it("keeps each post's default address (its path) and a front matter permalink", () => {
    expect(addressesOf(dir, 'firstpost')).toEqual(['/blog/firstpost']);
    expect(addressesOf(dir, 'dated-in-name')).toEqual(['/blog/2019-06-01-dated-in-name']);
    expect(addressesOf(dir, 'photo-post')).toEqual(['/blog/photo-post']);
    expect(addressesOf(dir, 'templated')).toEqual([]);
    const page = rows(dir, 'SELECT f.address AS a FROM former_addresses f JOIN pages p ON p.id = f.page_id');
    expect(page).toEqual([{ a: '/about-me' }]);
  });

  it('takes the date from the front matter or the file name, and the slug without the date', () => {
    expect(note(dir, 'firstpost')?.published_at).toBe('2018-05-01T00:00:00.000Z');
    expect(note(dir, 'dated-in-name')?.published_at).toBe('2019-06-01T00:00:00.000Z');
  });

  it('drops the collection tag "posts" and keeps the others', () => {
    expect(tagsOf(dir, 'firstpost')).toEqual(['another tag']);
    expect(tagsOf(dir, 'photo-post')).toEqual(['photos']);
  });

  it('keeps a draft a draft and a post left out of collections unlisted', () => {
    expect(note(dir, 'unfinished')?.published).toBe(0);
    expect(note(dir, 'hidden')?.visibility).toBe('unlisted');
    expect(note(dir, 'hidden')?.published).toBe(1);
  });

  it('stores the picture beside the post with its alt text', () => {
    expect(alts(dir)).toEqual(['A cat on a wall']);
    const file = readFileSync(join(dir, 'notes', '2020', '02', 'photo-post.md'), 'utf8');
    expect(file).toMatch(/src="http:\/\/example\.test\/media\/\d{4}\/\d{2}\/[0-9a-f-]+\.jpg"/);
  });

  it('imports nothing from _includes', () => {
    expect(rows(dir, "SELECT count(*) AS n FROM notes WHERE slug LIKE 'note%'")).toEqual([{ n: 0 }]);
  });
});

describe('an Indiekit site (Jekyll preset) through starpunk import', () => {
  let dir: string;
  let run: { code: number; out: string; err: string };

  beforeAll(async () => {
    dir = tempDir('starpunk-indiekit-');
    run = await importCli(dir, [await siteCopy('indiekit'), '--no-fetch']);
  }, 120_000);

  it('is told from its configuration and takes the address it names', () => {
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(
      /Indiekit site .* \(https:\/\/indiekit\.example\): read 6, imported 6 notes and 0 pages, skipped 0, failed 0/,
    );
  });

  it("reads its responses in each preset's spelling (in_reply_to, like_of, bookmark-of) and syndication", () => {
    const props = (slug: string) =>
      JSON.parse(String(note(dir, slug)?.properties)) as Record<string, unknown>;
    expect(props('2f4b8')['in-reply-to']).toEqual(['https://other.example/posts/hello']);
    expect(props('9f8e7')['like-of']).toEqual(['https://other.example/posts/great-idea']);
    expect(props('kebab')['bookmark-of']).toEqual(['https://indieweb.org/Micropub']);
    expect(props('what-i-had-for-lunch').syndication).toEqual(['https://mastodon.example/@me/12345']);
    expect(props('what-i-had-for-lunch').summary).toEqual(['A very satisfactory meal.']);
  });

  it('stores its photos with their alt text from the front matter', () => {
    expect(alts(dir)).toEqual(['A cheese sandwich on a plate', 'The sun going down over the sea']);
  });

  it('keeps published: false a draft, visibility as it was, and category as tags', () => {
    expect(note(dir, 'd7c1e')?.published).toBe(0);
    expect(note(dir, 'kebab')?.visibility).toBe('unlisted');
    expect(tagsOf(dir, 'what-i-had-for-lunch')).toEqual(['lunch', 'food']);
  });

  it("maps the addresses Jekyll and Indiekit's URL templates gave its posts", () => {
    expect(addressesOf(dir, '2f4b8')).toEqual(['/notes/2021/01/21/2f4b8']);
    expect(addressesOf(dir, 'a1b2c')).toEqual(['/photos/2021/03/04/a1b2c']);
    // Jekyll puts `category` into the path; Indiekit's template for articles does not.
    expect(addressesOf(dir, 'what-i-had-for-lunch')).toEqual([
      '/2020/02/02/what-i-had-for-lunch',
      '/lunch/food/2020/02/02/what-i-had-for-lunch.html',
    ]);
  });
});

describe('starpunk import of a site folder: dry run, broken front matter, folders no generator claims', () => {
  it('writes nothing on a dry run', async () => {
    const dir = tempDir('starpunk-dry-');
    const r = await importCli(dir, [await siteCopy('eleventy'), '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('would import 6 notes and 1 pages');
    expect(r.out).toContain('dry run: nothing was written');
    expect(rows(dir, 'SELECT count(*) AS n FROM notes')).toEqual([{ n: 0 }]);
    expect(rows(dir, 'SELECT count(*) AS n FROM imported_items')).toEqual([{ n: 0 }]);
    expect(filesUnder(join(dir, 'media'))).toEqual([]);
  });

  it('stops at a broken front matter, naming the file and line, and leaves the site as it was', async () => {
    const dir = tempDir('starpunk-broken-');
    const src = await siteCopy('jekyll');
    writeFileSync(
      join(src, '_posts', '2021-02-03-broken.md'),
      '---\nlayout: post\ntitle: [unclosed\ndate: 2021-02-03\n---\nText.\n',
    );
    const r = await importCli(dir, [src, '--no-fetch']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/_posts\/2021-02-03-broken\.md:4:1: the YAML front matter cannot be read/);
    expect(r.err).toContain('nothing was imported: the site is as it was');
    expect(rows(dir, 'SELECT count(*) AS n FROM notes')).toEqual([{ n: 0 }]);
    expect(filesUnder(join(dir, 'notes'))).toEqual([]);
    expect(filesUnder(join(dir, 'media'))).toEqual([]);
  });

  it('names the line of a date it cannot read', async () => {
    const dir = tempDir('starpunk-baddate-');
    const src = await siteCopy('hugo');
    writeFileSync(
      join(src, 'content', 'posts', 'bad-date.md'),
      "+++\ntitle = 'Bad date'\ndate = 'next tuesday'\n+++\nText.\n",
    );
    const r = await importCli(dir, [src, '--no-fetch']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/content\/posts\/bad-date\.md:3:1: "date: next tuesday" is not a date/);
    expect(rows(dir, 'SELECT count(*) AS n FROM notes')).toEqual([{ n: 0 }]);
  });

  it('still imports a plain folder of Markdown files the old way', async () => {
    const dir = tempDir('starpunk-plain-');
    const src = tempDir('starpunk-plain-src-');
    mkdirSync(join(src, 'notes'));
    writeFileSync(join(src, 'notes', 'hello.md'), '---\ntitle: Hello\n---\nPlain.\n');
    const r = await importCli(dir, [src]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Markdown folder .*: imported 1, skipped 0, failed 0/m);
  });

  it('can be told the generator with --from, and refuses a file for a site', async () => {
    const dir = tempDir('starpunk-from-');
    const src = tempDir('starpunk-from-src-');
    mkdirSync(join(src, 'content', 'posts'), { recursive: true });
    writeFileSync(
      join(src, 'content', 'posts', 'one.md'),
      "+++\ntitle = 'One'\ndate = 2024-01-01\n+++\nOne.\n",
    );
    const r = await importCli(dir, [src, '--from', 'hugo', '--site', 'https://one.example']);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/Hugo site .* \(https:\/\/one\.example\): read 1, imported 1 notes/);
    expect(addressesOf(dir, 'one')).toEqual(['/posts/one']);
    const file = await importCli(dir, [join(src, 'content', 'posts', 'one.md'), '--from', 'jekyll']);
    expect(file.code).not.toBe(0);
    expect(file.err).toContain('not a folder');
  });
});
