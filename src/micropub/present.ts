import type { Note } from '../notes/types.js';

/** A note as Micropub q=source returns it (§3.7.2): the stored properties, plus what StarPunk knows. */
export function noteToMf2(
  note: Note,
  url: string,
  only?: string[],
): { type?: string[]; properties: Record<string, unknown[]> } {
  const props: Record<string, unknown[]> = structuredClone(note.properties);
  props.published ??= [note.publishedAt.toISOString()];
  if (note.updatedAt) props.updated ??= [note.updatedAt.toISOString()];
  props.url = [url];
  if (!note.published) props['post-status'] ??= ['draft'];
  if (note.visibility !== 'public') props.visibility ??= [note.visibility];
  if (only && only.length > 0) {
    const picked: Record<string, unknown[]> = {};
    for (const k of only) if (props[k]) picked[k] = props[k];
    // Requests naming properties get only properties back, without type (§3.7.2).
    return { properties: picked };
  }
  return { type: ['h-entry'], properties: props };
}
