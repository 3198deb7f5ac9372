import { excerpt, plainText } from '../../notes/markdown.js';
import { responseTitle } from '../../notes/response-kinds.js';
import type { Note } from '../../notes/types.js';

/**
 * What the admin calls a note: its title, else what it responds to, else the start of its text
 * (70 characters), else "Photo" or "Note" — never its slug.
 */
export function adminNoteTitle(n: Note): string {
  return (
    n.name ??
    responseTitle(n) ??
    (excerpt(plainText(n.contentHtml), 70) || (n.photos.length > 0 ? 'Photo' : 'Note'))
  );
}
