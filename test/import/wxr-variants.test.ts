/**
 * WXR as WordPress writes it in each version and style (test/import/wxr.ts), and what an import
 * promises whatever the file: a dry run writes nothing, a broken file leaves the site as it was
 * (rows, note files and pictures), nothing is announced unless asked, and the file is streamed.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/run.js';
import { readWxr } from '../../src/import/wordpress/wxr-stream.js';
import { captureIo } from '../helpers/io.js';
import { cleanup, siteEnv, tempDir } from '../ops/ops-helpers.js';
import { importCli, type WxrPost, type WxrStyle, writeJpeg, wxr } from './wxr.js';

const OLD = 'https://old.example';

afterAll(() => cleanup());

function query<T>(dir: string, sql: string): T[] {
  const db = new Database(join(dir, 'starpunk.db'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

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

const ODD_TITLE = 'Ünïcödé 🎉 — ‮לא‬ e\u0301 & <b>bold</b>';

function posts(): WxrPost[] {
  return [
    {
      id: 11,
      title: ODD_TITLE,
      name: 'odd-unicode',
      content: 'Before ]]> after, 5 < 6 & "quotes".\n\nSecond paragraph with 日本語 and 🎉.',
      dateGmt: '2015-06-01 08:30:00',
      link: `${OLD}/2015/06/odd-unicode/`,
      terms: [
        { domain: 'post_tag', nicename: 'caf%c3%a9', name: 'Café' },
        { domain: 'category', nicename: 'notes', name: 'Notes' },
      ],
    },
    {
      id: 12,
      title: 'An aside',
      name: 'an-aside',
      content: '<!-- wp:paragraph -->\n<p>Just a thought.</p>\n<!-- /wp:paragraph -->',
      dateGmt: '2016-02-03 04:05:06',
      link: `${OLD}/2016/02/an-aside/`,
      terms: [{ domain: 'post_format', nicename: 'post-format-aside', name: 'Aside' }],
    },
  ];
}

const STYLES: [string, WxrStyle][] = [
  ['WXR 1.0, http, CDATA', { version: '1.0', cdata: true }],
  ['WXR 1.1, http, escaped', { version: '1.1', cdata: false }],
  ['WXR 1.2, https, CDATA', { version: '1.2', scheme: 'https', cdata: true }],
  ['WXR 1.2, escaped, optional tags missing', { version: '1.2', cdata: false, sparse: true }],
];

describe('each WXR variant', () => {
  for (const [name, style] of STYLES) {
    it(`imports ${name}`, async () => {
      const dir = tempDir('starpunk-wxr-');
      const file = join(dir, 'export.xml');
      writeFileSync(file, wxr(OLD, posts(), style));
      const r = await importCli(dir, [file, '--no-fetch']);
      expect(r.err).toBe('');
      expect(r.out).toContain('imported 2 notes and 0 pages, skipped 0, failed 0');
      const notes = query<{ slug: string; name: string | null; published_at: string; file_path: string }>(
        dir,
        'SELECT slug, name, published_at, file_path FROM notes ORDER BY id',
      );
      expect(notes.map((n) => n.slug)).toEqual(['odd-unicode', 'an-aside']);
      // The title's text, its markup read as WordPress shows it; the aside is untitled.
      expect(notes[0]!.name).toBe('Ünïcödé 🎉 — ‮לא‬ e\u0301 & bold');
      expect(notes[1]!.name).toBeNull();
      // The Markdown may escape what it must; it renders what WordPress showed.
      const [html] = query<{ content_html: string }>(dir, 'SELECT content_html FROM notes ORDER BY id');
      expect(html!.content_html).toContain('<p>Before ]]&gt; after, 5 &lt; 6 &amp; "quotes".</p>');
      expect(html!.content_html).toContain('<p>Second paragraph with 日本語 and 🎉.</p>');
      const aside = readFileSync(join(dir, 'notes', notes[1]!.file_path), 'utf8');
      expect(aside.trim()).toBe('Just a thought.');
      if (style.sparse) {
        // Without post_date_gmt, the local date is read as UTC, and the report says so.
        expect(r.out).toContain('no UTC date in the export');
      }
      expect(notes[0]!.published_at).toMatch(/^2015-06-01[ T]08:30:00/);
      const tags = query<{ name: string }>(dir, 'SELECT display_name AS name FROM tags ORDER BY 1');
      expect(tags.map((t) => t.name)).toEqual(['Café', 'Notes']);
      const addresses = query<{ address: string }>(dir, 'SELECT address FROM former_addresses ORDER BY 1');
      expect(addresses.map((a) => a.address)).toEqual([
        '/2015/06/odd-unicode',
        '/2016/02/an-aside',
        '/?p=11',
        '/?p=12',
      ]);
    });
  }
});

describe('an import that must not change the site', () => {
  it('writes nothing on a dry run, and says what it would do', async () => {
    const dir = tempDir('starpunk-wxr-dry-');
    const file = join(dir, 'export.xml');
    writeFileSync(file, wxr(OLD, posts(), { version: '1.2', cdata: true }));
    const r = await importCli(dir, [file, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('would import 2 notes and 0 pages');
    expect(r.out).toContain('old addresses: would map 4');
    expect(r.out).toContain('dry run: nothing was written');
    expect(query(dir, 'SELECT id FROM notes')).toEqual([]);
    expect(query(dir, 'SELECT source FROM imported_items')).toEqual([]);
    expect(query(dir, 'SELECT address FROM former_addresses')).toEqual([]);
    expect(filesUnder(join(dir, 'notes'))).toEqual([]);
  });

  it('leaves the site as it was when the file breaks half way, naming the line and column', async () => {
    const dir = tempDir('starpunk-wxr-broken-');
    const uploads = tempDir('starpunk-wxr-uploads-');
    await writeJpeg(uploads, '2017/01/picture.jpg');
    const good = join(dir, 'good.xml');
    writeFileSync(good, wxr(OLD, posts(), { version: '1.2', cdata: true }));
    expect((await importCli(dir, [good])).code).toBe(0);
    const before = {
      notes: query(dir, 'SELECT id, slug, revision FROM notes ORDER BY id'),
      media: query(dir, 'SELECT id FROM media'),
      items: query(dir, 'SELECT source_id FROM imported_items ORDER BY 1'),
      noteFiles: filesUnder(join(dir, 'notes')),
      mediaFiles: filesUnder(join(dir, 'media')),
    };
    // A longer export whose new posts (one with a picture from the uploads folder) are read and
    // written before the XML breaks.
    const more: WxrPost[] = [
      ...posts(),
      {
        id: 13,
        title: 'With a picture',
        content: `<p>Look:</p><p><img src="${OLD}/wp-content/uploads/2017/01/picture.jpg" alt="A red square"></p>`,
        dateGmt: '2017-01-02 03:04:05',
      },
      { id: 14, title: 'Fine too', content: 'Text.', dateGmt: '2017-02-02 03:04:05' },
      { id: 15, title: 'Cut', content: 'The file ends in me.', dateGmt: '2017-03-02 03:04:05' },
    ];
    const text = wxr(OLD, more, { version: '1.2', cdata: true });
    const at = text.indexOf('<wp:post_id>15</wp:post_id>');
    const broken = `${text.slice(0, at)}<wp:post_id>15</wp:post_idd>${text.slice(at + '<wp:post_id>15</wp:post_id>'.length)}`;
    const file = join(dir, 'broken.xml');
    writeFileSync(file, broken);
    const line = broken.slice(0, at).split('\n').length;
    const r = await importCli(dir, [file, '--media', uploads]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+: `));
    expect(r.err).toContain('nothing was imported: the site is as it was');
    expect({
      notes: query(dir, 'SELECT id, slug, revision FROM notes ORDER BY id'),
      media: query(dir, 'SELECT id FROM media'),
      items: query(dir, 'SELECT source_id FROM imported_items ORDER BY 1'),
      noteFiles: filesUnder(join(dir, 'notes')),
      mediaFiles: filesUnder(join(dir, 'media')),
    }).toEqual(before);
    // The same file mended imports the three new posts, picture and alt text included.
    writeFileSync(file, text);
    const mended = await importCli(dir, [file, '--media', uploads]);
    expect(mended.out).toContain('imported 3 notes and 0 pages, skipped 2, failed 0');
    expect(query(dir, 'SELECT alt FROM media')).toEqual([{ alt: 'A red square' }]);
  });

  it('refuses a file that is not XML, naming it', async () => {
    const dir = tempDir('starpunk-wxr-junk-');
    const file = join(dir, 'junk.xml');
    writeFileSync(
      file,
      '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>x</title>\n<<<',
    );
    const r = await importCli(dir, [file, '--from', 'wordpress']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:2:`);
    expect(query(dir, 'SELECT id FROM notes')).toEqual([]);
  });
});

describe('portability', () => {
  it('carries the old addresses through export and import', async () => {
    const a = tempDir('starpunk-wxr-a-');
    const b = tempDir('starpunk-wxr-b-');
    writeFileSync(join(a, 'e.xml'), wxr(OLD, posts(), { version: '1.2', cdata: true }));
    expect((await importCli(a, [join(a, 'e.xml')])).code).toBe(0);
    const io = captureIo({ ...siteEnv(a), SITE_URL: 'http://example.test/' }, a);
    expect(await main(['export', '--out', join(a, 'out')], io)).toBe(0);
    const folder = readdirSync(join(a, 'out')).find((n) => n.startsWith('starpunk-export-'))!;
    const r = await importCli(b, [join(a, 'out', folder)]);
    expect(r.code).toBe(0);
    const addresses = (d: string) =>
      query<{ address: string; slug: string }>(
        d,
        'SELECT f.address, n.slug FROM former_addresses f JOIN notes n ON n.id = f.note_id ORDER BY 1',
      );
    expect(addresses(b)).toEqual(addresses(a));
    expect(addresses(b).length).toBe(4);
  });
});

describe('announcing', () => {
  it('queues Webmentions only with --announce', async () => {
    const quiet = tempDir('starpunk-wxr-quiet-');
    const loud = tempDir('starpunk-wxr-loud-');
    for (const dir of [quiet, loud])
      writeFileSync(join(dir, 'e.xml'), wxr(OLD, posts(), { version: '1.2', cdata: true }));
    expect((await importCli(quiet, [join(quiet, 'e.xml')])).code).toBe(0);
    const r = await importCli(loud, [join(loud, 'e.xml'), '--announce']);
    expect(r.out).toContain('announced: yes');
    expect(query(quiet, "SELECT kind FROM jobs WHERE kind LIKE 'webmention.%'")).toEqual([]);
    expect(query<{ kind: string }>(loud, "SELECT kind FROM jobs WHERE kind = 'webmention.plan'").length).toBe(
      2,
    );
  });
});

describe('streaming', () => {
  it('yields the first post before the rest of the file exists', async () => {
    const dir = tempDir('starpunk-wxr-fifo-');
    const fifo = join(dir, 'export.xml');
    execFileSync('mkfifo', [fifo]);
    const many: WxrPost[] = Array.from({ length: 50 }, (_, i) => ({
      id: i + 1,
      title: `Post ${i + 1}`,
      content: 'x'.repeat(2000),
    }));
    const text = wxr(OLD, many, { version: '1.2', cdata: true });
    const cut = text.indexOf('<item>', text.indexOf('<wp:post_id>2</wp:post_id>'));
    const writer = createWriteStream(fifo);
    writer.write(text.slice(0, cut));
    const records = readWxr(fifo)[Symbol.asyncIterator]();
    // Only the first posts have been written: a reader that wanted the whole file would wait here.
    const firstRecord = await records.next();
    expect(firstRecord.value?.fields['wp:post_id']).toBe('1');
    writer.end(text.slice(cut));
    let n = 1;
    for (let r = await records.next(); !r.done; r = await records.next()) n++;
    expect(n).toBe(50);
  });

  it('imports a generated export of a thousand posts with comments, in one run', async () => {
    const dir = tempDir('starpunk-wxr-large-');
    const file = join(dir, 'large.xml');
    const many: WxrPost[] = Array.from({ length: 1000 }, (_, i) => ({
      id: i + 1,
      title: `Post ${i + 1}`,
      name: `post-${i + 1}`,
      content: `<p>Paragraph ${i + 1}.</p>`.repeat(20),
      dateGmt: `2019-0${(i % 9) + 1}-1${i % 10} 12:00:00`,
      comments: [
        {
          id: 10_000 + i,
          author: 'Reader',
          content: `Nice post ${i + 1}`,
          approved: '1',
          dateGmt: '2019-10-01 00:00:00',
        },
      ],
    }));
    writeFileSync(file, wxr(OLD, many, { version: '1.2', cdata: true }));
    const r = await importCli(dir, [file]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('read 1000, imported 1000 notes and 0 pages, skipped 0, failed 0');
    expect(r.out).toContain('responses: imported 1000, skipped 0, failed 0');
    expect(r.out).toContain('old addresses: mapped 1000');
    expect(query(dir, 'SELECT count(*) AS n FROM notes')).toEqual([{ n: 1000 }]);
  }, 240_000);
});
