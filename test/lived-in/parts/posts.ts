/**
 * Posts of every kind, made the two ways an owner makes them: the admin editor in Chromium and
 * Micropub. A first note copied to Mastodon and Bluesky, an article with a title, tags and a link,
 * photo posts with alt text (uploaded in the editor, and through the Micropub media endpoint with
 * copies), a reply, a like, a bookmark and a repost of the neighbour's notes (each sends it a
 * Webmention and fetches its context), a draft, a scheduled note, an unlisted note, a trashed
 * note, a note of 150 family emoji copied to Bluesky, a picture in the media library, and a
 * changed slug whose old address must keep answering 301.
 *
 * Checked on every record: the copies are where the note pages say, and still there; every feed
 * carries what a response responds to; drafts and scheduled notes stay private; the old address
 * leads to the new one.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Site } from '../harness.js';
import { waitFor } from '../harness.js';
import type { Recording } from '../record.js';
import { bodyOf, open, type Part, picture, submit, type World } from '../world.js';

/** A family of four: one grapheme, seven code points, 25 UTF-8 bytes. */
const FAMILY = '👨‍👩‍👧‍👦';

/** The notes with copies, and where each must be. */
export const COPIED: Record<string, ('mastodon' | 'bluesky')[]> = {
  '/notes/first-light': ['mastodon', 'bluesky'],
  '/notes/two-pictures': ['mastodon', 'bluesky'],
  '/notes/family': ['bluesky'],
};

/** What each response note responds to (filled from the neighbour's addresses). */
export const RESPONSES: { path: string; kind: string; subject: string }[] = [];

/** Admin copy states that mean the work is not finished yet. */
export const BUSY =
  /Posting: waiting|Posting now|will try again|Editing now|Editing: waiting|Removing now|Removing: waiting|Waiting to be sent|Sending now|Trying again now/;

/** Note ids by slug, from the rows of an admin list of notes. */
function idsOfRows(html: string, into: Record<string, number>): void {
  for (const row of html.split('<tr>').slice(1)) {
    const id = /\/admin\/(?:edit|preview|notes)\/(\d+)/.exec(row)?.[1];
    const slug = /href="\/notes\/([^"]+)"/.exec(row)?.[1];
    if (id && slug) into[decodeURIComponent(slug)] = Number(id);
  }
}

/** Note ids by slug (public notes), from the admin's list of every note. */
export async function noteIds(site: Site): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  idsOfRows(await (await site.admin('/admin?filter=all')).text(), out);
  return out;
}

/** Note ids by slug (public notes), from a record's admin list. */
export function idsIn(rec: Recording): Record<string, number> {
  const out: Record<string, number> = {};
  idsOfRows(rec.get('ADMIN /admin?filter=all')?.body ?? '', out);
  return out;
}

/** Waits until no copy and no sent Webmention of the site is still being worked on. */
export async function settle(site: Site, noteIdsToWatch: number[] = []): Promise<void> {
  await waitFor(
    'copies and Webmentions to settle',
    async () => {
      if (BUSY.test(await (await site.admin('/admin/syndication')).text())) return false;
      for (const id of noteIdsToWatch)
        if (BUSY.test(await (await site.admin(`/admin/notes/${id}/webmentions`)).text())) return false;
      return true;
    },
    60_000,
  );
}

/** Saves a new note from the editor; `fill` types it. Resolves with the edit page's path. */
async function fromEditor(w: World, fill: () => Promise<void>): Promise<string> {
  await open(w, '/admin/new');
  await fill();
  await submit(w, 'Save note', (u) => /^\/admin\/edit\/\d+$/.test(u.pathname));
  return new URL(w.page.url()).pathname;
}

