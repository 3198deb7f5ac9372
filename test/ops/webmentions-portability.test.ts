/**
 * Received Webmentions travel with the site: backup and restore (they live in the database),
 * export as mf2 JSON (webmentions.json), and import from an export or another data directory.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { webmentionsStore } from '../../src/db/store/webmentions.js';
import { type Mf2Item, microformatsOf } from '../helpers/webmention.js';
import { cleanup, cli, openSite, type Site, serveSite, tempDir } from './ops-helpers.js';

afterEach(cleanup);

const NOTE_URL = 'http://example.test/notes/hello';

/** A site with one note and three received mentions: an approved reply, a waiting like, a deleted one. */
function seeded(dir: string): Site {
  const site = openSite(dir);
  site.notes.createNote({ content: 'Hello', slug: 'hello' });
  const store = webmentionsStore(site.db);
  const now = '2026-11-27T11:00:00.000Z';
  const add = (
    source: string,
    moderation: 'approved' | 'pending',
    content?: Parameters<typeof store.updateContent>[1],
  ) => {
    const row = store.insertWebmention({
      source,
      target: NOTE_URL,
      source_host: new URL(source).hostname,
      note_id: 1,
      status_token: `token-${source.length}-${moderation}-xxxxxxxx`,
      state: 'queued',
      detail: null,
      moderation,
      now,
    });
    if (content) store.updateContent(row.id, content, moderation, now);
    else store.clearContent(row.id, 'deleted', 'The source answered 410.', now);
  };
  add('https://alice.example/reply', 'approved', {
    kind: 'reply',
    rsvp: null,
    url: 'https://alice.example/reply',
    author_name: 'Alice',
    author_url: 'https://alice.example/',
    author_photo: 'https://alice.example/me.png',
    published_at: '2026-11-27T10:00:00.000Z',
    content_html: '<p>Nice <a href="https://alice.example/x" rel="nofollow ugc">note</a></p>',
    content_text: 'Nice note',
    in_reply_to: JSON.stringify([NOTE_URL]),
  });
  add('https://bob.example/like', 'pending', {
    kind: 'like',
    rsvp: null,
    url: 'https://bob.example/like',
    author_name: 'Bob',
    author_url: null,
    author_photo: null,
    published_at: null,
    content_html: null,
    content_text: null,
    in_reply_to: '[]',
  });
  add('https://carol.example/gone', 'pending');
  return site;
}

/** The received mentions of a database that a visitor or the owner could tell apart. */
function mentionsOf(site: Site) {
  return site.db
    .prepare(
      `SELECT source, target, moderation, kind, url, author_name, author_url, author_photo, published_at,
         content_html, content_text, in_reply_to FROM webmentions WHERE verified_at IS NOT NULL ORDER BY source`,
    )
    .all();
}

async function commentsServedBy(dir: string): Promise<Mf2Item[]> {
  const served = serveSite(dir);
  try {
    const html = Buffer.from((await served.get('/notes/hello')).body, 'base64').toString();
    const entry = microformatsOf(html).items.find((i) => i.type.includes('h-entry'))!;
    return (entry.properties.comment ?? []) as Mf2Item[];
  } finally {
    served.close();
  }
}

describe('received Webmentions in backups', () => {
  it('a backup restored elsewhere has them, and shows the approved ones', async () => {
    const a = join(tempDir(), 'a');
    const site = seeded(a);
    const before = mentionsOf(site);
    site.close();
    const out = tempDir();
    const b = await cli(['backup', '--out', out], a);
    expect(b.code).toBe(0);
    const archive = join(out, readdirSync(out).find((f) => f.endsWith('.tar.gz'))!);
    const restored = join(tempDir(), 'b');
    expect((await cli(['restore', archive], restored)).code).toBe(0);
    const back = openSite(restored);
    expect(mentionsOf(back)).toEqual(before);
    back.close();
    expect((await commentsServedBy(restored)).map((c) => c.properties.url)).toEqual([
      ['https://alice.example/reply'],
    ]);
  });
});

