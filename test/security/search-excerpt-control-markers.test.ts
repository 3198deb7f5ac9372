import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

// Issue #13, hardening: search excerpts are built with U+0001/U+0002 around matches, and note
// text holding those characters came out as stray <mark> elements (unbalanced ones included).

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
  t.notes.createNote({
    name: 'Title \u0001not a match\u0002 here \u0002',
    content: 'alpha \u0001beta\u0002 gamma \u0002delta\u0001 epsilon',
  });
  t.notes.createNote({ content: 'untitled \u0001zeta\u0002 gamma \u0001 theta' });
});
afterEach(() => t.close());

/** Every <mark> wraps exactly the searched word, opening and closing tags pair up, no marker is left. */
function expectOnlyRealMarks(html: string, word: string): void {
  const inner = [...html.matchAll(/<mark>(.*?)<\/mark>/g)].map((m) => m[1]);
  expect(inner.length).toBeGreaterThan(0);
  for (const text of inner) expect(text?.toLowerCase()).toBe(word);
  expect(html.split('<mark>').length).toBe(html.split('</mark>').length);
  expect(html).not.toContain('\u0001');
  expect(html).not.toContain('\u0002');
}

describe('note text with the highlight marker characters', () => {
  it('GET /search marks only the matches', async () => {
    const res = await t.get('/search?q=gamma');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('2 notes match.');
    const results = html.slice(html.indexOf('<article'));
    expectOnlyRealMarks(results, 'gamma');
  });

  it('GET /api/search marks only the matches in excerpts', async () => {
    const res = await t.get('/api/search?q=gamma');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: { name: string | null; excerpt_html: string }[] };
    expect(body.results).toHaveLength(2);
    for (const r of body.results) expectOnlyRealMarks(r.excerpt_html, 'gamma');
  });

  it('a search for a word next to a marker still finds and marks it', async () => {
    const body = (await (await t.get('/api/search?q=beta')).json()) as {
      results: { excerpt_html: string }[];
    };
    expect(body.results).toHaveLength(1);
    expectOnlyRealMarks(body.results[0]!.excerpt_html, 'beta');
  });
});
