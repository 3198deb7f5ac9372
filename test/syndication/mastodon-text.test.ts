/**
 * Mastodon status text (src/syndication/text.ts): a note over the server's limit is cut with "…"
 * and the link back. Issue 20, defect 3 for Mastodon: a text without spaces (emoji) was cut at a
 * code point, splitting a family emoji into loose people and a dangling joiner.
 */
import { describe, expect, it } from 'vitest';
import { countChars, fitText } from '../../src/syndication/text.js';

const family = '👨‍👩‍👧‍👦';
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const graphemes = (s: string) => [...segmenter.segment(s)].map((g) => g.segment);

describe('Mastodon text', () => {
  it('emoji without spaces are cut between graphemes, within the limit, with the link back', () => {
    const out = fitText(family.repeat(200), 'https://s.example/n', 500);
    expect(out.endsWith('…\n\nhttps://s.example/n')).toBe(true);
    expect(countChars(out)).toBeLessThanOrEqual(500);
    const kept = out.slice(0, -'…\n\nhttps://s.example/n'.length);
    expect(kept.length).toBeGreaterThan(0);
    expect(graphemes(kept).every((g) => g === family)).toBe(true);
  });

  it('words are kept whole and a text that fits is unchanged', () => {
    expect(fitText('short enough', 'https://s.example/n', 500)).toBe('short enough');
    const out = fitText('word '.repeat(200), 'https://s.example/n', 100);
    expect(out).toMatch(/^(word )*word…\n\nhttps:\/\/s\.example\/n$/);
    expect(countChars(out)).toBeLessThanOrEqual(100);
  });
});
