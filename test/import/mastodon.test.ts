/**
 * Moving in from Mastodon (issue 24): an account archive as Mastodon's BackupService writes it
 * (test/import/mastodon-archive.ts, from fixtures built on Mastodon's serializers), imported through
 * the real CLI, then read from a real `starpunk serve`: pictures with alt text, tags, the status as
 * u-syndication, replies and boosts, visibility, old addresses answering 301. Also the unpacked
 * folder, the visibility choice, a dry run, broken archives that leave the site as it was, and a
 * second run and a later, longer archive that add only what is new.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/run.js';
import { killAll } from '../faults/harness.js';
import { captureIo } from '../helpers/io.js';
import { type LiveSite, startLiveSite } from '../helpers/live-site.js';
import { cleanup, siteEnv, tempDir } from '../ops/ops-helpers.js';
import { FIXTURES, fixture, writeArchiveFolder, writeArchiveZip } from './mastodon-archive.js';
import { importCli, writeJpeg, wxr } from './wxr.js';

const ALICE = 'https://social.example/users/alice';
const CAT = '109318744830216801';
const SPOILER = '109318801234567802';
const SELF_REPLY = '109319005678901803';
const REPLY = '109320112345678804';
const BOOST = '109321000000000805';
const UNLISTED = '109322000000000806';
const FOLLOWERS = '109323000000000807';
const DIRECT = '109324000000000808';
const POLL = '109325000000000809';
const SELF_BOOST = '109326000000000810';
const HARBOUR = '109327000000000811';
/** Mastodon's name for the download (BackupService#archive_filename). */
const ZIP_NAME = 'archive-20221110120000-5d41402abc4b2a76b9719d911017c592.zip';

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

