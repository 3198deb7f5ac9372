import { describe, expect, it } from 'vitest';
import { AppError } from '../lib/errors.js';
import {
  generateSlug,
  MAX_SLUG_LENGTH,
  nextFreeSlug,
  RESERVED_SLUGS,
  SLUG_PATTERN,
  slugify,
  validateCustomSlug,
} from './slug.js';

const NOW = new Date('2026-11-05T07:08:09.123Z');

describe('SLUG_PATTERN', () => {
  it.each(['a', '1', 'hello', 'hello-world', '2026-11-05', 'a-b-c'])('accepts %s', (s) => {
    expect(SLUG_PATTERN.test(s)).toBe(true);
  });

  it.each(['', '-a', 'a-', 'Hello', 'a_b', 'a b', 'café', 'a/b', 'a.b', '..'])('rejects %j', (s) => {
    expect(SLUG_PATTERN.test(s)).toBe(false);
  });
});

describe('RESERVED_SLUGS', () => {
  it.each([
    'admin',
    'auth',
    'api',
    'feed',
    'feeds',
    'micropub',
    'media',
    'notes',
    'note',
    'search',
    'tag',
    'tags',
    'static',
    'health',
    'metrics',
    'login',
    'logout',
    'opml',
    'well-known',
    'robots',
    'sitemap',
    'favicon',
    'index',
    'new',
    'edit',
  ])('holds %s', (word) => {
    expect(RESERVED_SLUGS.has(word)).toBe(true);
  });

  it('holds only valid slugs', () => {
    for (const word of RESERVED_SLUGS) expect(word).toMatch(SLUG_PATTERN);
  });
});

describe('validateCustomSlug', () => {
  it('trims and lowercases', () => {
    expect(validateCustomSlug('  My-First-Note \n')).toEqual({ ok: true, slug: 'my-first-note' });
  });

  it('accepts a slug of exactly 200 characters', () => {
    const slug = 'a'.repeat(MAX_SLUG_LENGTH);
    expect(validateCustomSlug(slug)).toEqual({ ok: true, slug });
  });

  it('rejects a slug of 201 characters, saying how long it may be', () => {
    const result = validateCustomSlug('a'.repeat(MAX_SLUG_LENGTH + 1));
    expect(result).toEqual({ ok: false, reason: 'The slug is 201 characters long; it may be at most 200.' });
  });

  it('rejects an empty or blank slug', () => {
    for (const input of ['', '   ']) {
      const result = validateCustomSlug(input);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(/empty/);
    }
  });

  it.each([
    '-leading',
    'trailing-',
    'under_score',
    'two words',
    'café',
    'a/b',
    '../etc',
    'dot.ted',
    'emoji-🎉',
  ])('rejects %j with a readable sentence', (input) => {
    const result = validateCustomSlug(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain('is not a valid slug');
      expect(result.reason).toMatch(/^[“A-Z].*\.$/);
    }
  });

  it('rejects reserved words, also when typed in capitals', () => {
    expect(validateCustomSlug('admin')).toEqual({
      ok: false,
      reason: "“admin” is reserved for StarPunk's own pages; choose another slug.",
    });
    expect(validateCustomSlug(' Well-Known ')).toEqual({
      ok: false,
      reason: "“well-known” is reserved for StarPunk's own pages; choose another slug.",
    });
  });

  it('accepts a slug that merely contains a reserved word', () => {
    expect(validateCustomSlug('admin-notes')).toEqual({ ok: true, slug: 'admin-notes' });
  });
});

describe('slugify', () => {
  it.each([
    ['Café déjà vu', 'cafe-deja-vu'],
    ['Straße', 'strasse'],
    ['STRASSE ẞ', 'strasse-ss'],
    ['Ærøskøbing', 'aeroskobing'],
    ['Łódź', 'lodz'],
    ['Œuvre cœur', 'oeuvre-coeur'],
    ['Đorđe Þór Sæmundsson', 'dorde-thor-saemundsson'],
    ['Ðiðrik', 'didrik'],
    ['Iğdır ılık', 'igdir-ilik'],
    ['İstanbul', 'istanbul'],
    ['Ǿrsted', 'orsted'],
    ['Crème brûlée & piña colada', 'creme-brulee-pina-colada'],
    ['ＦＵＬＬ　ｗｉｄｔｈ １２３', 'full-width-123'],
    ['ﬁne ligatures', 'fine-ligatures'],
  ])('folds %j to %j', (text, slug) => {
    expect(slugify(text)).toBe(slug);
  });

  it('turns runs of non-alphanumerics into one hyphen and trims hyphens', () => {
    expect(slugify('  --Hello,   World!! -- (again)?  ')).toBe('hello-world-again');
    expect(slugify('a_b.c/d\\e')).toBe('a-b-c-d-e');
  });

  it('keeps apostrophes inside words from splitting them', () => {
    expect(slugify("Don't stop — it’s fine")).toBe('dont-stop-its-fine');
  });

  it('keeps at most maxWords words (8 by default)', () => {
    expect(slugify('one two three four five six seven eight nine ten')).toBe(
      'one-two-three-four-five-six-seven-eight',
    );
    expect(slugify('one two three four', 2)).toBe('one-two');
    expect(slugify('one two', 0)).toBe('');
  });

  it('stays within 60 characters, cutting between words', () => {
    const slug = slugify('internationalization localization globalization accessibility', 8);
    expect(slug).toBe('internationalization-localization-globalization');
    expect(slug.length).toBeLessThanOrEqual(60);
  });

  it('cuts a single overlong word at 60 characters', () => {
    const slug = slugify('x'.repeat(100));
    expect(slug).toBe('x'.repeat(60));
  });

  it('returns a result that matches SLUG_PATTERN', () => {
    for (const text of ['Hello World', '¿Qué?', '2026: a year', 'a — b', 'x'.repeat(61)]) {
      expect(slugify(text)).toMatch(SLUG_PATTERN);
    }
  });

  it.each(['🎉🎉🎉', '日本語のノート', '—…!?', '', '   ', '👍🏽 ✨'])(
    'returns an empty string for %j',
    (text) => {
      expect(slugify(text)).toBe('');
    },
  );

  it('keeps the ASCII words among emoji and CJK', () => {
    expect(slugify('🎉 Launch day 日本語 2026')).toBe('launch-day-2026');
  });
});

