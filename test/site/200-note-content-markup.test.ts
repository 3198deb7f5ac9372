/**
 * Issue #16, items 13 and 18. The owner's own links in their own notes carry no rel="nofollow ugc"
 * (those markers are for content from someone else), and an <img> without alt that a Micropub
 * client sent in HTML content gets alt="" so every page stays valid HTML. HTML cached by an
 * earlier version is rendered again when next shown.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let token: string;
beforeEach(() => {
  t = createTestApp();
  token = t.app.services.tokens.mintToken({
    me: t.config.adminMe,
    clientId: 'https://client.example/',
    scope: 'create',
    expiresInSeconds: null,
  }).token;
});
afterEach(() => t.close());

const micropub = (properties: Record<string, unknown[]>) =>
  t.request('/micropub', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: ['h-entry'], properties }),
  });

/** Every <a …> and <img …> tag inside the notes' e-content on a page. */
async function contentTags(path: string): Promise<string[]> {
  const html = await (await t.get(path)).text();
  const contents = [...html.matchAll(/<div class="e-content">([\s\S]*?)<\/div>/g)].map((m) => m[1]!);
  return contents.flatMap((c) => [...c.matchAll(/<(?:a|img)\b[^>]*>/g)].map((m) => m[0]));
}

describe("the owner's links", () => {
  it('carry no nofollow or ugc, from Markdown and from Micropub HTML', async () => {
    t.notes.createNote({
      slug: 'md',
      content: 'See [the spec](https://www.w3.org/TR/micropub/) and <https://indieweb.org/>.',
    });
    expect(
      (
        await micropub({
          content: [{ html: '<p><a href="https://example.org/">there</a></p>' }],
          'mp-slug': ['html'],
        })
      ).status,
    ).toBe(201);
    for (const path of ['/', '/notes/md', '/notes/html']) {
      const links = (await contentTags(path)).filter((tag) => tag.startsWith('<a'));
      expect(links.length, path).toBeGreaterThan(0);
      for (const link of links) expect(link, path).not.toMatch(/nofollow|ugc/);
    }
  });

  it('lose the markers an earlier version cached, when next shown', async () => {
    const note = t.notes.createNote({ slug: 'old', content: '[out](https://example.org/)' });
    // What the previous version cached and marked current for this content.
    t.db
      .prepare('UPDATE notes SET content_html = ?, html_hash = content_hash WHERE id = ?')
      .run('<p><a href="https://example.org/" rel="nofollow ugc noopener">out</a></p>\n', note.id);
    expect(await contentTags('/notes/old')).toEqual(['<a href="https://example.org/">']);
    const row = t.db.prepare('SELECT content_html FROM notes WHERE id = ?').get(note.id) as {
      content_html: string;
    };
    expect(row.content_html).not.toContain('nofollow');
  });
});

describe('an image without alt from a Micropub client', () => {
  it('gets alt="" on the home page and the note page', async () => {
    const html = '<p>Look: <img src="https://photos.example/cat.jpg"></p>';
    expect((await micropub({ content: [{ html }], 'mp-slug': ['cat'] })).status).toBe(201);
    for (const path of ['/', '/notes/cat']) {
      const images = (await contentTags(path)).filter((tag) => tag.startsWith('<img'));
      expect(images, path).toHaveLength(1);
      expect(images[0], path).toMatch(/ alt=""/);
    }
  });

  it('gets alt="" when HTML cached by an earlier version had none', async () => {
    const note = t.notes.createNote({ slug: 'old-img', content: '<img src="https://photos.example/a.jpg">' });
    t.db
      .prepare('UPDATE notes SET content_html = ?, html_hash = content_hash WHERE id = ?')
      .run('<img src="https://photos.example/a.jpg" loading="lazy" />', note.id);
    const [image] = await contentTags('/notes/old-img');
    expect(image).toMatch(/ alt=""/);
  });
});