/** Uploads a file to the Micropub media endpoint; resolves with its URL. */
async function uploadMedia(w: World, path: string, type: string): Promise<string> {
  const form = new FormData();
  form.set('file', new Blob([readFileSync(path)], { type }), path.split('/').pop());
  const res = await w.site.fetch('/micropub/media', {
    method: 'POST',
    headers: { authorization: `Bearer ${w.token}` },
    body: form,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.headers.get('location')!;
}

export const posts: Part = {
  name: 'posts',

  async build(w: World) {
    const p = w.page;
    const m = w.made;
    // Note 1, copied to both services: the first note of the site (see accounts.ts).
    await fromEditor(w, async () => {
      await p.locator('#content').fill('First light: this site now writes to Mastodon and Bluesky too.');
      await p.locator('#tags').fill('firsts');
      await p.locator('#slug').fill('first-light');
      await p.getByRole('checkbox', { name: /on Mastodon/ }).check();
      await p.getByRole('checkbox', { name: /on Bluesky/ }).check();
    });
    // An article with a title, tags and a link to the neighbour (a mention it is sent).
    m.articleEdit = await fromEditor(w, async () => {
      await p.locator('#name').fill('On looms');
      await p
        .locator('#content')
        .fill(
          `Looms were programmable long before computers.\n\nRead [the neighbour's notes on dyes](${m.bMention}) too.\n\n- warp\n- weft\n`,
        );
      await p.locator('#tags').fill('looms, craft');
      await p.locator('#slug').fill('on-looms');
    });
    // A photo post from the editor, the photo uploaded with its alt text.
    await fromEditor(w, async () => {
      await p.locator('#content').fill('The loom at dawn.');
      await p.locator('#tags').fill('looms, photos');
      await p.locator('#slug').fill('loom-at-dawn');
      await p.locator('#photo').setInputFiles(await picture(w, 'dawn.jpg', 1600, 1067));
      // The editor script uploads the photo at once and gives it a row with its own description.
      await p.locator('#photo-list input[type="hidden"][value^="/media/"]').waitFor({ state: 'attached' });
      await p.locator('#photo_alt_0').fill('A wooden loom in the first morning light');
    });
    // A bookmark from the editor.
    await fromEditor(w, async () => {
      await p.locator('#response_kind').selectOption('bookmark-of');
      await p.locator('#response_url').fill(m.bBookmark!);
      await p.locator('#name').fill('A guide worth keeping');
      await p.locator('#content').fill('Everything about warping, in one place.');
      await p.locator('#slug').fill('worth-keeping');
    });
    // A draft and a scheduled note.
    await fromEditor(w, async () => {
      await p.locator('#content').fill('Half a thought, not ready yet.');
      await p.locator('#slug').fill('half-a-thought');
      await p.locator('input[name="status"][value="draft"]').check();
    });
    await fromEditor(w, async () => {
      await p.locator('#content').fill('A note for the new year of 2030.');
      await p.locator('#slug').fill('new-year-2030');
      await p.locator('input[name="status"][value="schedule"]').check();
      await p.locator('#publish_at').fill('2030-01-01T09:00');
    });
    // A picture in the media library, used by no note yet.
    await open(w, '/admin/media');
    await p.locator('#file').setInputFiles(await picture(w, 'shuttle.png', 640, 480));
    await p.locator('#alt').fill('A boat shuttle on the bench');
    await submit(w, 'Upload', (u) => u.searchParams.get('flash') === 'uploaded');

    // From a Micropub client: two photos through the media endpoint, copied to both services.
    const warp = await uploadMedia(w, await picture(w, 'warp.jpg', 1200, 800), 'image/jpeg');
    const bench = await uploadMedia(w, await picture(w, 'bench.png', 900, 600), 'image/png');
    await w.site.publish(w.token, {
      content: ['Two pictures from the workshop.'],
      photo: [
        { value: warp, alt: 'Warp threads wound on the beam' },
        { value: bench, alt: 'Tools laid out on the bench' },
      ],
      category: ['workshop', 'photos'],
      'mp-slug': ['two-pictures'],
      'mp-syndicate-to': [m.mastodonUid!, m.blueskyUid!],
    } as Record<string, unknown[]>);
    // Responses to the neighbour: a reply, a like (no text, as Quill sends it), a repost.
    await w.site.publish(w.token, {
      'in-reply-to': [m.bReply!],
      content: ['I agree: a Jacquard loom reads its program from cards.'],
      'mp-slug': ['i-agree'],
    });
    await w.site.publish(w.token, { 'like-of': [m.bLike!], 'mp-slug': ['liked-wheel'] });
    await w.site.publish(w.token, { 'repost-of': [m.bRepost!], 'mp-slug': ['reposted-meetup'] });
    RESPONSES.splice(
      0,
      RESPONSES.length,
      { path: '/notes/i-agree', kind: 'in-reply-to', subject: m.bReply! },
      { path: '/notes/liked-wheel', kind: 'like-of', subject: m.bLike! },
      { path: '/notes/worth-keeping', kind: 'bookmark-of', subject: m.bBookmark! },
      { path: '/notes/reposted-meetup', kind: 'repost-of', subject: m.bRepost! },
    );
    // Unlisted; trashed (410); and 150 family emoji for Bluesky (300 graphemes max, 3000 bytes max).
    await w.site.publish(w.token, {
      content: ['Only for people who have the link.'],
      visibility: ['unlisted'],
      'mp-slug': ['unlisted-thought'],
    });
    const regretted = await w.site.publish(w.token, {
      content: ['Words I regret.'],
      'mp-slug': ['regretted'],
    });
    const del = await w.site.micropub(w.token, { action: 'delete', url: w.site.url(regretted) });
    expect(del.status).toBeLessThan(300);
    await w.site.publish(w.token, {
      content: [FAMILY.repeat(150)],
      'mp-slug': ['family'],
      'mp-syndicate-to': [m.blueskyUid!],
    });

    // The article moves: its old address must keep leading to it.
    await open(w, m.articleEdit);
    await p.locator('#slug').fill('looms-and-me');
    await submit(w, 'Save changes', (u) => u.searchParams.get('flash') === 'moved');

    const ids = await noteIds(w.site);
    await settle(
      w.site,
      ['i-agree', 'liked-wheel', 'worth-keeping', 'reposted-meetup', 'looms-and-me'].map((s) => ids[s]!),
    );
  },

  async snapshot(w, r) {
    for (const path of [
      '/feed',
      '/feed.rss',
      '/feed.atom',
      '/feed.json',
      '/feed.xml',
      '/opml.xml',
      '/search?q=loom',
      '/api/search?q=loom',
      '/notes/on-looms',
      '/note/first-light',
      '/notes/half-a-thought',
      '/notes/new-year-2030',
      '/notes/unlisted-thought',
      '/notes/regretted',
    ])
      r.seed(path);
    for (const f of ['all', 'published', 'drafts', 'scheduled', 'private', 'unlisted', 'trash'])
      r.admin(`/admin?filter=${f}`);
    r.admin('/admin/media');
    for (const id of Object.values(await noteIds(w.site))) r.admin(`/admin/notes/${id}/webmentions`);
  },

  check(rec: Recording, w: World) {
    const status = (path: string) => rec.page(path)?.status;
    expect.soft(status('/notes/half-a-thought'), 'a draft is not public').toBe(404);
    expect.soft(status('/notes/new-year-2030'), 'a scheduled note is not public yet').toBe(404);
    expect.soft(status('/notes/unlisted-thought'), 'an unlisted note is reachable by its link').toBe(200);
    expect.soft(status('/notes/regretted'), 'a trashed note is gone').toBe(410);
    const moved = rec.page('/notes/on-looms');
    expect
      .soft(`${moved?.status} ${moved?.location}`, 'the old address of a moved note')
      .toMatch(/^301 (http:\/\/127\.0\.0\.1:\d+)?\/notes\/looms-and-me$/);
    expect.soft(bodyOf(rec, '/'), 'the home page').not.toContain('half-a-thought');

    // Photos: every picture of the photo notes answers, with its alt text on the page.
    for (const [path, alts] of [
      ['/notes/loom-at-dawn', ['A wooden loom in the first morning light']],
      ['/notes/two-pictures', ['Warp threads wound on the beam', 'Tools laid out on the bench']],
    ] as const) {
      const html = bodyOf(rec, path);
      for (const alt of alts)
        expect.soft(html, `${path} shows its photo with alt text`).toContain(`alt="${alt}"`);
      for (const src of html.matchAll(/<img[^>]*\bsrc="(\/media\/\d{4}\/[^"]+)"/g))
        expect.soft(rec.page(src[1]!)?.status, `${path}: ${src[1]}`).toBe(200);
    }

    // Nothing was ever posted twice, by any step (a live copy's text is unique on each service).
    const twice = (texts: string[]) => texts.filter((t, i) => texts.indexOf(t) !== i);
    expect
      .soft(
        twice([...w.mastodon.statuses.values()].filter((x) => !x.deleted).map((x) => x.text)),
        'statuses posted twice',
      )
      .toEqual([]);
    expect
      .soft(
        twice([...w.pds.records.values()].filter((x) => !x.deleted).map((x) => String(x.value.text))),
        'posts made twice',
      )
      .toEqual([]);

    // Copies: where the note says, still there on the service.
    for (const [path, services] of Object.entries(COPIED)) {
      const html = bodyOf(rec, path);
      const links = [...html.matchAll(/<a class="u-syndication" href="([^"]+)"/g)].map((x) =>
        x[1]!.replace(/&amp;/g, '&'),
      );
      const masto = links.filter((l) => l.startsWith(w.mastodon.url));
      const bsky = links.filter((l) => l.startsWith('https://bsky.app/'));
      expect.soft(masto.length, `${path}: copies on Mastodon`).toBe(services.includes('mastodon') ? 1 : 0);
      expect.soft(bsky.length, `${path}: copies on Bluesky`).toBe(services.includes('bluesky') ? 1 : 0);
      for (const l of masto) {
        const s = w.mastodon.statusAt(l);
        expect.soft(s && !s.deleted ? 'there' : 'gone', `${path}: its Mastodon status ${l}`).toBe('there');
      }
      for (const l of bsky) {
        const r = w.pds.recordAt(l);
        expect.soft(r && !r.deleted ? 'there' : 'gone', `${path}: its Bluesky post ${l}`).toBe('there');
        if (r?.value.text !== undefined && path !== '/notes/family')
          expect
            .soft(r.value.text, `${path}: the Bluesky post is this note's`)
            .toContain(path === '/notes/first-light' ? 'First light' : 'Two pictures');
      }
    }

    // Every feed carries what each response responds to, with a readable title and content.
    const rss = bodyOf(rec, '/feed.rss');
    const atom = bodyOf(rec, '/feed.atom');
    let json: { items?: Record<string, unknown>[] } = {};
    try {
      json = JSON.parse(bodyOf(rec, '/feed.json'));
    } catch {
      // reported below: no item is found
    }
    const lacking: string[] = [];
    const lacks = (ok: boolean, what: string) => {
      if (!ok) lacking.push(what);
    };
    const readable = (title: string | undefined) => !!title && !/^Note of /.test(title);
    for (const r of RESPONSES) {
      const url = w.site.url(r.path);
      const item = rss.split('<item>').find((i) => i.includes(`<link>${url}</link>`)) ?? '';
      const entry = atom.split('<entry>').find((e) => e.includes(`href="${url}"`)) ?? '';
      const jitem = (json.items ?? []).find((i) => i.url === url);
      const of = `the ${r.kind} ${r.path}`;
      lacks(item.includes(r.subject), `RSS: ${of} does not name ${r.subject}`);
      lacks(readable(/<title>([^<]*)<\/title>/.exec(item)?.[1]), `RSS: ${of} has no readable title`);
      lacks(!!/<description>([\s\S]*?)<\/description>/.exec(item)?.[1]?.trim(), `RSS: ${of} has no content`);
      lacks(entry.includes(r.subject), `Atom: ${of} does not name ${r.subject}`);
      lacks(readable(/<title[^>]*>([^<]*)<\/title>/.exec(entry)?.[1]), `Atom: ${of} has no readable title`);
      lacks(!!/<content[^>]*>([\s\S]*?)<\/content>/.exec(entry)?.[1]?.trim(), `Atom: ${of} has no content`);
      if (r.kind === 'in-reply-to')
        lacks(
          entry.includes(`ref="${r.subject}"`) && entry.includes('<thr:in-reply-to'),
          `Atom: ${of} has no thr:in-reply-to (RFC 4685)`,
        );
      lacks(JSON.stringify(jitem ?? {}).includes(r.subject), `JSON Feed: ${of} does not name ${r.subject}`);
      // A JSON Feed item may go without a title; one it has must say something.
      lacks(
        jitem?.title === undefined || readable(String(jitem.title)),
        `JSON Feed: ${of} has an unreadable title`,
      );
      lacks(
        !!String(jitem?.content_html ?? jitem?.content_text ?? '').trim(),
        `JSON Feed: ${of} has no content`,
      );
      if (r.kind !== 'in-reply-to')
        lacks(jitem?.external_url === r.subject, `JSON Feed: ${of} has no external_url`);
    }
    expect.soft(lacking, 'what feeds say about replies, likes, bookmarks and reposts').toEqual([]);
  },
};
