import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseTags, tagKey, tagPath, tagSlug } from './tags.js';

describe('tagSlug: the address form of a tag', () => {
  it.each([
    ['first post', 'first-post'],
    ['First Post', 'first-post'],
    ['first-post', 'first-post'],
    ['First_Post!', 'first-post'],
    ['#IndieWeb', 'indieweb'],
    ['  spaced   out  ', 'spaced-out'],
    ['Café au lait', 'café-au-lait'],
    ['日本語 タグ', '日本語-タグ'],
    ['🎉 party', '🎉-party'],
    ['ﬁsh', 'fish'],
  ])('%j → %j', (tag, slug) => {
    expect(tagSlug(tag)).toBe(slug);
  });

  it('spells out the symbols that tell tags apart', () => {
    const slugs = ['C', 'C++', 'C#', 'R&D', 'R D', '+1', '1'].map(tagSlug);
    expect(slugs).toEqual(['c', 'c-plus-plus', 'c-sharp', 'r-and-d', 'r-d', 'plus-1', '1']);
  });

  it('keeps the key of a tag made of punctuation only (never empty)', () => {
    expect(tagSlug('!!!')).toBe('!!!');
    expect(tagSlug('---')).toBe('---');
    expect(tagPath('!!!')).toBe('/tag/!!!');
  });

  it('is idempotent and never empty for a tag with a key, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })),
        (t) => {
          const slug = tagSlug(t);
          expect(tagSlug(slug)).toBe(slug);
          if (tagKey(t) !== '') expect(slug).not.toBe('');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('tagPath encodes the address form', () => {
    expect(tagPath('first post')).toBe('/tag/first-post');
    expect(tagPath('Café')).toBe('/tag/caf%C3%A9');
  });
});

describe('normaliseTags', () => {
  it('keeps the first spelling of tags that share an address', () => {
    expect(normaliseTags(['first post', 'First-Post', 'other', 'OTHER!']).map((t) => t.name)).toEqual([
      'first post',
      'other',
    ]);
  });
});
