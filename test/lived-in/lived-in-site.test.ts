/**
 * A lived-in site survives everything (issue #20). One site is built through public interfaces
 * only, with every feature at once (parts/: settings with all three pictures, syndication
 * accounts, every kind of post, pages and the menu, Webmentions both ways with a second real
 * StarPunk, tokens, the doctor). Every public answer, the admin's lists and the doctor's report
 * are recorded; then, one step at a time, the site is disturbed and recorded again, and only what
 * the step should change may change:
 *
 *   1. a plain restart (SIGTERM, start);
 *   2. a SIGTERM while copies to Mastodon and Bluesky are in flight, then a start: they resume by
 *      themselves and nothing is posted twice;
 *   3. `backup` → `restore` into a new directory (nothing copied by hand) and serving it, then a
 *      note copied to both services from the restored site;
 *   4. `export` → `import` into a fresh site, served at the same address;
 *   5. a second site, started empty and connected to the same Mastodon and Bluesky accounts,
 *      publishing and trashing its own notes: nothing of the first site's copies is touched;
 *   and `starpunk doctor` clean after each (parts/doctor.ts, in every record).
 *
 * Every part's facts (`check`) are asserted on every record, so a step that breaks a feature
 * fails there even when the step's own comparison cannot see it.
 *
 * Run: npx vitest run --config vitest.browser.config.ts test/lived-in/
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../browser/setup.js';
import { killAll } from '../faults/harness.js';
import { BSKY, startMastodon, startPds } from './fakes.js';
import { freePort, PASSWORD, Site, waitFor } from './harness.js';
import { HEALTHY } from './parts/doctor.js';
import { PARTS } from './parts/index.js';
import { BUSY, noteIds, settle } from './parts/posts.js';
import { AUTHOR, SITE_NAME } from './parts/settings.js';
import { differences, type Recording, recordSite, type View } from './record.js';
import { picture, type World } from './world.js';

let w: World;
/** The record every step is compared with (replaced when a step adds something on purpose). */
let ref: Recording;
let built = false;

/** Records the world's site, once nothing it started is still working. */
async function record(site: Site = w.site): Promise<Recording> {
  await settle(site);
  return recordSite(site, async (r) => {
    for (const part of PARTS) await part.snapshot?.(w, r);
  });
}

/** Every part's facts about a record (soft: every broken fact is reported). */
function checkAll(rec: Recording, skip: string[] = []): void {
  for (const part of PARTS) if (!skip.includes(part.name)) part.check?.(rec, w);
}

/**
 * What publishing one note (with no tags) may change: the lists that show notes (home and its
 * older pages, the archive's months and pages, feeds, sitemap, the OPML's date of the newest note, Micropub's list of posts, the
 * admin's note lists and copies), and the note's own pages.
 */
function newNote(slug: string, id: number | undefined) {
  const lists =
    /^(GET \/(\?.*)?$|GET \/archive(\/|\?|$)|GET \/feed|GET \/sitemap\.xml$|GET \/opml\.xml$|ADMIN \/admin(\?.*)?$|ADMIN \/admin\/syndication$|MICROPUB q=source)/;
  return (key: string) =>
    lists.test(key) ||
    key === `GET /notes/${slug}` ||
    (id !== undefined && new RegExp(`^ADMIN /admin/(edit|notes|preview)/${id}(/|$)`).test(key));
}

/**
 * How an imported site is compared with the one it came from. An import writes every note anew,
 * so ids of notes, pages and mentions are the new site's own: admin pages addressed by id are
 * left out (their lists are compared), and ids inside the home page's `?before=<time>-<id>`
 * cursors and admin links are normalised. Credentials never travel in an export
 * (docs/backup.md): tokens, and the connected accounts with their secrets (so the editor's "Copy
 * to" boxes, Micropub's syndicate-to list and the Follow page's accounts too), nor does the
 * fediverse identity (the actor's keys, followers and deliveries: docs/activitypub.md). Everything
 * else must come back as it was.
 */
