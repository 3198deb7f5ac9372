import { RESERVED_SLUGS, slugify, validateCustomSlug } from '../notes/slug.js';

/** The slug a source slug (or file name) becomes here: kept when valid, else cleaned up; undefined when nothing is left. */
export function importSlug(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const v = validateCustomSlug(raw);
  if (v.ok) return v.slug;
  const s = slugify(raw, 20);
  if (s === '') return undefined;
  return RESERVED_SLUGS.has(s) ? `${s}-note` : s;
}
