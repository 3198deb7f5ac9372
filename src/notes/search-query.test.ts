import { describe, expect, it } from 'vitest';
import { buildFtsQuery, escapeExcerpt, markExcerpt } from './search-query.js';

describe('buildFtsQuery', () => {
  it('quotes every word and joins them with AND', () => {
    expect(buildFtsQuery('hello world')).toEqual({ ok: true, fts: '"hello" AND "world"' });
  });
  it('keeps phrases and prefixes', () => {
    expect(buildFtsQuery('"déjà vu" caf*')).toEqual({ ok: true, fts: '"déjà vu" AND "caf"*' });
  });
  it('turns FTS syntax into plain words', () => {
    const hostile = [
      'NEAR(a b)',
      'a OR b',
      '-x',
      'col:foo',
      '"unbalanced',
      '^start',
      '*',
      '(((',
      'a"b"c',
      "'; DROP TABLE notes; --",
    ];
    for (const h of hostile) {
      const r = buildFtsQuery(h);
      if (r.ok) expect(r.fts).toMatch(/^("[^"]*"\*?)( AND "[^"]*"\*?)*$/);
    }
    expect(buildFtsQuery('*')).toEqual({
      ok: false,
      message: 'Type at least one letter or number to search.',
    });
  });
  it('refuses overly long queries with a message', () => {
    expect(buildFtsQuery('a'.repeat(201)).ok).toBe(false);
  });
});

describe('markExcerpt', () => {
  it('escapes note text and query and only adds <mark>', () => {
    expect(markExcerpt('<script>x</script> \u0001hit\u0002 & "q"')).toBe(
      '&lt;script&gt;x&lt;/script&gt; <mark>hit</mark> &amp; &quot;q&quot;',
    );
  });
  it('drops a marker without its partner, so the markup is always well-formed', () => {
    expect(markExcerpt('a \u0002b\u0001 \u0001c\u0001d\u0002 e\u0001')).toBe('a b c<mark>d</mark> e');
  });
});

describe('escapeExcerpt', () => {
  it('escapes and marks nothing', () => {
    expect(escapeExcerpt('\u0001<b>\u0002')).toBe('&lt;b&gt;');
  });
});