const asImported: View = (key, a) => {
  if (
    /^ADMIN \/admin\/(edit|notes|preview|pages)\/\d+/.test(key) ||
    /^ADMIN \/admin\/(tokens|syndication|activitypub)$/.test(key) ||
    key.startsWith('ACTIVITYPUB ')
  )
    return undefined;
  const ids = (t: string) =>
    t
      .replace(/(before=\d+)-\d+/g, '$1-{id}')
      .replace(/\/admin\/(edit|notes|preview|pages|webmentions)\/\d+/g, '/admin/$1/{id}')
      .replace(/id="mention-\d+"/g, 'id="mention-{id}"')
      .replace(/<fieldset class="syndication-field">[\s\S]*?<\/fieldset>/g, '')
      .replace(/<section aria-labelledby="follow-accounts">[\s\S]*?<\/section>/g, '')
      .replace(/How to follow ([^"]*): feeds( and accounts elsewhere)?\./g, 'How to follow $1: {ways}.')
      .replace(/ in a feed reader(, or from an account you already have\.|\.)/g, ' in a feed reader{ways}');
  let body = ids(a.body);
  // Orders that follow ids or "last changed" (which an import resets), not anything a reader
  // sees: the sitemap (by id) and the moderation lists (by last change). Compared as sets.
  if (key === 'GET /sitemap.xml') body = sortBlocks(body, /<url>[\s\S]*?<\/url>/g);
  if (key.startsWith('ADMIN /admin/webmentions')) body = sortBlocks(body, /<tr id="mention[\s\S]*?<\/tr>/g);
  if (key === 'MICROPUB q=config')
    body = body.replace(/\n "syndicate-to": (\[\]|\[[\s\S]*?\n \])/, '\n "syndicate-to": "{accounts}"');
  return [ids(key), { ...a, body, location: ids(a.location), link: ids(a.link) }];
};

/** `text` with the blocks `re` finds put in sorted order (each stays whole). */
function sortBlocks(text: string, re: RegExp): string {
  const blocks = text.match(re) ?? [];
  const sorted = [...blocks].sort();
  let i = 0;
  return text.replace(re, () => sorted[i++]!);
}

/** Connects the world's Mastodon and Bluesky accounts to `site` over HTTP, as the admin's forms do. */
async function connectAccounts(site: Site): Promise<void> {
  const start = await site.postForm('/admin/syndication/mastodon/connect', { server: w.mastodon.url });
  expect(start.status).toBe(303);
  const approved = await fetch(start.headers.get('location')!, { redirect: 'manual' });
  const back = new URL(approved.headers.get('location')!);
  const done = await site.admin(back.pathname + back.search);
  expect(done.headers.get('location')).toBe('/admin/syndication?flash=connected');
  const bsky = await site.postForm('/admin/syndication/bluesky/connect', {
    handle: BSKY.handle,
    app_password: BSKY.password,
    service: w.pds.url,
  });
  expect(bsky.headers.get('location')).toBe('/admin/syndication?flash=connected');
}

/** The u-syndication links of a public note page. */
async function copiesOf(site: Site, path: string): Promise<string[]> {
  const html = await (await site.fetch(path)).text();
  return [...html.matchAll(/<a class="u-syndication" href="([^"]+)"/g)].map((m) =>
    m[1]!.replace(/&amp;/g, '&'),
  );
}

/** The remote errors the admin shows for copies, for failure messages. */
async function copyErrors(site: Site): Promise<string[]> {
  const html = await (await site.admin('/admin/syndication')).text();
  return [...html.matchAll(/<dd class="remote-error">([^<]*)<\/dd>/g)].map((m) => m[1]!);
}

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'starpunk-lived-in-'));
  const [mastodon, pds, browser, sitePort, partnerPort] = await Promise.all([
    startMastodon(),
    startPds(),
    launchBrowser(),
    freePort(),
    freePort(),
  ]);
  const site = new Site('site', join(root, 'site', 'data'), sitePort, {
    // First-run defaults from the environment; the owner's settings must win everywhere.
    SITE_NAME: 'Name From The Environment',
    SITE_AUTHOR: 'Author From The Environment',
  });
  const partner = new Site('neighbour', join(root, 'neighbour', 'data'), partnerPort, {
    SITE_NAME: 'The Neighbour',
    SITE_AUTHOR: 'Bea Neighbour',
  });
  const context = await browser.newContext();
  w = {
    root,
    site,
    partner,
    mastodon,
    pds,
    browser,
    page: await context.newPage(),
    token: '',
    partnerToken: '',
    made: {},
  };
  // Both sites: a password and a Micropub token from the CLI, then `serve`.
  const [token, partnerToken] = await Promise.all(
    [site, partner].map(async (s) => {
      await s.setPassword();
      const t = await s.mintToken('create update delete media', 'https://lived-in.example/micropub-client');
      await s.start();
      await s.signIn();
      return t;
    }),
  );
  w.token = token!;
  w.partnerToken = partnerToken!;

  // The neighbour has a name and a photo (mentions from her carry them), and notes to answer.
  const form = new FormData();
  for (const [k, v] of Object.entries({
    site_name: 'The Neighbour',
    language: 'en',
    posts_per_page: '10',
    author_name: 'Bea Neighbour',
  }))
    form.set(k, v);
  form.set(
    'author_photo',
    new File([readFileSync(await picture(w, 'bea.jpg', 300, 300))], 'bea.jpg', { type: 'image/jpeg' }),
  );
  expect((await partner.postForm('/admin/settings', form)).status).toBe(303);
  const note = async (slug: string, props: Record<string, unknown[]>) =>
    partner.url(await partner.publish(w.partnerToken, { ...props, 'mp-slug': [slug] }));
  w.made.bReply = await note('first-programmable', {
    content: ['Looms were the first programmable machines.'],
  });
  w.made.bLike = await note('spinning-wheel', { content: ['My spinning wheel, restored at last.'] });
  w.made.bBookmark = await note('warping-guide', {
    name: ['A guide to warping a loom'],
    content: ['Step one: measure.'],
  });
  w.made.bRepost = await note('meetup', { content: ['Weaving meetup on Saturday!'] });
  w.made.bMention = await note('natural-dyes', {
    content: ['Notes on natural dyes: onion skins give gold.'],
  });

  // The owner signs in to the admin in Chromium.
  await w.page.goto(site.url('/auth/login'));
  await w.page.locator('#password').fill(PASSWORD);
  await Promise.all([
    w.page.waitForURL((u) => u.pathname === '/admin'),
    w.page.getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
}, 120_000);

afterAll(async () => {
  if (!w) return;
  for (const s of [w.site, w.partner]) {
    if (s.server && process.env.LIVED_IN_LOGS) console.log(`--- ${s.name}\n${s.output()}`);
  }
  await w.browser?.close();
  await killAll();
  await w.mastodon?.close();
  await w.pds?.close();
  rmSync(w.root, { recursive: true, force: true });
});

describe.sequential('a lived-in site', () => {
  it('is built through public interfaces, one part after another', async () => {
    for (const part of PARTS) {
      try {
        await part.build(w);
      } catch (err) {
        throw new Error(
          `building the part "${part.name}" failed: ${(err as Error).message}\n${w.site.output().slice(-3000)}`,
          {
            cause: err,
          },
        );
      }
    }
    built = true;
  }, 300_000);

  it('is recorded; two records in a row agree, and every part’s facts hold', async () => {
    expect(built).toBe(true);
    ref = await record();
    expect(ref.answers.size).toBeGreaterThan(100);
    // The record itself is stable: whatever differs here is not normalised yet (a harness fault).
    expect(differences(ref, await record()), 'two records of an untouched site').toEqual([]);
    checkAll(ref);
  }, 120_000);

  it('step 1: a plain restart changes nothing', async () => {
    expect(built).toBe(true);
    expect.soft(await w.site.stop(), 'exit code after SIGTERM').toBe(0);
    await w.site.start();
    const after = await record();
    expect.soft(differences(ref, after), 'what a restart changed').toEqual([]);
    checkAll(after);
    ref = after;
  }, 120_000);

  it('step 2: a SIGTERM while copies are in flight; after the start they finish, and nothing is posted twice', async () => {
    expect(built).toBe(true);
    const text = 'Posted just before the restart.';
    // Both services store the post, but their answers never arrive: the process is stopped meanwhile.
    w.mastodon.control.onHold = () => {};
    w.pds.control.onHold = () => {};
    const path = await w.site.publish(w.token, {
      content: [text],
      'mp-slug': ['before-restart'],
      'mp-syndicate-to': [w.made.mastodonUid!, w.made.blueskyUid!],
    });
    await waitFor(
      'both services to hold the post',
      () => w.mastodon.control.held.length === 1 && w.pds.control.held.length === 1,
    );
    const exited = w.site.terminate();
    await waitFor('the server to begin shutting down', () => w.site.output().includes('shutting down'));
    w.mastodon.dropHeld();
    w.pds.dropHeld();
    expect.soft(await exited, 'exit code after SIGTERM').toBe(0);
    await w.site.start();
    // Nobody presses Retry: the queue takes the copies up again after its first backoff (~30 s).
    await waitFor(
      'the interrupted copies to finish after the start',
      async () => (await copiesOf(w.site, path)).length === 2,
      90_000,
    );
    expect.soft(w.mastodon.statusesWith(text).length, 'statuses on Mastodon').toBe(1);
    expect.soft(w.pds.postsWith(text).length, 'posts on Bluesky').toBe(1);
    const links = await copiesOf(w.site, path);
    expect
      .soft(links.map((l) => w.mastodon.statusAt(l)?.text ?? w.pds.recordAt(l)?.value.text))
      .toEqual([text, text]);
    const ids = await noteIds(w.site);
    const after = await record();
    expect
      .soft(differences(ref, after, newNote('before-restart', ids['before-restart'])), 'what else changed')
      .toEqual([]);
    checkAll(after);
    ref = after;
  }, 180_000);

  it('step 3: backup → restore into a new directory serves the same site, which still copies to both services', async () => {
    expect(built).toBe(true);
    // Online, as the nightly cron job takes it; then the machine is gone.
    const backup = await w.site.cli(['backup']);
    expect(backup.code, backup.stderr).toBe(0);
    const archive = /backup written to (\S+)/.exec(backup.stdout)![1]!;
    expect.soft(await w.site.stop(), 'exit code after SIGTERM').toBe(0);
    // The new machine: an empty directory, the archive, the same configuration. Nothing else.
    const restored = new Site('restored', join(w.root, 'restored', 'data'), w.site.port, w.site.env);
    mkdirSync(restored.dataDir, { recursive: true });
    restored.cookie = w.site.cookie;
    const r = await restored.cli(['restore', archive]);
    expect(r.code, r.stderr).toBe(0);
    await restored.start();
    w.site = restored;
    // Admin sessions live in the database: the owner is still signed in (docs/backup.md).
    const dash = await restored.admin('/admin');
    expect.soft(dash.status, 'the admin session survives the restore').toBe(200);
    if (dash.status !== 200) await restored.signIn();
    const after = await record();
    expect.soft(differences(ref, after), 'what the restore changed').toEqual([]);
    checkAll(after);

    // The first note written on the new machine is copied to both services.
    const text = 'Written on the new machine.';
    const path = await restored.publish(w.token, {
      content: [text],
      'mp-slug': ['new-machine'],
      'mp-syndicate-to': [w.made.mastodonUid!, w.made.blueskyUid!],
    });
    await settle(restored);
    const errors = await copyErrors(restored);
    expect
      .soft(w.mastodon.statusesWith(text).length, `on Mastodon (remote errors: ${errors.join(' | ')})`)
      .toBe(1);
    expect.soft(w.pds.postsWith(text).length, `on Bluesky (remote errors: ${errors.join(' | ')})`).toBe(1);
    expect.soft((await copiesOf(restored, path)).length, 'the note links both copies').toBe(2);
    const ids = await noteIds(restored);
    const next = await record();
    expect
      .soft(differences(after, next, newNote('new-machine', ids['new-machine'])), 'what else changed')
      .toEqual([]);
    ref = next;
  }, 180_000);

  it('step 4: export → import into a fresh site serves the same public site', async () => {
    expect(built).toBe(true);
    const exp = await w.site.cli(['export', '--out', join(w.root, 'exports')]);
    expect(exp.code, exp.stderr).toBe(0);
    const dir = / to (\S+)\n/.exec(exp.stdout)![1]!;
    // The export's JSON Feed speaks with the owner's settings, not the environment's defaults.
    const feed = JSON.parse(readFileSync(join(dir, 'feed.json'), 'utf8')) as {
      title?: string;
      authors?: { name?: string }[];
    };
    expect.soft(feed.title, 'feed.json title in the export').toBe(SITE_NAME);
    expect.soft(feed.authors?.[0]?.name, 'feed.json author in the export').toBe(AUTHOR);

    const home = w.site;
    expect.soft(await home.stop(), 'exit code after SIGTERM').toBe(0);
    const fresh = new Site('imported', join(w.root, 'imported', 'data'), home.port, home.env);
    mkdirSync(fresh.dataDir, { recursive: true });
    const imp = await fresh.cli(['import', dir]);
    expect(imp.code, `${imp.stdout}${imp.stderr}`).toBe(0);
    await fresh.setPassword();
    // The Micropub client signs in to the new site again (tokens do not travel).
    const token = w.token;
    w.token = await fresh.mintToken('create update delete media', 'https://lived-in.example/micropub-client');
    await fresh.start();
    await fresh.signIn();
    w.site = fresh;
    try {
      const after = await record();
      expect
        .soft(
          differences(ref, after, () => false, asImported),
          'what export → import changed',
        )
        .toEqual([]);
      checkAll(after, ['syndication accounts', 'tokens', 'webmentions sent']);
    } finally {
      // Back to the restored site, which step 5 compares with its record of step 3.
      w.site = home;
      w.token = token;
      await fresh.stop();
      await home.start();
    }
  }, 180_000);

  it('step 5: a second site on the same accounts posts and trashes its own notes without touching the first site’s', async () => {
    expect(built).toBe(true);
    const second = new Site('second', join(w.root, 'second', 'data'), await freePort(), {
      SITE_NAME: 'A Second Site',
      SITE_AUTHOR: 'Ada Lived',
    });
    await second.setPassword();
    const token = await second.mintToken('create update delete', 'https://lived-in.example/second-client');
    await second.start();
    await second.signIn();
    // Connected in the same order as the first site: the same account ids.
    await connectAccounts(second);
    const targets = await second.targets(token);

    const text = 'Hello from the second site.';
    const path = await second.publish(token, {
      content: [text],
      'mp-slug': ['hello'],
      'mp-syndicate-to': [targets.Mastodon!, targets.Bluesky!],
    });
    await settle(second);
    const links = await copiesOf(second, path);
    expect.soft(w.mastodon.statusesWith(text).length, 'its own status on Mastodon').toBe(1);
    expect.soft(w.pds.postsWith(text).length, 'its own post on Bluesky').toBe(1);
    expect
      .soft(
        links.map((l) => w.mastodon.statusAt(l)?.text ?? w.pds.recordAt(l)?.value.text),
        'the second site links copies of its own note, never the first site’s',
      )
      .toEqual([text, text]);

    // Trashing it removes its copies, and only them.
    const del = await second.micropub(token, { action: 'delete', url: second.url(path) });
    expect(del.status).toBeLessThan(300);
    await settle(second);
    expect
      .soft(
        [...w.mastodon.statusesWith(text), ...w.pds.postsWith(text)].map((s) => s.deleted),
        'the trashed note’s copies are removed',
      )
      .toEqual([true, true]);

    // Disconnecting an account cancels its queued copies, and the admin says so.
    w.mastodon.control.down = true;
    try {
      await second.publish(token, {
        content: ['Waiting for a server that is down.'],
        'mp-slug': ['waiting'],
        'mp-syndicate-to': [targets.Mastodon!],
      });
      await waitFor('the copy to wait for its next try', async () =>
        /will try again/.test(await (await second.admin('/admin/syndication')).text()),
      );
      const page = await (await second.admin('/admin/syndication')).text();
      const row =
        page.split('<li>').find((li) => li.includes('on Mastodon') && li.includes('/disconnect')) ?? '';
      const id = /accounts\/(\d+)\/disconnect/.exec(row)![1]!;
      const gone = await second.postForm(`/admin/syndication/accounts/${id}/disconnect`, {});
      const shown = await (
        await second.admin(gone.headers.get('location') ?? '/admin/syndication', gone)
      ).text();
      expect
        .soft(BUSY.test(shown) ? 'still queued' : 'cancelled', 'the disconnected account’s copy')
        .toBe('cancelled');
      expect
        .soft(
          /<(p|div) class="flash[^"]*"[^>]*>([\s\S]*?)<\/\1>/.exec(shown)?.[2] ?? '',
          'the admin says the queued copies were cancelled',
        )
        .toMatch(/^Account disconnected; 1 queued copy cancelled\./);
    } finally {
      w.mastodon.control.down = false;
    }
    const doctor = await second.cli(['doctor']);
    expect
      .soft(`exit ${doctor.code}\n${doctor.stdout}${doctor.stderr}`, 'doctor on the second site')
      .toMatch(HEALTHY);
    await second.stop();

    // The first site is exactly as it was, and its copies are all still there (posts' facts).
    const after = await record();
    expect.soft(differences(ref, after), 'what the second site changed on the first').toEqual([]);
    checkAll(after);
  }, 180_000);
});
