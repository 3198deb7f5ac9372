/**
 * Fuzzing slugs, search queries and URL handling: generated slugs always fit the pattern, and
 * validators answer (ok or a reason) instead of throwing; a search query that buildFtsQuery
 * accepts never makes SQLite's FTS5 throw.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseProfileUrl, sameProfile } from '../../src/auth/urls.js';
import { validateClientId } from '../../src/indieauth/client.js';
import { buildFtsQuery } from '../../src/notes/search-query.js';
import {
  generateSlug,
  MAX_SLUG_LENGTH,
  nextFreeSlug,
  SLUG_PATTERN,
  slugify,
  validateCustomSlug,
} from '../../src/notes/slug.js';
import { anyText, hostileDocument, urlish } from './arbitraries.js';
import { budget } from './budget.js';

const ROOT = join(import.meta.dirname, '..', '..');

const anyDate = fc.date({ noInvalidDate: true });

describe('slugs', () => {
  it('generateSlug always matches SLUG_PATTERN and is at most MAX_SLUG_LENGTH long', () => {
    fc.assert(
      fc.property(
        fc.option(anyText, { nil: null }),
        fc.option(fc.oneof(anyText, hostileDocument), { nil: undefined }),
        anyDate,
        (name, content, now) => {
          const slug = generateSlug({ name, content, now });
          expect(slug).toMatch(SLUG_PATTERN);
          expect(slug.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH);
          expect(validateCustomSlug(slug).ok).toBe(true);
        },
      ),
      budget(500),
    );
  });

  it('nextFreeSlug keeps the pattern and the length limit, however many slugs are taken', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyText,
          fc.string({ unit: fc.constantFrom('a', 'b', '-', '1'), minLength: 150, maxLength: 200 }),
        ),
        fc.integer({ min: 0, max: 40 }),
        (text, taken) => {
          const base = slugify(text) || 'note';
          let calls = 0;
          const slug = nextFreeSlug(base, () => calls++ < taken);
          expect(slug).toMatch(SLUG_PATTERN);
          expect(slug.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH);
        },
      ),
      budget(300),
    );
  });

  it('validateCustomSlug never throws, and what it accepts fits the pattern', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fc.stringMatching(/^[ a-zA-Z0-9-]{0,210}$/)), (input) => {
        const v = validateCustomSlug(input);
        if (v.ok) {
          expect(v.slug).toMatch(SLUG_PATTERN);
          expect(v.slug.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH);
        } else expect(v.reason.length).toBeGreaterThan(0);
      }),
      budget(500),
    );
  });
});

describe('search queries against a real FTS5 table', () => {
  let db: Database.Database;
  let match: Database.Statement;

  beforeAll(() => {
    db = new Database(':memory:');
    // The very table the application searches: same columns, same tokenizer.
    db.exec(readFileSync(join(ROOT, 'src', 'db', 'migrations', '007_search.sql'), 'utf8'));
    const insert = db.prepare('INSERT INTO notes_fts (rowid, name, body) VALUES (?, ?, ?)');
    insert.run(1, 'Ærøskøbing harbour', 'Crème brûlée at the café, running and runners');
    insert.run(2, null, '東京 の ラーメン 🍜 und Straße');
    insert.run(3, 'AND OR NOT NEAR', 'quotes " and stars * and carets ^ and colons : name:body');
    match = db.prepare(
      `SELECT rowid, bm25(notes_fts, 5.0, 1.0) AS rank,
          snippet(notes_fts, 1, char(1), char(2), '…', 16) AS excerpt,
          highlight(notes_fts, 0, char(1), char(2)) AS title
       FROM notes_fts WHERE notes_fts MATCH ? ORDER BY rank`,
    );
  });
  afterAll(() => db.close());

  const queries = fc.oneof(
    anyText,
    fc.string({
      unit: fc.constantFrom(
        '"',
        '*',
        '^',
        ':',
        '(',
        ')',
        '-',
        '+',
        'AND',
        'OR',
        'NOT',
        'NEAR',
        ' ',
        'a',
        'é',
        '\u0301',
        '東',
      ),
      maxLength: 30,
    }),
    fc
      .array(fc.constantFrom('run*', '"café crème', 'name:x', 'NEAR(a b)', '*', '"', '\u0301*', 'x"y'), {
        maxLength: 8,
      })
      .map((w) => w.join(' ')),
  );

  it('buildFtsQuery output, when ok, is a query FTS5 accepts', () => {
    fc.assert(
      fc.property(queries, (input) => {
        const q = buildFtsQuery(input);
        if (!q.ok) {
          expect(q.message.length).toBeGreaterThan(0);
          return;
        }
        expect(() => match.all(q.fts)).not.toThrow();
      }),
      budget(1000),
    );
  });
});

describe('URL handling', () => {
  it('validateClientId never throws; what it accepts is http(s) without a fragment or credentials', () => {
    fc.assert(
      fc.property(fc.option(urlish, { nil: undefined }), (input) => {
        const v = validateClientId(input);
        if (!v.ok) return;
        expect(['http:', 'https:']).toContain(v.url.protocol);
        expect(v.url.hash).toBe('');
        expect(v.url.username + v.url.password).toBe('');
      }),
      budget(1000),
    );
  });

  it('normaliseProfileUrl never throws; its result is http(s), and normalising it again changes nothing', () => {
    fc.assert(
      fc.property(urlish, (input) => {
        const url = normaliseProfileUrl(input);
        expect(() => sameProfile(input, input)).not.toThrow();
        if (url === undefined) return;
        const u = new URL(url);
        expect(['http:', 'https:']).toContain(u.protocol);
        expect(u.hash + u.username + u.password).toBe('');
        expect(normaliseProfileUrl(url)).toBe(url);
      }),
      budget(1000),
    );
  });
});