describe('generateSlug', () => {
  it('uses the title when there is one', () => {
    expect(generateSlug({ name: 'My Trip to Łódź', content: 'Ignored body', now: NOW })).toBe(
      'my-trip-to-lodz',
    );
  });

  it('uses the first eight words of the content when there is no title', () => {
    expect(
      generateSlug({
        name: null,
        content: 'Just set up my new site and it is working great today',
        now: NOW,
      }),
    ).toBe('just-set-up-my-new-site-and-it');
  });

  it('treats a blank title as no title', () => {
    expect(generateSlug({ name: '   ', content: 'Body words', now: NOW })).toBe('body-words');
  });

  it('falls back to the content when the title has no letters or digits', () => {
    expect(generateSlug({ name: '🎉🎉', content: 'Party time', now: NOW })).toBe('party-time');
  });

  it('strips Markdown syntax and URLs from the content first', () => {
    expect(
      generateSlug({
        content:
          '## Reading [*this* post](https://example.com/some/long/path) via https://example.org/x?y=1 today',
        now: NOW,
      }),
    ).toBe('reading-this-post-via-today');
    expect(
      generateSlug({ content: '![A sunset](/media/sunset.jpg) over www.example.com the bay[^1]', now: NOW }),
    ).toBe('a-sunset-over-the-bay');
    expect(generateSlug({ content: '> **Quote** of `the` day\n\n- item', now: NOW })).toBe(
      'quote-of-the-day-item',
    );
    expect(generateSlug({ content: '<p>Raw <em>html</em></p> words', now: NOW })).toBe('raw-html-words');
  });

  it('falls back to the UTC timestamp for emoji-only content', () => {
    expect(generateSlug({ content: '🎉🎉🎉', now: NOW })).toBe('20261105070809');
  });

  it('falls back to the timestamp when the content is only a URL', () => {
    expect(generateSlug({ content: 'https://example.com/a-long-article-title', now: NOW })).toBe(
      '20261105070809',
    );
  });

  it('falls back to the timestamp with no title and no content, using UTC', () => {
    expect(generateSlug({ now: new Date('2026-01-02T23:59:58+05:00') })).toBe('20260102185958');
  });

  it('appends -note to a reserved result', () => {
    expect(generateSlug({ name: 'Admin', now: NOW })).toBe('admin-note');
    expect(generateSlug({ content: 'Search!', now: NOW })).toBe('search-note');
    expect(generateSlug({ name: 'Well known', now: NOW })).toBe('well-known-note');
  });

  it('always returns a valid, unreserved slug', () => {
    for (const opts of [
      { name: 'Feed', now: NOW },
      { content: '日本語', now: NOW },
      { name: 'x'.repeat(500), now: NOW },
    ]) {
      const slug = generateSlug(opts);
      expect(slug).toMatch(SLUG_PATTERN);
      expect(RESERVED_SLUGS.has(slug)).toBe(false);
      expect(validateCustomSlug(slug)).toEqual({ ok: true, slug });
    }
  });
});

describe('nextFreeSlug', () => {
  it('returns the base when it is free', () => {
    expect(nextFreeSlug('hello', () => false)).toBe('hello');
  });

  it('counts up from -2 past taken slugs', () => {
    const taken = new Set(['hello', 'hello-2', 'hello-3']);
    expect(nextFreeSlug('hello', (s) => taken.has(s))).toBe('hello-4');
  });

  it('asks about each candidate in order', () => {
    const asked: string[] = [];
    nextFreeSlug('a', (s) => {
      asked.push(s);
      return asked.length < 3;
    });
    expect(asked).toEqual(['a', 'a-2', 'a-3']);
  });

  it('shortens a long base so the suffixed slug stays within 200 characters', () => {
    const base = 'a'.repeat(MAX_SLUG_LENGTH);
    const taken = new Set([base, `${'a'.repeat(198)}-2`]);
    const slug = nextFreeSlug(base, (s) => taken.has(s));
    expect(slug).toBe(`${'a'.repeat(198)}-3`);
    expect(slug.length).toBe(MAX_SLUG_LENGTH);
  });

  it('does not leave a double hyphen where the base was cut', () => {
    const base = `${'a'.repeat(197)}-bb`;
    const slug = nextFreeSlug(base, (s) => s === base);
    expect(slug).toBe(`${'a'.repeat(197)}-2`);
    expect(slug).toMatch(SLUG_PATTERN);
  });

  it('gives up with a conflict instead of looping forever', () => {
    let error: unknown;
    try {
      nextFreeSlug('x', () => true);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('conflict');
  });
});
