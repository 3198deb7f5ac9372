import { describe, expect, it } from 'vitest';
import { byteLength, findSpans, fitText, graphemeLength, MAX_TEXT_BYTES } from './richtext.js';
import { encodeTid, isTid, tidFromKey } from './tid.js';

const covered = (text: string, s: { byteStart: number; byteEnd: number }) =>
  Buffer.from(text, 'utf8').subarray(s.byteStart, s.byteEnd).toString('utf8');

describe('findSpans', () => {
  it('byte ranges cover exactly the link, mention and tag after multi-byte text', () => {
    const text = '日本語 👨‍👩‍👧 (https://example.org/a_(b)) @carol.example.com ＃東京 end.';
    const spans = findSpans(text);
    expect(spans.map((s) => [s.kind, covered(text, s), s.value])).toEqual([
      ['link', 'https://example.org/a_(b)', 'https://example.org/a_(b)'],
      ['mention', '@carol.example.com', 'carol.example.com'],
      ['tag', '＃東京', '東京'],
    ]);
  });

  it('leaves e-mail addresses, anchors inside links, numbers and trailing punctuation alone', () => {
    const text = 'Mail ada@example.com, read https://example.org/#part. Item #1 is #done!';
    const spans = findSpans(text);
    expect(spans.map((s) => [s.kind, covered(text, s)])).toEqual([
      ['link', 'https://example.org/#part'],
      ['tag', '#done'],
    ]);
  });
});

describe('fitText', () => {
  it('keeps a text that fits and cuts a long one at a word with the link back', () => {
    expect(fitText('short', 'https://s.example/n')).toEqual({ text: 'short', shortened: false });
    const flags = '🇩🇪'.repeat(400);
    const out = fitText(flags, 'https://s.example/n');
    expect(out.shortened).toBe(true);
    expect(graphemeLength(out.text)).toBe(300);
    expect(out.text.endsWith('… https://s.example/n')).toBe(true);
    // No flag is split into its two regional indicators.
    expect(out.text.replace('… https://s.example/n', '')).toMatch(/^(🇩🇪)+$/u);
  });
});

describe('fitText, both limits', () => {
  it('300 graphemes or fewer but over 3,000 UTF-8 bytes: cut by bytes, on whole graphemes', () => {
    const family = '👨‍👩‍👧‍👦'; // 7 code points, 25 bytes, one grapheme
    const out = fitText(family.repeat(150), 'https://s.example/n');
    expect(out.shortened).toBe(true);
    expect(byteLength(out.text)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    expect(graphemeLength(out.text)).toBeLessThanOrEqual(300);
    const kept = out.text.replace('… https://s.example/n', '');
    expect(kept).toMatch(/^(👨‍👩‍👧‍👦)+$/u);
    // As many whole families as the bytes left by the link back allow.
    expect(graphemeLength(kept)).toBe(Math.floor((3000 - byteLength('… https://s.example/n')) / 25));
  });

  it('a text within both limits is left as it is', () => {
    expect(fitText('😀'.repeat(300), 'l')).toEqual({ text: '😀'.repeat(300), shortened: false });
    expect(fitText('👨‍👩‍👧‍👦'.repeat(120), 'l')).toEqual({ text: '👨‍👩‍👧‍👦'.repeat(120), shortened: false });
  });
});

describe('TIDs', () => {
  it('a key always gives the same valid TID; different keys differ', () => {
    expect(tidFromKey('a')).toBe(tidFromKey('a'));
    expect(tidFromKey('a')).not.toBe(tidFromKey('b'));
    expect(isTid(tidFromKey('syndication:1:2'))).toBe(true);
    expect(encodeTid(0n)).toBe('2222222222222');
  });
});
