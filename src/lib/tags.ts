/** A tag as written by the author and its normalised lookup key. */
export interface Tag {
  name: string;
  key: string;
}

/** The lookup key of a tag: NFKC, lower case, single spaces, no leading '#'. */
export function tagKey(name: string): string {
  return name.normalize('NFKC').replace(/^#+/, '').trim().replace(/\s+/g, ' ').toLowerCase();
}

// Symbols that tell tags apart ("C", "C++", "C#"; "R&D"): spelled out in a tag's address
// instead of being dropped like other punctuation.
const SPELLED: Readonly<Record<string, string>> = { '+': ' plus ', '#': ' sharp ', '&': ' and ' };

// What an address keeps of a tag: letters, marks, digits and emoji, in any script.
const KEPT = /[\p{L}\p{M}\p{N}\p{Extended_Pictographic}]+/gu;

/**
 * The address form of a tag (its URL path segment): the key with every run of spaces and
 * punctuation turned into one hyphen ("First Post!" → "first-post"); '+', '#' and '&' inside a
 * tag are spelled out ("C++" → "c-plus-plus"). Tags whose keys differ only in spacing and
 * punctuation share one address and one page. A tag of punctuation alone keeps its key (it can
 * never meet an address of the first kind, which always holds a letter, digit or emoji).
 * Idempotent: the form of a form is itself, so the canonical address never redirects.
 */
export function tagSlug(nameOrKey: string): string {
  const key = tagKey(nameOrKey);
  const words = key.replace(/[+#&]/gu, (ch) => SPELLED[ch] ?? ch).match(KEPT);
  // Lower-cased again (NFKC can turn a symbol into capitals: "㎒" → "MHz"), then composed again
  // (lower-casing can decompose: "Ϊ́" → "ΐ"), so every spelling meets in one form.
  return words ? words.join('-').toLowerCase().normalize('NFKC') : key;
}

/** Cleans a list of tags as written: trimmed, no empties, first spelling wins for tags sharing an address, at most 50. */
export function normaliseTags(names: readonly string[]): Tag[] {
  const seen = new Set<string>();
  const out: Tag[] = [];
  for (const raw of names) {
    const name = raw.normalize('NFC').replace(/^#+/, '').trim().replace(/\s+/g, ' ').slice(0, 100);
    const key = tagKey(name);
    if (key === '' || seen.has(tagSlug(key))) continue;
    seen.add(tagSlug(key));
    out.push({ name, key });
    if (out.length === 50) break;
  }
  return out;
}

/** The site-relative URL path of a tag page (any spelling of the tag gives the same path). */
export function tagPath(nameOrKey: string): string {
  return `/tag/${encodeURIComponent(tagSlug(nameOrKey))}`;
}
