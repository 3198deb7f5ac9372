/** Plain text of a note for services that take plain text (Mastodon statuses, Bluesky posts). */
import { plainText } from '../notes/markdown.js';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const BLOCK_END = /<\/(p|div|h[1-6]|li|blockquote|pre|ul|ol|figure|table)>|<br\s*\/?>/gi;
const LINK = /<a\s[^>]*href="([^"]+)"[^>]*>([\s\S]*?)<\/a>/gi;

/**
 * Turns a note's sanitised HTML into plain text: one blank line between blocks, and a link whose
 * text is not its address followed by the address in parentheses (a plain-text reader still
 * reaches it, and services turn the address into a link).
 */
export function noteText(html: string): string {
  const linked = html.replace(LINK, (_m, href: string, inner: string) => {
    const text = plainText(inner);
    const url = href.replace(/&amp;/g, '&');
    if (!/^https?:/i.test(url) || text === url || text === url.replace(/^https?:\/\//i, '')) return inner;
    return `${inner} (${url})`;
  });
  return linked
    .split(BLOCK_END)
    .map((part) => (part === undefined ? '' : plainText(part)))
    .filter((part, i) => i % 2 === 0 && part !== '')
    .join('\n\n');
}

/** Counts characters as code points (what Mastodon counts), every URL as `urlLength`. */
export function countChars(text: string, urlLength = 23): number {
  let n = 0;
  for (const part of text.split(/(https?:\/\/\S+)/))
    n += /^https?:\/\//.test(part) ? urlLength : [...part].length;
  return n;
}

/**
 * Fits `text` into `limit` characters: unchanged when it fits, else cut at a word boundary with
 * "…" and the note's address appended (the full text is one click away).
 */
export function fitText(text: string, link: string, limit: number, urlLength = 23): string {
  if (countChars(text, urlLength) <= limit) return text;
  const room = limit - urlLength - 3; // "…", blank line
  const words = text.split(/(\s+)/);
  let out = '';
  for (const w of words) {
    if (countChars(out + w, urlLength) > room) break;
    out += w;
  }
  if (out.trim() === '') {
    // No word fits (one long word, or emoji without spaces): whole graphemes, so a flag or a
    // family emoji is never cut in half.
    out = '';
    for (const { segment } of graphemes.segment(text)) {
      if (countChars(out + segment, urlLength) > room) break;
      out += segment;
    }
  }
  return `${out.trimEnd()}…\n\n${link}`;
}
