/** The outcome of turning what a visitor typed into an FTS5 query. */
export type FtsQuery = { ok: true; fts: string } | { ok: false; message: string };

const MAX_QUERY = 200;
const MAX_TERMS = 12;

function quote(term: string): string {
  return `"${term.replace(/"/g, '""')}"`;
}

/** Splits text into search words: runs of letters, digits and marks. */
function words(text: string): string[] {
  return text.match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
}

/**
 * Builds a safe FTS5 query: every word becomes a quoted term (so FTS operators and syntax in
 * the input are plain text), "double quotes" make a phrase, a trailing * makes a prefix query,
 * and all terms must match. Returns a friendly message instead when nothing searchable is left.
 */
export function buildFtsQuery(input: string): FtsQuery {
  const q = input.trim();
  if (q.length > MAX_QUERY)
    return { ok: false, message: `Please search with at most ${MAX_QUERY} characters.` };
  const parts: string[] = [];
  const re = /"([^"]*)"?|(\S+)/g;
  for (const m of q.matchAll(re)) {
    if (m[1] !== undefined) {
      const ws = words(m[1]);
      if (ws.length > 0) parts.push(quote(ws.join(' ')));
    } else if (m[2] !== undefined) {
      const raw = m[2];
      const prefix = raw.endsWith('*');
      const ws = words(raw);
      ws.forEach((w, i) => {
        parts.push(prefix && i === ws.length - 1 ? `${quote(w)}*` : quote(w));
      });
    }
  }
  if (parts.length === 0) return { ok: false, message: 'Type at least one letter or number to search.' };
  return { ok: true, fts: parts.slice(0, MAX_TERMS).join(' AND ') };
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

// The markers search.ts asks SQLite's snippet() and highlight() to put around matches.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the match markers are what is parsed
const MARKED = /\u0001([^\u0001\u0002]*)\u0002/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the match markers are what is removed
const STRAY = /[\u0001\u0002]/g;

/**
 * Escapes text for HTML, then turns each \u0001…\u0002 pair into <mark> — the only markup. A
 * marker without its partner (from text indexed before markers were kept out of the index) is
 * dropped, so the result is always well-formed.
 */
export function markExcerpt(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!)
    .replace(MARKED, '<mark>$1</mark>')
    .replace(STRAY, '');
}

/** Escapes plain text (no matches to mark) for HTML; marker characters in it are dropped. */
export function escapeExcerpt(text: string): string {
  return text.replace(STRAY, '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