describe('received Webmentions in exports (mf2 JSON) and imports', () => {
  async function exportOf(dir: string): Promise<string> {
    const out = tempDir();
    const r = await cli(['export', '--out', out], dir);
    expect(r.code).toBe(0);
    return /to (\S+)\n$/.exec(r.out)![1]!;
  }

  it('exports each stored mention as an h-cite with wm-* fields; refused or deleted ones are left out', async () => {
    const a = join(tempDir(), 'a');
    seeded(a).close();
    const path = await exportOf(a);
    const doc = JSON.parse(readFileSync(join(path, 'webmentions.json'), 'utf8')) as { items: unknown[] };
    expect(doc.items).toEqual([
      {
        type: ['h-cite'],
        properties: {
          url: ['https://alice.example/reply'],
          author: [
            {
              type: ['h-card'],
              properties: {
                name: ['Alice'],
                url: ['https://alice.example/'],
                photo: ['https://alice.example/me.png'],
              },
            },
          ],
          published: ['2026-11-27T10:00:00.000Z'],
          content: [
            {
              html: '<p>Nice <a href="https://alice.example/x" rel="nofollow ugc">note</a></p>',
              value: 'Nice note',
            },
          ],
          'in-reply-to': [NOTE_URL],
        },
        'wm-source': 'https://alice.example/reply',
        'wm-target': NOTE_URL,
        'wm-property': 'in-reply-to',
        'wm-received': '2026-11-27T11:00:00.000Z',
        'wm-status': 'approved',
      },
      {
        type: ['h-cite'],
        properties: {
          url: ['https://bob.example/like'],
          author: [{ type: ['h-card'], properties: { name: ['Bob'] } }],
          'like-of': [NOTE_URL],
        },
        'wm-source': 'https://bob.example/like',
        'wm-target': NOTE_URL,
        'wm-property': 'like-of',
        'wm-received': '2026-11-27T11:00:00.000Z',
        'wm-status': 'pending',
      },
    ]);
  });

  it('an export imported into a new site brings them back under the same note; a second import adds nothing', async () => {
    const a = join(tempDir(), 'a');
    const site = seeded(a);
    const before = mentionsOf(site);
    site.close();
    const path = await exportOf(a);
    const c = join(tempDir(), 'c');
    openSite(c).close();
    const first = await cli(['import', path], c);
    expect(first.code).toBe(0);
    expect(first.out).toContain('received webmentions: imported 2, skipped 0, failed 0');
    const again = await cli(['import', path], c);
    expect(again.out).toContain('received webmentions: imported 0, skipped 2, failed 0');
    const imported = openSite(c);
    expect(mentionsOf(imported)).toEqual(before);
    // The author's photo is fetched by the server later, never hot-linked meanwhile.
    expect(
      imported.db.prepare("SELECT kind, payload FROM jobs WHERE kind = 'webmention.avatar'").all(),
    ).toEqual([
      { kind: 'webmention.avatar', payload: JSON.stringify({ url: 'https://alice.example/me.png' }) },
    ]);
    imported.close();
    expect(await commentsServedBy(c)).toHaveLength(1);
  });

  it('another data directory imported brings them too', async () => {
    const a = join(tempDir(), 'a');
    const site = seeded(a);
    const before = mentionsOf(site);
    site.close();
    const d = join(tempDir(), 'd');
    openSite(d).close();
    const r = await cli(['import', a], d);
    expect(r.code).toBe(0);
    expect(r.out).toContain('received webmentions: imported 2');
    const imported = openSite(d);
    expect(mentionsOf(imported)).toEqual(before);
    imported.close();
  });

  it('an import file is not trusted: markup is sanitised again, bad URLs and unknown notes are refused', async () => {
    const a = join(tempDir(), 'a');
    seeded(a).close();
    const path = await exportOf(a);
    writeFileSync(
      join(path, 'webmentions.json'),
      JSON.stringify({
        items: [
          {
            type: ['h-cite'],
            properties: {
              url: ['https://bank.example/'],
              author: [
                { type: ['h-card'], properties: { name: ['<b>Eve</b>'], url: ['javascript:alert(1)'] } },
              ],
              content: [
                {
                  html: '<p onclick="x()">Hi<script>alert(1)</script><img src=x onerror=y></p>',
                  value: 'Hi',
                },
              ],
              'in-reply-to': [NOTE_URL],
            },
            'wm-source': 'https://eve.example/p',
            'wm-target': NOTE_URL,
            'wm-property': 'in-reply-to',
            'wm-status': 'approved',
          },
          { 'wm-source': 'javascript:alert(1)', 'wm-target': NOTE_URL },
          { 'wm-source': 'https://eve.example/q', 'wm-target': 'http://example.test/notes/nope' },
          'not an object',
        ],
      }),
    );
    const c = join(tempDir(), 'c');
    openSite(c).close();
    const r = await cli(['import', path], c);
    expect(r.out).toContain('received webmentions: imported 1, skipped 0, failed 3');
    expect(r.out).toContain('no note of this site is at http://example.test/notes/nope');
    const imported = openSite(c);
    expect(
      imported.db
        .prepare(
          "SELECT url, author_name, author_url, content_html FROM webmentions WHERE source = 'https://eve.example/p'",
        )
        .get(),
    ).toEqual({
      url: 'https://eve.example/p',
      author_name: '<b>Eve</b>',
      author_url: null,
      content_html: '<p>Hi</p>',
    });
    imported.close();
  });
});
