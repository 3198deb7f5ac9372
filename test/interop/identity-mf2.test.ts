import { mf2 } from 'microformats-parser';
import * as parse5 from 'parse5';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { photoLike } from '../helpers/images.js';
import { MF2PY_PYTHON, parseWithMf2py, saveSettings } from '../helpers/settings.js';

const SITE = 'https://ada.example/';
const MASTODON = 'https://mastodon.example/@ada';

let t: TestApp;
let admin: Admin;
let photo: string;
beforeEach(async () => {
  t = createTestApp({ SITE_URL: SITE });
  admin = await signIn(t);
  const res = await saveSettings(
    t,
    admin,
    {
      author_name: 'Ada Lovelace',
      author_note: 'Writes about engines.',
      rel_me: `${MASTODON}\nhttps://github.com/ada\nmailto:ada@example.com`,
    },
    { author_photo: await photoLike(600, 600).png().toBuffer() },
  );
  expect(res.status).toBe(303);
  photo = `${SITE.slice(0, -1)}${t.app.services.settings.current().settings.authorPhoto}`;
  t.notes.createNote({ content: 'Hello from the engine room', slug: 'hello' });
});
afterEach(() => t.close());

type Item = { type: string[]; properties: Record<string, unknown[]>; children?: Item[] };
type Parsed = { items: Item[]; rels: Record<string, string[]> };

const PARSERS: [string, (html: string, url: string) => Parsed][] = [
  ['microformats-parser', (html, url) => mf2(html, { baseUrl: url }) as unknown as Parsed],
];
if (MF2PY_PYTHON) PARSERS.push(['mf2py', (html, url) => parseWithMf2py(html, url) as Parsed]);

function expectCompleteCard(card: Item | undefined, where: string) {
  expect(card?.type, where).toContain('h-card');
  const p = card!.properties;
  expect(p.name, where).toEqual(['Ada Lovelace']);
  expect(
    String(
      p.photo?.[0] && typeof p.photo[0] === 'object' ? (p.photo[0] as { value: string }).value : p.photo?.[0],
    ),
    where,
  ).toMatch(/^https:\/\/ada\.example\/media\/site\/author-[a-f0-9]+-\d+\.jpg$/);
  expect(p.url, where).toContain(SITE);
  expect(p.url, where).toContain(MASTODON);
  expect(p.url, where).toContain('https://github.com/ada');
  expect(p.note, where).toEqual(['Writes about engines.']);
}

describe('the author h-card, parsed as IndieWeb readers parse it', () => {
  it('mf2py is available (python3-mf2py), so both parsers run', () => {
    // The Debian package python3-mf2py provides it; without it only microformats-parser would run.
    expect(MF2PY_PYTHON, 'install python3-mf2py (apt) to run the mf2py half of these tests').toBeDefined();
  });

  for (const [name, parse] of PARSERS) {
    it(`home page: the h-feed's author and the page's h-card are complete (${name})`, async () => {
      const html = await (await t.get('/')).text();
      const doc = parse(html, SITE);
      const feed = doc.items.find((i) => i.type.includes('h-feed'))!;
      expectCompleteCard(feed.properties.author?.[0] as Item, 'h-feed author');
      expectCompleteCard(
        doc.items.find((i) => i.type.includes('h-card')),
        'top-level h-card',
      );
      for (const u of [MASTODON, 'https://github.com/ada', 'mailto:ada@example.com'])
        expect(doc.rels.me).toContain(u);
    });

    it(`note page: the h-entry's author h-card is complete (${name})`, async () => {
      const html = await (await t.get('/notes/hello')).text();
      const doc = parse(html, `${SITE}notes/hello`);
      const entry = doc.items.find((i) => i.type.includes('h-entry'))!;
      expectCompleteCard(entry.properties.author?.[0] as Item, 'h-entry author');
      expectCompleteCard(
        doc.items.find((i) => i.type.includes('h-card')),
        'top-level h-card',
      );
      expect(doc.rels.me).toContain(MASTODON);
    });
  }

  it('the photo is the uploaded one', () => {
    expect(photo).toMatch(/-512\.jpg$/);
  });

  it('no author link is hidden: the hidden card holds only <data>, and every link is visible', async () => {
    for (const path of ['/', '/notes/hello']) {
      const html = await (await t.get(path)).text();
      for (const hidden of html.match(/<[a-z]+[^>]*\shidden[^>]*>[\s\S]*?<\/div>/g) ?? []) {
        expect(hidden).not.toMatch(/<(a|button|input|select|textarea)\b|tabindex/);
      }
    }
  });
});

