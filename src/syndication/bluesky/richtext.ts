/**
 * Bluesky post text: the limits of 300 graphemes and 3,000 UTF-8 bytes, and rich-text facets
 * (app.bsky.richtext.facet).
 * Facet ranges are UTF-8 byte offsets into the text, not JavaScript string indexes
 * (https://docs.bsky.app/docs/advanced-guides/post-richtext), so every index found by a regular
 * expression is converted with `Buffer.byteLength` of the prefix.
 */

/** Bluesky's limit on a post's text, in graphemes (app.bsky.feed.post `maxGraphemes`). */
export const MAX_GRAPHEMES = 300;
/**
 * And in UTF-8 bytes (the lexicon's `maxLength`, which counts bytes): 300 graphemes of family emoji
 * (25 bytes each) are 7,500 bytes, and the PDS refuses the post ("string too big").
 */
export const MAX_TEXT_BYTES = 3000;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The number of user-perceived characters (grapheme clusters) of `text`. */
export function graphemeLength(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

/** The length of `text` in UTF-8 bytes. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * The text to post: unchanged when it fits, otherwise cut at a grapheme (preferably a word)
 * boundary with "…" and the link back to the note, so the whole thing is at most `max` graphemes
 * and at most `maxBytes` UTF-8 bytes — both limits hold, whichever is reached first.
 */
export function fitText(
  text: string,
  linkBack: string,
  max = MAX_GRAPHEMES,
  maxBytes = MAX_TEXT_BYTES,
): { text: string; shortened: boolean } {
  const trimmed = text.trim();
  if (graphemeLength(trimmed) <= max && byteLength(trimmed) <= maxBytes)
    return { text: trimmed, shortened: false };
  const suffix = `… ${linkBack}`;
  const room = max - graphemeLength(suffix);
  const byteRoom = maxBytes - byteLength(suffix);
  if (room <= 0 || byteRoom <= 0) return { text: linkBack, shortened: true };
  // Whole graphemes only (a flag or a family emoji is never split), while both limits hold.
  let cut = '';
  let count = 0;
  let bytes = 0;
  for (const { segment } of segmenter.segment(trimmed)) {
    const size = byteLength(segment);
    if (count + 1 > room || bytes + size > byteRoom) break;
    cut += segment;
    count++;
    bytes += size;
  }
  // Prefer a word boundary if it costs at most a fifth of the room.
  const space = cut.search(/\s\S*$/);
  if (space > 0 && graphemeLength(cut.slice(space)) <= Math.ceil(count / 5)) cut = cut.slice(0, space);
  return { text: `${cut.trimEnd()}${suffix}`, shortened: true };
}

/** A facet feature as the lexicon spells it. */
export type FacetFeature =
  | { $type: 'app.bsky.richtext.facet#link'; uri: string }
  | { $type: 'app.bsky.richtext.facet#mention'; did: string }
  | { $type: 'app.bsky.richtext.facet#tag'; tag: string };

/** One facet: a UTF-8 byte range of the text and what it means. */
export interface Facet {
  index: { byteStart: number; byteEnd: number };
  features: FacetFeature[];
}

/** A piece of text found by `findSpans`, before mentions are resolved to DIDs. */
export interface Span {
  kind: 'link' | 'mention' | 'tag';
  /** The URL, the handle (without "@") or the tag (without "#"). */
  value: string;
  byteStart: number;
  byteEnd: number;
}

const URL_RE = /(^|[\s(])(https?:\/\/[^\s<>"]+)/giu;
// Handle syntax: dot-separated DNS labels (https://atproto.com/specs/handle).
const MENTION_RE =
  /(^|[\s(])@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?)/giu;
const TAG_RE = /(^|\s)[#＃]([^\s\u00AD\u2060\u200A-\u200D#＃]+)/gu;

function count(s: string, c: string): number {
  return s.split(c).length - 1;
}

function bytes(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index), 'utf8');
}

/** Links, mentions and tags of `text` with their UTF-8 byte ranges. */
export function findSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(URL_RE)) {
    // Trailing punctuation belongs to the sentence, and so does a ")" the URL did not open.
    let url = m[2]!.replace(/[.,;:!?'"]+$/u, '');
    while (url.endsWith(')') && count(url, ')') > count(url, '(')) url = url.slice(0, -1);
    try {
      new URL(url);
    } catch {
      continue;
    }
    const start = m.index + m[1]!.length;
    spans.push({
      kind: 'link',
      value: url,
      byteStart: bytes(text, start),
      byteEnd: bytes(text, start + url.length),
    });
  }
  for (const m of text.matchAll(MENTION_RE)) {
    const start = m.index + m[1]!.length;
    const handle = m[2]!;
    // Not an e-mail address's domain or a URL's path: the "@" must follow a boundary (the regex).
    spans.push({
      kind: 'mention',
      value: handle.toLowerCase(),
      byteStart: bytes(text, start),
      byteEnd: bytes(text, start + 1 + handle.length),
    });
  }
  for (const m of text.matchAll(TAG_RE)) {
    const tag = m[2]!.replace(/\p{P}+$/u, '');
    // A number alone ("#1") is not a tag; the lexicon allows at most 64 graphemes.
    if (tag === '' || /^\d+$/.test(tag) || graphemeLength(tag) > 64) continue;
    const start = m.index + m[1]!.length;
    spans.push({
      kind: 'tag',
      value: tag,
      byteStart: bytes(text, start),
      byteEnd: bytes(text, start + 1 + tag.length),
    });
  }
  // A mention or tag inside a link (https://example.com/#anchor) is part of the link.
  const links = spans.filter((s) => s.kind === 'link');
  return spans
    .filter(
      (s) => s.kind === 'link' || !links.some((l) => s.byteStart < l.byteEnd && s.byteEnd > l.byteStart),
    )
    .sort((a, b) => a.byteStart - b.byteStart);
}

/** Facets of `text`: mentions whose handle does not resolve are left as plain text. */
export async function buildFacets(
  text: string,
  resolveHandle: (handle: string) => Promise<string | undefined>,
): Promise<Facet[]> {
  const facets: Facet[] = [];
  for (const span of findSpans(text)) {
    const index = { byteStart: span.byteStart, byteEnd: span.byteEnd };
    if (span.kind === 'link')
      facets.push({ index, features: [{ $type: 'app.bsky.richtext.facet#link', uri: span.value }] });
    else if (span.kind === 'tag')
      facets.push({ index, features: [{ $type: 'app.bsky.richtext.facet#tag', tag: span.value }] });
    else {
      const did = await resolveHandle(span.value);
      if (did) facets.push({ index, features: [{ $type: 'app.bsky.richtext.facet#mention', did }] });
    }
  }
  return facets;
}