function rows<T = Record<string, unknown>>(dir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(dir, 'starpunk.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** The note a status became (by the idempotency map), or undefined. */
function noteOf(dir: string, statusId: string) {
  return rows<{ slug: string; visibility: string; published_at: string; properties: string }>(
    dir,
    `SELECT n.slug, n.visibility, n.published_at, n.properties FROM imported_items i
     JOIN notes n ON n.id = i.target_id WHERE i.source = 'mastodon' AND i.source_id = ? AND i.kind = 'note'`,
    statusId,
  )[0];
}

/** Everything an import can write. */
function state(dir: string) {
  if (!existsSync(join(dir, 'starpunk.db'))) return { db: false, notes: filesUnder(join(dir, 'notes')) };
  return {
    notes: rows(dir, 'SELECT id, slug, revision, content_hash, visibility FROM notes ORDER BY id'),
    imported: rows(
      dir,
      'SELECT source, source_id, kind, target_id FROM imported_items ORDER BY source_id, kind',
    ),
    addresses: rows(dir, 'SELECT address, note_id FROM former_addresses ORDER BY address'),
    media: rows(dir, 'SELECT id, file_path, alt FROM media ORDER BY id'),
    noteFiles: filesUnder(join(dir, 'notes')),
    mediaFiles: filesUnder(join(dir, 'media')),
  };
}

/** The outbox with `extra` statuses added at the end (a later archive of the same account). */
function outboxWith(extra: unknown[]): string {
  const outbox = fixture('outbox.json') as { orderedItems: unknown[]; totalItems: number };
  outbox.orderedItems.push(...extra);
  outbox.totalItems = outbox.orderedItems.length;
  return JSON.stringify(outbox);
}

/** A public status of the fixture account, in the serializer's shape (fixtures/mastodon/README.md). */
function status(id: string, published: string, content: string, inReplyTo: string | null = null) {
  const P = 'https://www.w3.org/ns/activitystreams#Public';
  const F = `${ALICE}/followers`;
  return {
    id: `${ALICE}/statuses/${id}/activity`,
    type: 'Create',
    actor: ALICE,
    published,
    to: [P],
    cc: [F],
    object: {
      id: `${ALICE}/statuses/${id}`,
      type: 'Note',
      summary: null,
      inReplyTo,
      published,
      url: `https://social.example/@alice/${id}`,
      attributedTo: ALICE,
      to: [P],
      cc: [F],
      sensitive: false,
      atomUri: `${ALICE}/statuses/${id}`,
      inReplyToAtomUri: inReplyTo,
      content,
      contentMap: { en: content },
      attachment: [],
      tag: [],
    },
  };
}

let dir: string;
let zip: string;
let site: LiveSite;
let first: { code: number; out: string; err: string };

beforeAll(async () => {
  dir = tempDir('starpunk-mastodon-');
  zip = await writeArchiveZip(join(tempDir('starpunk-mastodon-zip-'), ZIP_NAME));
  first = await importCli(dir, [zip]);
  site = await startLiveSite(dir);
}, 120_000);

afterAll(async () => {
  await site?.stop();
  await killAll();
  cleanup();
});

describe('a Mastodon archive (zip) through starpunk import', () => {
  it('reports what it imported, skipped and mapped', () => {
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toContain(
      `Mastodon archive ${zip} (https://social.example/@alice): read 11, imported 10 notes and 0 pages, skipped 1, failed 0`,
    );
    expect(first.out).toContain(
      'skipped: 1 a direct message (--mastodon-visibility all imports them as private)',
    );
    expect(first.out).toContain(
      'media: stored 3 (from the folder 0, from the Mastodon archive 3, fetched 0), reused 0, failed 0',
    );
    // Two addresses for each of the ten statuses: /users/alice/statuses/<id> and /@alice/<id>.
    expect(first.out).toContain('old addresses: mapped 20');
    expect(first.out).toMatch(/warning .*0a0b0c0d0e0f1011\.mp4: video\/mp4 is not imported/);
    expect(first.out).toContain('likes.json: your favourites are not imported');
    expect(first.out).toContain('announced: no');
  });

  it('shows a post with its picture and alt text, its tags and its original as u-syndication', async () => {
    const note = noteOf(dir, CAT)!;
    const res = await site.get(`/notes/${note.slug}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Saturday morning, in the only sunny spot of the flat.');
    const img = /<img\b[^>]*alt="A grey cat asleep on a red chair"[^>]*>/.exec(html)?.[0];
    expect(img).toBeDefined();
    const src = /src="([^"]+)"/.exec(img!)![1]!;
    const media = await site.get(new URL(src, 'http://example.test/').pathname);
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('image/jpeg');
    expect(html).toMatch(/href="\/tag\/cats"/);
    expect(html).toMatch(/href="\/tag\/photography"/);
    expect(html).toMatch(
      new RegExp(`<a class="u-syndication" href="https://social.example/@alice/${CAT}" rel="syndication"`),
    );
    // The hashtags stay in the text, no longer links to the old server's tag pages.
    expect(html).toContain('#cats');
    expect(html).not.toContain('social.example/tags/');
  });

  it('keeps the dates, so old posts are not new in the feed', async () => {
    expect(noteOf(dir, CAT)!.published_at).toBe('2022-11-05T10:00:00.000Z');
    const feed = (await (await site.get('/feed.json')).json()) as {
      items: { url: string; date_published: string }[];
    };
    const item = feed.items.find((i) => i.url.endsWith(`/notes/${noteOf(dir, HARBOUR)!.slug}`));
    expect(item?.date_published).toBe('2022-11-09T16:45:00Z');
  });

  it('keeps the content warning as the summary', () => {
    const props = JSON.parse(noteOf(dir, SPOILER)!.properties) as Record<string, unknown[]>;
    expect(props.summary).toEqual(['Spoilers for the film we watched']);
  });

  it('points a reply to one’s own post at its note here, and a reply to another at the original', async () => {
    const parent = noteOf(dir, CAT)!.slug;
    const self = await (await site.get(`/notes/${noteOf(dir, SELF_REPLY)!.slug}`)).text();
    expect(self).toMatch(
      new RegExp(
        `class="u-in-reply-to"[^>]*href="http://example.test/notes/${parent}"|href="http://example.test/notes/${parent}"[^>]*class="[^"]*u-in-reply-to`,
      ),
    );
    const other = await (await site.get(`/notes/${noteOf(dir, REPLY)!.slug}`)).text();
    expect(other).toContain('href="https://other.example/users/bob/statuses/110000000000000555"');
    expect(other).toContain('href="https://other.example/@bob"');
    // The long link Mastodon shortens with hidden spans is whole again.
    expect(other).toContain('href="https://example.org/a/very/long/path/to/the/docs"');
  });

  it('makes boosts reposts, a boost of one’s own post pointing at its note here', async () => {
    const boost = await (await site.get(`/notes/${noteOf(dir, BOOST)!.slug}`)).text();
    expect(boost).toMatch(
      /class="u-repost-of"[^>]*href="https:\/\/other.example\/users\/bob\/statuses\/110000000000000777"|href="https:\/\/other.example\/users\/bob\/statuses\/110000000000000777"[^>]*class="[^"]*u-repost-of/,
    );
    const props = JSON.parse(noteOf(dir, SELF_BOOST)!.properties) as Record<string, unknown[]>;
    expect(props['repost-of']).toEqual([`http://example.test/notes/${noteOf(dir, SPOILER)!.slug}`]);
    expect(props.syndication).toEqual([`${ALICE}/statuses/${SELF_BOOST}/activity`]);
  });

  it('keeps a poll’s options as a list', async () => {
    const html = await (await site.get(`/notes/${noteOf(dir, POLL)!.slug}`)).text();
    expect(html).toMatch(/<li>Tea<\/li>\s*<li>Coffee<\/li>/);
  });

  it('keeps unlisted and followers-only posts as unlisted and private, and leaves direct messages out', async () => {
    expect(noteOf(dir, UNLISTED)!.visibility).toBe('unlisted');
    expect(noteOf(dir, FOLLOWERS)!.visibility).toBe('private');
    expect(noteOf(dir, DIRECT)).toBeUndefined();
    expect(rows(dir, "SELECT id FROM notes WHERE properties LIKE '%surprise party%'")).toEqual([]);
    const feed = await (await site.get('/feed.json')).text();
    expect(feed).not.toContain('A quiet note');
    expect(feed).not.toContain('Only for the people');
    const unlisted = await site.get(`/notes/${noteOf(dir, UNLISTED)!.slug}`);
    expect(unlisted.status).toBe(200);
    await unlisted.body?.cancel();
    const hidden = await site.get(`/notes/${noteOf(dir, FOLLOWERS)!.slug}`);
    expect(hidden.status).toBe(404);
    await hidden.body?.cancel();
  });

  it('answers the status’s old addresses with 301 (once the old domain points here), hidden ones not', async () => {
    const cases: [string, string][] = [
      [`/@alice/${CAT}`, `/notes/${noteOf(dir, CAT)!.slug}`],
      [`/users/alice/statuses/${CAT}`, `/notes/${noteOf(dir, CAT)!.slug}`],
      [`/@alice/${BOOST}`, `/notes/${noteOf(dir, BOOST)!.slug}`],
      [`/users/alice/statuses/${BOOST}/activity`, `/notes/${noteOf(dir, BOOST)!.slug}`],
    ];
    for (const [from, to] of cases) {
      const res = await site.get(from);
      await res.body?.cancel();
      expect.soft(`${res.status} ${res.headers.get('location')}`, from).toBe(`301 ${to}`);
    }
    for (const from of [`/@alice/${FOLLOWERS}`, `/@alice/${DIRECT}`]) {
      const res = await site.get(from);
      await res.body?.cancel();
      expect.soft(res.status, from).toBe(404);
    }
  });

  it('queued nothing to announce the imported notes', () => {
    const jobs = rows<{ kind: string }>(
      dir,
      "SELECT kind FROM jobs WHERE kind NOT LIKE 'webmention.avatar%'",
    );
    expect(jobs).toEqual([]);
  });

  it('changes nothing on a second run', async () => {
    const before = state(dir);
    const again = await importCli(dir, [zip]);
    expect(again.code).toBe(0);
    expect(again.out).toContain('read 11, imported 0 notes and 0 pages, skipped 11, failed 0');
    expect(again.out).toContain('10 already imported');
    expect(state(dir)).toEqual(before);
  });

  it('adds only what is new from a later archive, a new reply finding its earlier parent', async () => {
    const later = await writeArchiveZip(join(tempDir('starpunk-mastodon-later-'), ZIP_NAME), {
      outbox: outboxWith([
        status(
          '109400000000000901',
          '2022-12-01T08:00:00Z',
          '<p>A month on, she still prefers the chair.</p>',
          `${ALICE}/statuses/${CAT}`,
        ),
      ]),
    });
    const r = await importCli(dir, [later]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('read 12, imported 1 notes and 0 pages, skipped 11, failed 0');
    const props = JSON.parse(noteOf(dir, '109400000000000901')!.properties) as Record<string, unknown[]>;
    expect(props['in-reply-to']).toEqual([`http://example.test/notes/${noteOf(dir, CAT)!.slug}`]);
  });
});

describe('the unpacked archive, the visibility choice, a dry run and broken archives', () => {
  it('reads the archive unpacked into a folder, only public posts with public-only', async () => {
    const folder = await writeArchiveFolder(tempDir('starpunk-mastodon-folder-'), {
      // The fixture as committed (indented), where the zip holds Mastodon's compact JSON.
      outbox: readFileSync(join(FIXTURES, 'outbox.json')),
    });
    const target = tempDir('starpunk-mastodon-public-');
    const r = await importCli(target, [folder, '--mastodon-visibility', 'public-only']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('read 11, imported 8 notes and 0 pages, skipped 3, failed 0');
    expect(r.out).toContain('1 unlisted on Mastodon (--mastodon-visibility public-only)');
    expect(r.out).toContain('1 followers-only on Mastodon (--mastodon-visibility public-only)');
    expect(r.out).toContain('from the Mastodon archive 3');
    const vis = rows<{ visibility: string }>(target, 'SELECT DISTINCT visibility FROM notes');
    expect(vis).toEqual([{ visibility: 'public' }]);
  });

  it('imports direct messages as private with --mastodon-visibility all', async () => {
    const folder = await writeArchiveFolder(tempDir('starpunk-mastodon-folder-'));
    const target = tempDir('starpunk-mastodon-all-');
    const r = await importCli(target, [folder, '--mastodon-visibility', 'all']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('read 11, imported 11 notes and 0 pages, skipped 0, failed 0');
    expect(noteOf(target, DIRECT)!.visibility).toBe('private');
  });

  it('reads no file outside the unpacked archive, whatever an attachment names', async () => {
    const root = tempDir('starpunk-mastodon-hostile-');
    const folder = join(root, 'archive');
    mkdirSync(folder);
    // A real picture beside the archive: were it read, it would be stored.
    await writeJpeg(root, 'secret.jpg');
    const outbox = outboxWith([]);
    const hostile = JSON.parse(outbox) as { orderedItems: { object?: { attachment?: unknown[] } }[] };
    const attachment = (url: string) => ({ type: 'Document', mediaType: 'image/jpeg', url, name: 'x' });
    hostile.orderedItems[1]!.object!.attachment = [
      attachment('../secret.jpg'),
      attachment('/../../secret.jpg'),
    ];
    hostile.orderedItems[2]!.object!.attachment = [attachment('media_attachments/link.jpg')];
    await writeArchiveFolder(folder, { outbox: JSON.stringify(hostile) });
    symlinkSync(join(root, 'secret.jpg'), join(folder, 'media_attachments', 'link.jpg'));
    const target = tempDir('starpunk-mastodon-hostile-site-');
    const r = await importCli(target, [folder]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('imported 10 notes');
    expect(r.out).toContain('an attachment at ../secret.jpg that is not in the archive');
    expect(r.out).toContain('an attachment at /../../secret.jpg that is not in the archive');
    expect(r.out).toMatch(
      /failed +https:\/\/social\.example\/@alice\/109319005678901803: picture .*link\.jpg: media_attachments\/link\.jpg is not in the archive/,
    );
    expect(r.out).toContain('media: stored 3 (');
  });

  it('refuses a visibility it does not know, or one given for another format', async () => {
    const target = tempDir('starpunk-mastodon-bad-');
    const bad = await importCli(target, [zip, '--mastodon-visibility', 'sometimes']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('--mastodon-visibility must be one of keep, public-only, all');
    const wp = join(target, 'export.xml');
    writeFileSync(
      wp,
      wxr('https://old.example', [{ id: 1, title: 'Hello', content: 'Hi.' }], {
        version: '1.2',
        cdata: true,
      }),
    );
    const other = await importCli(target, [wp, '--mastodon-visibility', 'all']);
    expect(other.code).not.toBe(0);
    expect(other.err).toContain(
      '--mastodon-visibility applies to a Mastodon archive, not to a WordPress WXR',
    );
  });

  it('writes nothing in a dry run', async () => {
    const target = tempDir('starpunk-mastodon-dry-');
    const r = await importCli(target, [zip, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('read 11, would import 10 notes and 0 pages, skipped 1, failed 0');
    expect(r.out).toContain('old addresses: would map 20');
    expect(r.out).toContain('dry run: nothing was written');
    const s = state(target);
    expect(s).toMatchObject({
      notes: [],
      imported: [],
      addresses: [],
      media: [],
      noteFiles: [],
      mediaFiles: [],
    });
  });

  it('names a cut-short zip and leaves the site as it was', async () => {
    const broken = await writeArchiveZip(join(tempDir('starpunk-mastodon-cut-'), ZIP_NAME));
    truncateSync(broken, Math.floor(statSync(broken).size / 2));
    const before = state(dir);
    const r = await importCli(dir, [broken]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(`starpunk import: ${broken}: not a readable zip archive`);
    expect(r.err).toContain('nothing was imported: the site is as it was');
    expect(state(dir)).toEqual(before);
  });

  it('names the place in a broken outbox.json and undoes the statuses read before it', async () => {
    const good = outboxWith([]);
    // A new status first (it is written before the error is read), then JSON that breaks off.
    const text = good.replace(
      '"orderedItems":[',
      `"orderedItems":[${JSON.stringify(status('108000000000000001', '2022-10-01T10:00:00Z', '<p>First!</p>'))},{"id": tru},`,
    );
    const broken = await writeArchiveZip(join(tempDir('starpunk-mastodon-bad-json-'), ZIP_NAME), {
      outbox: text,
    });
    const target = tempDir('starpunk-mastodon-rollback-');
    // On a terminal, so the progress line shows the first status imported before the error.
    const io = { ...captureIo(siteEnv(target), target), tty: true };
    const code = await main(['import', broken], io);
    const r = { code, err: io.err.join('') };
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('read 1: imported 1, skipped 0, failed 0');
    expect(r.err).toMatch(new RegExp(`${ZIP_NAME} \\(outbox\\.json\\):1:\\d+: not valid JSON`));
    expect(r.err).toContain('nothing was imported');
    expect(state(target)).toMatchObject({ notes: [], imported: [], addresses: [], media: [], noteFiles: [] });
    expect(filesUnder(join(target, 'media')).filter((f) => !f.startsWith('.'))).toEqual([]);
  });

  it('tells what to do with an archive from before Mastodon 4.2 (.tar.gz)', async () => {
    const folder = tempDir('starpunk-mastodon-old-');
    // BackupService before 4.2: Gem::Package::TarWriter in a GzipWriter, named archive-<time>-<hex>.tar.gz.
    const old = join(folder, 'archive-20230101120000-5d41402abc4b2a76b9719d911017c592.tar.gz');
    writeFileSync(old, gzipSync(Buffer.from('outbox.json')));
    const r = await importCli(tempDir('starpunk-mastodon-old-site-'), [old]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(`${old}: an archive from Mastodon before 4.2 (.tar.gz): unpack it`);
  });

  it('says what is missing when the zip is not a Mastodon archive', async () => {
    const other = await writeArchiveZip(join(tempDir('starpunk-mastodon-other-'), 'other.zip'), {
      omit: ['outbox.json'],
    });
    const target = tempDir('starpunk-mastodon-other-site-');
    const r = await importCli(target, [other, '--from', 'mastodon']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(`${other}: no outbox.json in it`);
  });
});
