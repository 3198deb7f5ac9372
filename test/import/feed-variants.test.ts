/**
 * Feeds as the platforms write them (test/import/fixtures/feeds/, built from the RSS 2.0, Atom
 * (RFC 4287) and JSON Feed 1.1 specifications and from micro.blog's, Substack's, Ghost's and
 * WordPress's own feeds — see the fixtures' README), imported through the real CLI from local
 * files: titles, text, tags, link posts, old addresses, xml:base, CDATA and escaped HTML, odd
 * Unicode, items the specifications say to discard; bad XML named by line and column with the site
 * left as it was; --from; a dry run; a second run that adds nothing.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, tempDir } from '../ops/ops-helpers.js';
import { importCli } from './wxr.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'feeds');
const fixture = (name: string) => join(FIXTURES, name);

afterAll(() => cleanup());

interface NoteRow {
  id: number;
  slug: string;
  name: string | null;
  published_at: string;
  properties: string;
  content_html: string | null;
  file_path: string;
}

function query<T>(dir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(dir, 'starpunk.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const notes = (dir: string) => query<NoteRow>(dir, 'SELECT * FROM notes ORDER BY published_at');
const tagsOf = (dir: string, id: number) =>
  query<{ display_name: string }>(
    dir,
    'SELECT display_name FROM note_tags WHERE note_id = ? ORDER BY position',
    id,
  ).map((r) => r.display_name);
const addresses = (dir: string) =>
  query<{ address: string; slug: string }>(
    dir,
    'SELECT f.address, n.slug FROM former_addresses f JOIN notes n ON n.id = f.note_id ORDER BY f.address',
  );
const markdownOf = (dir: string, n: NoteRow) => readFileSync(join(dir, 'notes', n.file_path), 'utf8');

function filesUnder(dir: string, rel = ''): string[] {
  if (!existsSync(join(dir, rel))) return [];
  const out: string[] = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, r));
    else out.push(r);
  }
  return out.sort();
}

describe('micro.blog RSS (escaped HTML, untitled posts, titles that are the text’s first words)', () => {
  it('imports untitled notes, keeps the real title, tags and old addresses', async () => {
    const dir = tempDir('starpunk-feed-');
    const r = await importCli(dir, [fixture('microblog.rss.xml'), '--no-fetch']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /RSS feed .*\(https:\/\/ada\.micro\.blog\): read 3, imported 3 notes and 0 pages, skipped 0, failed 0/,
    );
    const [essay, coffee, walk] = notes(dir);
    // "Walked to the harbour … lifting…" is the text's start: no title. No <title> at all: none.
    expect(walk!.name).toBeNull();
    expect(coffee!.name).toBeNull();
    expect(essay!.name).toBe('On analytical engines');
    expect(markdownOf(dir, walk!)).toContain('the gulls were loud');
    expect(markdownOf(dir, walk!)).toContain('&');
    expect(markdownOf(dir, coffee!)).toContain('café crème, naïve as ever');
    expect(walk!.published_at).toBe('2023-03-04T14:15:00.000Z');
    expect(tagsOf(dir, walk!.id)).toEqual(['Walks', 'Photos']);
    // The relative link in the text is read against the item's link.
    expect(markdownOf(dir, essay!)).toContain('https://ada.micro.blog/2023/02/19/notes.html');
    expect(addresses(dir)).toEqual([
      { address: '/2023/02/20/on-analytical-engines.html', slug: essay!.slug },
      { address: '/2023/03/02/second-coffee.html', slug: coffee!.slug },
      { address: '/2023/03/04/walked-to-the.html', slug: walk!.slug },
    ]);
    expect(essay!.slug).toBe('on-analytical-engines');
    // The picture could not be fetched (--no-fetch): reported, the note imported all the same.
    expect(r.out).toMatch(/media: stored 0 .* failed 1/);
  });

  it('reads the JSON Feed of the same site as the same posts: nothing is imported twice', async () => {
    const dir = tempDir('starpunk-feed-');
    expect((await importCli(dir, [fixture('microblog.rss.xml'), '--no-fetch'])).code).toBe(0);
    const r = await importCli(dir, [fixture('microblog.json'), '--no-fetch']);
    expect(r.code).toBe(0);
    // The walk is known by the same id (its permalink) in both: skipped; the others are new.
    expect(r.out).toMatch(/JSON Feed .*: read 5, imported 3 notes and 0 pages, skipped 2, failed 0/);
    expect(r.out).toContain('1 already imported');
    expect(r.out).toContain('1 no id (JSON Feed discards such items)');
    expect(notes(dir)).toHaveLength(6);
    // And its home page's h-feed (https addresses where the feeds said http): the same posts again.
    const home = await importCli(dir, [fixture('microblog-home.html'), '--no-fetch']);
    expect(home.out).toMatch(/h-feed .*: read 3, imported 1 notes and 0 pages, skipped 2, failed 0/);
    expect(notes(dir)).toHaveLength(7);
  });
});

describe('JSON Feed 1.1', () => {
  it('maps content_text, numeric ids, external_url, attachments, date_modified', async () => {
    const dir = tempDir('starpunk-feed-');
    const r = await importCli(dir, [fixture('microblog.json'), '--no-fetch']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/read 5, imported 4 notes and 0 pages, skipped 1, failed 0/);
    const all = notes(dir);
    const numeric = all.find((n) => n.slug === 'numeric')!;
    // Text that looks like a tag stays text.
    expect(numeric.content_html).toContain('With &lt;b&gt;no&lt;/b&gt; HTML at all &amp; an ampersand.');
    const bookmark = all.find((n) => n.slug === 'bookmark')!;
    expect(bookmark.name).toBe("Menabrea's sketch");
    expect(JSON.parse(bookmark.properties)['bookmark-of']).toEqual([
      'https://www.fourmilab.ch/babbage/sketch.html',
    ]);
    // The audio attachment is linked from the text, not stored.
    expect(markdownOf(dir, bookmark)).toContain('https://ada.micro.blog/uploads/2023/reading.mp3');
    expect(r.out).toContain('1 file(s) that are not pictures (audio, video) are linked from the text');
    const modified = all.find((n) => n.slug === 'modified-only')!;
    expect(modified.published_at).toBe('2023-02-19T10:00:00.000Z');
    const ids = query<{ source: string; source_id: string }>(
      dir,
      "SELECT source, source_id FROM imported_items WHERE kind = 'note'",
    );
    expect(ids.map((i) => i.source_id)).toContain('1234567');
    expect(new Set(ids.map((i) => i.source))).toEqual(new Set(['feed']));
  });
});

describe('Substack, Ghost and WordPress feeds (CDATA, content:encoded, media:content, enclosures)', () => {
  it('Substack: CDATA with a split ]]>, the subtitle as summary-free text, another author reported', async () => {
    const dir = tempDir('starpunk-feed-');
    const r = await importCli(dir, [fixture('substack.rss.xml'), '--no-fetch']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/read 2, imported 2 notes/);
    const [short, bernoulli] = notes(dir);
    expect(bernoulli!.name).toBe('Notes on the Bernoulli numbers');
    expect(markdownOf(dir, bernoulli!)).toContain('`]]>`');
    expect(markdownOf(dir, short!)).toContain('𝔡𝔦𝔣𝔣𝔢𝔯𝔢𝔫𝔱');
    expect(r.out).toContain('written by Charles Babbage on the old site');
    expect(addresses(dir).map((a) => a.address)).toEqual([
      '/p/a-short-one',
      '/p/notes-on-the-bernoulli-numbers',
    ]);
  });

  it('Ghost: the feature image is the note’s photo, not shown twice in the text', async () => {
    const dir = tempDir('starpunk-feed-');
    const r = await importCli(dir, [fixture('ghost.rss.xml'), '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/RSS feed .*\(https:\/\/looms\.example\): read 1, would import 1 notes/);
    expect(r.out).toContain('old addresses: would map 1');
    expect(r.out).toContain('dry run: nothing was written');
    expect(existsSync(join(dir, 'starpunk.db')) ? notes(dir) : []).toEqual([]);
  });

  it('WordPress: entities in titles, ?p= guid and permalink both answer', async () => {
    const dir = tempDir('starpunk-feed-');
    const r = await importCli(dir, [fixture('wordpress.rss.xml'), '--no-fetch']);
    expect(r.code).toBe(0);
    const [gears] = notes(dir);
    expect(gears!.name).toBe('Gears & cogs');
    expect(gears!.slug).toBe('gears-cogs');
    expect(addresses(dir).map((a) => a.address)).toEqual(['/2023/05/12/gears-cogs', '/?p=42']);
    expect(tagsOf(dir, gears!.id)).toContain('Engineering');
  });
});

describe('Atom with xml:base', () => {
  it('resolves relative links, reads html, xhtml and text constructs, keeps link posts', async () => {
    const dir = tempDir('starpunk-feed-');
    const r = await importCli(dir, [fixture('xmlbase.atom'), '--no-fetch']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Atom feed .*\(https:\/\/static\.example\/blog\): read 3, imported 3 notes/);
    const [linked, xhtml, unicode] = notes(dir);
    expect(unicode!.name).toBe('Ünïcödé & friends 🎉');
    const md = markdownOf(dir, unicode!);
    expect(md).toContain('‮עברית‬');
    expect(md).toContain('e\u0301');
    expect(md).toContain('https://static.example/about/');
    expect(tagsOf(dir, unicode!.id)).toEqual(['Ünïcödé', 'notes']);
    expect(unicode!.published_at).toBe('2019-06-01T06:30:00.000Z');
    expect(xhtml!.name).toBe('An xhtml title');
    const x = markdownOf(dir, xhtml!);
    expect(x).toContain('**XHTML**');
    expect(x).toContain('https://static.example/blog/2019/05/sibling/');
    expect(xhtml!.published_at).toBe('2019-05-20T12:00:00.000Z');
    expect(r.out).toContain('no publication date in the feed: its last update date was used');
    expect(JSON.parse(linked!.properties)['bookmark-of']).toEqual([
      'https://en.wikipedia.org/wiki/Analytical_engine',
    ]);
    expect(linked!.content_html).toContain('&lt;angle brackets&gt; kept as text');
    expect(addresses(dir).map((a) => a.address)).toEqual([
      '/blog/2019/04/linked-engine',
      '/blog/2019/05/xhtml-post',
      '/blog/2019/06/unicode',
    ]);
  });
});

describe('an h-feed page (micro.blog theme) from a file', () => {
  it('imports its entries, reads relative links against the h-feed’s address, says the next page was not read', async () => {
    const dir = tempDir('starpunk-feed-');
    const r = await importCli(dir, [fixture('microblog-home.html'), '--no-fetch']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/h-feed .*\(https:\/\/ada\.micro\.blog\): read 3, imported 3 notes/);
    expect(r.out).toContain('https://ada.micro.blog/page/2/: the next page was not read (fetching is off)');
    const [reply, essay, walk] = notes(dir);
    expect(walk!.name).toBeNull();
    expect(essay!.name).toBe('On analytical engines');
    expect(JSON.parse(reply!.properties)['in-reply-to']).toEqual([
      'https://charles.example/2023/02/17/engine',
    ]);
    expect(r.out).toContain('picture https://ada.micro.blog/uploads/2023/harbour.jpg');
    expect(tagsOf(dir, walk!.id)).toEqual(['Walks']);
  });
});

describe('what every feed import promises', () => {
  it('names the line and column of bad XML and leaves the site as it was', async () => {
    const dir = tempDir('starpunk-feed-');
    expect((await importCli(dir, [fixture('wordpress.rss.xml'), '--no-fetch'])).code).toBe(0);
    const before = { rows: notes(dir), files: filesUnder(join(dir, 'notes')) };
    const r = await importCli(dir, [fixture('broken.rss.xml'), '--no-fetch']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${fixture('broken.rss.xml')}:10:37: unexpected close tag`);
    expect(r.err).toContain('nothing was imported: the site is as it was');
    expect({ rows: notes(dir), files: filesUnder(join(dir, 'notes')) }).toEqual(before);
  });

  it('names the line and column of bad JSON', async () => {
    const dir = tempDir('starpunk-feed-');
    const file = join(dir, 'feed.json');
    writeFileSync(
      file,
      '{\n  "version": "https://jsonfeed.org/version/1.1",\n  "items": [\n    {"id": "1",}\n  ]\n}\n',
    );
    const r = await importCli(dir, [file, '--no-fetch']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/feed\.json:4:16: not valid JSON/);
  });

  it('reads an HTML page only within the parse budget (nested beyond it: refused, named)', async () => {
    const dir = tempDir('starpunk-feed-');
    const file = join(dir, 'deep.html');
    writeFileSync(
      file,
      `<!doctype html><html><body><div class="h-feed">${'<div>'.repeat(300)}<p class="h-entry">x</p></div></body></html>`,
    );
    const r = await importCli(dir, [file, '--no-fetch']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}: the page nests elements more than 256 deep`);
    expect(r.err).toContain('nothing was imported');
  });

  it('--from names the syntax; the wrong one is refused, --from feed reads any', async () => {
    const dir = tempDir('starpunk-feed-');
    const wrong = await importCli(dir, [fixture('xmlbase.atom'), '--from', 'rss', '--dry-run']);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('this is an Atom feed, not an RSS feed');
    const txt = join(dir, 'feed.txt');
    copyFileSync(fixture('microblog.json'), txt);
    const any = await importCli(dir, [txt, '--from', 'feed', '--dry-run']);
    expect(any.err).toBe('');
    expect(any.out).toMatch(/read 5, would import 4 notes/);
  });

  it('a second run adds and changes nothing', async () => {
    const dir = tempDir('starpunk-feed-');
    expect((await importCli(dir, [fixture('xmlbase.atom'), '--no-fetch'])).code).toBe(0);
    const before = { rows: notes(dir), addresses: addresses(dir), files: filesUnder(join(dir, 'notes')) };
    const again = await importCli(dir, [fixture('xmlbase.atom'), '--no-fetch']);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/read 3, imported 0 notes and 0 pages, skipped 3, failed 0/);
    expect({ rows: notes(dir), addresses: addresses(dir), files: filesUnder(join(dir, 'notes')) }).toEqual(
      before,
    );
  });
});
