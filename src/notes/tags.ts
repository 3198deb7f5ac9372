import type { Tag } from './types.js';

/** The lookup key of a tag: NFKC, lower case, single spaces, no leading '#'. */
export function tagKey(name: string): string {
  return name.normalize('NFKC').replace(/^#+/, '').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Cleans a list of tags as written: trimmed, no empties, first spelling wins for duplicates, at most 50. */
export function normaliseTags(names: readonly string[]): Tag[] {
  const seen = new Set<string>();
  const out: Tag[] = [];
  for (const raw of names) {
    const name = raw.normalize('NFC').replace(/^#+/, '').trim().replace(/\s+/g, ' ').slice(0, 100);
    const key = tagKey(name);
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    out.push({ name, key });
    if (out.length === 50) break;
  }
  return out;
}

/** The site-relative URL path of a tag page. */
export function tagPath(key: string): string {
  return `/tag/${encodeURIComponent(key)}`;
}
