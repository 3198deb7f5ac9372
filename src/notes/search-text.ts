/**
 * What the search index holds of a note (`024_search_context_and_code.sql`): its words for the
 * excerpt, the text of its code blocks apart (found, never shown), and the titles of what it
 * responds to.
 */
import { plainText } from './markdown.js';
import { responsesOf } from './response-kinds.js';
import type { Note } from './types.js';

// Sanitised HTML (markdown-it's, sanitize-html's): tags are well formed, <pre> blocks do not nest.
const PRE_BLOCK = /<pre\b[^>]*>[\s\S]*?<\/pre>/gi;
// markdown-it-footnote's reference marker: <sup class="footnote-ref"><a …>[1]</a></sup>.
const FOOTNOTE_REF = /<sup class="footnote-ref">[\s\S]*?<\/sup>/g;

/** The indexed text of a note's rendered (sanitised) HTML: the words of the body, and its code blocks. */
export function searchText(html: string): { body: string; code: string } {
  const code: string[] = [];
  const body = html.replace(FOOTNOTE_REF, '').replace(PRE_BLOCK, (block) => {
    code.push(block);
    return ' ';
  });
  return { body: plainText(body, true), code: code.length > 0 ? plainText(code.join(' '), true) : '' };
}

/** The titles and authors of the pages a note responds to (fetched context or a client's h-cite). */
export function contextText(note: Pick<Note, 'properties' | 'citations'>): string {
  const words: string[] = [];
  for (const r of responsesOf(note)) {
    if (r.citation?.name) words.push(r.citation.name);
    if (r.citation?.authorName) words.push(r.citation.authorName);
  }
  return words.join(' ');
}
