/**
 * Issue 25, writing item 5: the media library names and links the notes using each file (with the
 * description each note gives it), shows every file's own description, and lists the pictures the
 * settings hold (author photo, site icon, social image), which it used to leave out.
 */
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, postMultipart, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { saveSettings } from '../helpers/settings.js';

let t: TestApp;
let admin: Admin;
beforeEach(async () => {
  t = createTestApp();
  admin = await signIn(t);
});
afterEach(() => t.close());

const png = (size: number) =>
  sharp({ create: { width: size, height: size, channels: 3, background: '#0a6' } })
    .png()
    .toBuffer();

async function upload(name: string, alt: string): Promise<string> {
  const form = new FormData();
  form.set('file', new File([new Uint8Array(await png(60))], name, { type: 'image/png' }));
  form.set('alt', alt);
  const res = await postMultipart(t, admin, '/admin/media/upload', form);
  expect(res.status).toBe(201);
  return ((await res.json()) as { url: string }).url;
}

const library = async () => (await t.get('/admin/media', { Cookie: admin.cookie })).text();

/** The library's card of the file named `name`. */
function card(html: string, name: string): string {
  const items = html.split('<li class="media-item">').slice(1);
  const found = items.find((i) => i.includes(`${name} ·`));
  expect(found, `a card for ${name}`).toBeDefined();
  return found!;
}

describe('the media library', () => {
  it('names and links the notes using a file, with the description each gives it', async () => {
    const used = await upload('harbour.png', 'Boats in the harbour');
    const unused = await upload('spare.png', '');
    const photoNote = t.notes.createNote({
      name: 'Harbour at <dusk>',
      content: 'Evening.',
      photos: [{ url: used, alt: 'The harbour at dusk' }],
    });
    const draft = t.notes.createNote({
      content: `A draft showing it inline: ![x](${used})`,
      published: false,
    });

    const html = await library();
    const c = card(html, 'harbour.png');
    expect(c).toContain('<span class="media-label">Description:</span> Boats in the harbour');
    expect(c).toContain(`<a href="/admin/edit/${photoNote.id}">Harbour at &lt;dusk&gt;</a>`);
    expect(c).toContain('described as “The harbour at dusk”');
    expect(c).toContain(`<a href="/admin/edit/${draft.id}">A draft showing it inline`);
    expect(c).toContain('badge-draft');
    expect(c).toContain('badge-published');
    expect(c).toMatch(/<button[^>]*disabled[^>]*>Delete<\/button>|<button[^>]*disabled/);

    const s = card(html, 'spare.png');
    expect(s).toContain('No description.');
    expect(s).toContain('Not used by any note.');
    expect(s).not.toContain('/admin/edit/');
    expect(unused).toMatch(/^\/media\//);

    // A note in the trash still holds the file, and says where it is.
    t.notes.trashNote(photoNote.id);
    expect(card(await library(), 'harbour.png')).toMatch(
      /<a href="\/admin\?filter=trash">Harbour at &lt;dusk&gt;<\/a> <span class="badge badge-trash">/,
    );
  });

  it('lists the pictures the settings hold, linked to the settings', async () => {
    expect(await library()).not.toContain('Site pictures');
    const saved = await saveSettings(
      t,
      admin,
      {},
      { author_photo: await png(600), site_icon: await png(600), social_image: await png(1300) },
    );
    expect(saved.status).toBe(303);
    const settings = t.app.services.settings.current().settings;
    const html = await library();
    expect(html).toContain('<h2 id="site-pictures">Site pictures</h2>');
    const section = html.slice(html.indexOf('id="site-pictures"'), html.indexOf('<h2>Uploads</h2>'));
    expect(section).toContain(
      `src="${settings.authorPhoto.replace(/-512\.jpg$/, '-192.jpg')}" alt="Author photo"`,
    );
    expect(section).toContain(`src="/media/site/icon-${settings.icon}-192.png" alt="Site icon"`);
    expect(section).toContain(`src="${settings.socialImage}" alt="Social image"`);
    expect(section.match(/used by the <a href="\/admin\/settings">settings<\/a>/g)).toHaveLength(3);
    // Each picture it shows is really there.
    for (const src of [...section.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]!))
      expect((await t.get(src)).status, src).toBe(200);
  });
});