/**
 * Mastodon marks a profile link verified (app/services/verify_link_service.rb and
 * app/models/account/field.rb in mastodon/mastodon) when: the field's value is an https URL with
 * a host and no user or password; a GET of it (Accept: text/html) answers 200 with at most 1 MB
 * of body; and among its <a> and <link> elements whose rel attribute, split on whitespace,
 * holds the token "me", one has an href equal, ignoring case, to the profile's URL
 * (https://host/@name). These checks are applied here to what StarPunk serves.
 */
function mastodonVerifies(
  fieldValue: string,
  status: number,
  type: string,
  body: string,
  profile: string,
): string[] {
  const problems: string[] = [];
  const u = new URL(fieldValue);
  if (u.protocol !== 'https:') problems.push('the site address is not https');
  if (u.username || u.password) problems.push('the site address has a user or password');
  if (!u.hostname || u.hostname !== u.hostname.toLowerCase()) problems.push('the host is not normalised');
  if (status !== 200) problems.push(`the page answered ${status}`);
  if (!type.startsWith('text/html')) problems.push(`the page is ${type}`);
  if (Buffer.byteLength(body) > 1024 * 1024) problems.push('the page is over 1 MB');
  const meLinks: { tag: string; href: string }[] = [];
  const walk = (node: parse5.DefaultTreeAdapterMap['node']) => {
    if ('tagName' in node && (node.tagName === 'a' || node.tagName === 'link')) {
      const attr = (n: string) => node.attrs.find((a) => a.name === n)?.value;
      const rel = ` ${(attr('rel') ?? '').trim().split(/\s+/).join(' ')} `;
      if (rel.includes(' me ')) meLinks.push({ tag: node.tagName, href: attr('href') ?? '' });
    }
    if ('childNodes' in node) for (const c of node.childNodes) walk(c);
  };
  walk(parse5.parse(body));
  if (!meLinks.some((l) => l.href.toLowerCase() === profile.toLowerCase())) {
    problems.push(
      `no <a rel="me"> or <link rel="me"> to ${profile} (found: ${meLinks.map((l) => l.href).join(', ')})`,
    );
  }
  return problems;
}

describe('rel-me round trip with Mastodon', () => {
  it('every public page passes Mastodon’s link verification for the saved profile URL', async () => {
    for (const path of ['/', '/notes/hello', '/tag/none-such', '/search']) {
      const res = await t.get(path, { Accept: 'text/html' });
      if (res.status === 404) continue;
      const body = await res.text();
      expect(
        mastodonVerifies(
          `${SITE.slice(0, -1)}${path}`,
          res.status,
          res.headers.get('content-type') ?? '',
          body,
          MASTODON,
        ),
      ).toEqual([]);
      // Both forms are there: <link rel="me"> in the head, <a rel="me"> people see in the footer.
      expect(body).toContain(`<link rel="me" href="${MASTODON}"/>`);
      expect(body).toMatch(new RegExp(`<a class="u-url" href="${MASTODON}" rel="me">`));
    }
  });

  it('the profile URL is kept exactly as saved (Mastodon compares the whole string)', async () => {
    const res = await saveSettings(t, admin, { rel_me: 'https://Mastodon.example/@Ada' });
    expect(res.status).toBe(303);
    const body = await (await t.get('/')).text();
    expect(mastodonVerifies(SITE, 200, 'text/html', body, 'https://mastodon.example/@ada')).toEqual([]);
    expect(body).toContain('href="https://Mastodon.example/@Ada"');
    expect(mastodonVerifies(SITE, 200, 'text/html', body, 'https://mastodon.example/@ada/')).not.toEqual([]);
  });

  it('the other way: a Mastodon profile page whose verified field links here names this site with rel="me"', () => {
    // How Mastodon renders a profile field holding this site's address (rel includes "me").
    const profile = `<html><body><div class="account__header__fields"><dl><dt>Web</dt><dd><a href="${SITE}" target="_blank" rel="nofollow noopener noreferrer me" translate="no"><span class="invisible">https://</span><span>ada.example/</span></a></dd></dl></div></body></html>`;
    for (const [, parse] of PARSERS) expect(parse(profile, MASTODON).rels.me).toContain(SITE);
  });
});
