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

/** The markers search.ts asks SQLite's snippet() to put around matches. */
export const MARK_OPEN = String.fromCharCode(1);
export const MARK_CLOSE = String.fromCharCode(2);

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML, then turns the \u0001…\u0002 match markers into <mark> — the only markup. */
export function markExcerpt(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!)
    .replaceAll(MARK_OPEN, '<mark>')
    .replaceAll(MARK_CLOSE, '</mark>');
}
