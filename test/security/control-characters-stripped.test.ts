/**
 * Finding 9 (low): a note name or tag containing the page template's internal marker
 * (`\u0000main\u0000`) rendered the whole entry inside <title>. The note service now strips control
 * characters on input, for every writer (Micropub, the admin editor, import): C0, DEL and C1 go
 * from names, tags and other single-line values (tab and line breaks become spaces); multi-line
 * text (content, other properties) keeps tab and line breaks and loses the rest.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let token: string;
beforeEach(() => {
  t = createTestApp();
  token = t.app.services.tokens.mintToken({
    me: t.config.adminMe,
    clientId: null,
    scope: 'create update',
    expiresInSeconds: null,
  }).token;
});
afterEach(() => t.close());

const MARKER = '\u0000main\u0000';
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

const micropub = (body: unknown) =>
  t.request('/micropub', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

/** The one <title> of a page; fails when there is not exactly one. */
function titleOf(html: string): string {
  const titles = [...html.matchAll(/<title>([\s\S]*?)<\/title>/g)];
  expect(titles).toHaveLength(1);
  return titles[0]![1]!;
}

describe('a note name or tag carrying the page marker', () => {
  it('leaves the note page, its tag page and the home page with a sane <title>', async () => {
    const res = await micropub({
      type: ['h-entry'],
      properties: {
        name: [`Evil${MARKER}title`],
        content: ['The body text of the entry.'],
        category: [`tag${MARKER}x`],
        'mp-slug': ['evil'],
      },
    });
    expect(res.status).toBe(201);
    const page = await (await t.get('/notes/evil')).text();
    expect(page).not.toMatch(CONTROL);
    const title = titleOf(page);
    expect(title).toContain('Evilmaintitle');
    expect(title).not.toContain('The body text');
    expect(title).not.toContain('<');
    const note = t.notes.getNoteBySlug('evil')!;
    expect(note.name).toBe('Evilmaintitle');
    expect(note.tags.map((x) => x.name)).toEqual(['tagmainx']);
    const tagPage = await (await t.get(`/tag/${encodeURIComponent(note.tags[0]!.key)}`)).text();
    expect(tagPage).not.toMatch(CONTROL);
    expect(titleOf(tagPage)).not.toContain('<');
    const home = await (await t.get('/')).text();
    expect(home).not.toMatch(CONTROL);
    expect(titleOf(home)).not.toContain('<');
  });

  it('q=source gives the properties back without control characters', async () => {
    await micropub({
      type: ['h-entry'],
      properties: {
        name: [`a\u0007b${MARKER}`],
        content: ['x'],
        summary: [`one\u0000\u001b[31m\ntwo\u0085`],
        location: [{ type: ['h-adr'], properties: { locality: [`O\u0000slo`] } }],
        'mp-slug': ['clean'],
      },
    });
    const src = await t.get(
      `/micropub?q=source&url=${encodeURIComponent('http://example.test/notes/clean')}`,
      {
        Authorization: `Bearer ${token}`,
      },
    );
    const text = await src.text();
    expect(text).not.toMatch(/\\u00[01][0-9a-f]|\\u007f|\\u008|\\u009/i);
    const props = (JSON.parse(text) as { properties: Record<string, unknown[]> }).properties;
    expect(props.name).toEqual(['abmain']);
    // Multi-line values keep their line breaks.
    expect(props.summary).toEqual(['one[31m\ntwo']);
    expect(props.location).toEqual([{ type: ['h-adr'], properties: { locality: ['Oslo'] } }]);
  });
});

describe('a title and tag stored before the fix', () => {
  it('are shown cleaned', async () => {
    const note = t.notes.createNote({
      slug: 'legacy',
      name: 'Legacy',
      content: 'Legacy body text.',
      tags: ['old'],
    });
    t.db.prepare('UPDATE notes SET name = ? WHERE id = ?').run(`Legacy${MARKER}title`, note.id);
    t.db.prepare('UPDATE note_tags SET display_name = ? WHERE note_id = ?').run(`old${MARKER}`, note.id);
    const page = await (await t.get('/notes/legacy')).text();
    expect(titleOf(page)).toContain('Legacymaintitle');
    expect(titleOf(page)).not.toContain('Legacy body text');
    expect(page).not.toMatch(CONTROL);
  });
});

describe('content keeps tab and newlines, loses the other control characters', () => {
  it('through Micropub', async () => {
    const res = await micropub({
      type: ['h-entry'],
      properties: {
        content: ['line one\n\tindented\u0000\u0007 two\u007f\u0085\r\nend'],
        'mp-slug': ['body'],
      },
    });
    expect(res.status).toBe(201);
    const note = t.notes.getNoteBySlug('body')!;
    const source = t.notes.getNoteSource(note).content;
    expect(source).toBe('line one\n\tindented two\nend');
    expect(note.properties.content).toEqual([source]);
  });

  it('through the admin editor (name, tags and content)', async () => {
    const admin = await signIn(t);
    const res = await postForm(t, admin, '/admin/new', {
      name: `Admin${MARKER}name\ttab`,
      tags: `one${MARKER}, two\u0085`,
      content: 'text\u0000 with\tTAB\nand newline',
      slug: 'from-admin',
      status: 'publish',
      visibility: 'public',
    });
    expect(res.status).toBe(303);
    const note = t.notes.getNoteBySlug('from-admin')!;
    expect(note.name).toBe('Adminmainname tab');
    expect(note.tags.map((x) => x.name)).toEqual(['onemain', 'two']);
    expect(t.notes.getNoteSource(note).content).toBe('text with\tTAB\nand newline');
    expect(titleOf(await (await t.get('/notes/from-admin')).text())).toContain('Adminmainname tab');
  });
});
