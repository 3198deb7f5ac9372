import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
  t.notes.createNote({ content: 'Running through the forest at dawn', name: 'Morning run' });
  t.notes.createNote({ content: 'Quiet evening with a book about forests' });
  t.notes.createNote({ content: 'Déjà vu in a café <b>bold</b>' });
});
afterEach(() => t.close());

describe('GET /search', () => {
  it('finds notes with stemming, phrases and prefixes, and marks matches', async () => {
    const html = await (await t.get('/search?q=forests')).text();
    expect(html).toContain('2 notes match.');
    expect(html).toMatch(/<mark>forest<\/mark>/);
    expect(await (await t.get('/search?q=%22evening+with%22')).text()).toContain('1 note matches.');
    expect(await (await t.get('/search?q=morn*')).text()).toContain('1 note matches.');
    expect(await (await t.get('/search?q=deja')).text()).toContain('1 note matches.');
  });

  it('a repeated search sees notes written, edited or deleted since (here or by a scheduled time)', async () => {
    expect(await (await t.get('/search?q=lantern')).text()).toContain('No notes match');
    const note = t.notes.createNote({ content: 'A lantern by the door' });
    expect(await (await t.get('/search?q=lantern')).text()).toContain('1 note matches.');
    t.notes.updateNote(note.id, { content: 'A candle by the door' });
    expect(await (await t.get('/search?q=lantern')).text()).toContain('No notes match');
    t.notes.createNote({ content: 'Scheduled lantern', publishedAt: new Date('2026-11-27T13:00:00Z') });
    expect(await (await t.get('/search?q=lantern')).text()).toContain('No notes match');
    t.clock.set('2026-11-27T13:00:01Z');
    expect(await (await t.get('/search?q=lantern')).text()).toContain('1 note matches.');
  });

  it('lets no markup through from notes or queries except <mark>', async () => {
    t.notes.createNote({ content: 'Beware <img src=x onerror=alert(1)> trap' });
    const html = await (await t.get('/search?q=%3Cscript%3Ealert(1)%3C/script%3E+trap')).text();
    expect(html).not.toMatch(/<script>alert/);
    expect(html).not.toMatch(/<img[^>]*onerror/);
    const body = await (await t.get('/search?q=beware')).text();
    expect(body).not.toMatch(/<img[^>]*onerror/);
  });

  it('answers malformed queries with a friendly message, never a 500', async () => {
    for (const q of ['*', '"', '(((', 'NEAR(', '^', '-', '""', 'a'.repeat(300)]) {
      const res = await t.get(`/search?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBeLessThan(500);
    }
    const res = await t.get('/search?q=*');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Type at least one letter or number');
  });
});

describe('GET /api/search', () => {
  it('returns JSON results with excerpts', async () => {
    const res = await t.get('/api/search?q=forest&limit=1&offset=0');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { total: number; results: { url: string; excerpt_html: string }[] };
    expect(body.total).toBe(2);
    expect(body.results).toHaveLength(1);
    expect(body.results[0]!.url).toMatch(/^http:\/\/example\.test\/notes\//);
    expect(body.results[0]!.excerpt_html).toContain('<mark>');
  });

  it('answers bad parameters with a JSON error', async () => {
    for (const path of [
      '/api/search?q=',
      '/api/search?q=x&limit=0',
      '/api/search?q=x&limit=abc',
      '/api/search?q=x&offset=-1',
      '/api/search?q=*',
    ]) {
      const res = await t.get(path);
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as { error: string; error_description: string };
      expect(body.error).toBe('invalid_request');
      expect(body.error_description.length).toBeGreaterThan(0);
    }
  });
});
