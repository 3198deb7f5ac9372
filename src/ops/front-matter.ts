import { parse, stringify } from 'yaml';

/** A Markdown file split into its YAML front matter and its body. */
export interface FrontMatterDocument {
  data: Record<string, unknown>;
  body: string;
}

const OPEN = /^---[ \t]*\r?\n/;
const CLOSE = /^(?:---|\.\.\.)[ \t]*$/m;

/**
 * Splits a Markdown file into YAML front matter (between a first line `---` and the next `---` or
 * `...` line) and body. The one blank line conventionally written after the closing fence is not
 * part of the body. A file without front matter is all body. Throws on YAML that is not a mapping.
 */
export function parseFrontMatter(text: string): FrontMatterDocument {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const open = OPEN.exec(source);
  if (!open) return { data: {}, body: source };
  const rest = source.slice(open[0].length);
  const close = CLOSE.exec(rest);
  if (!close) return { data: {}, body: source };
  const yamlText = rest.slice(0, close.index);
  let body = rest.slice(close.index + close[0].length);
  body = body.replace(/^\r?\n/, '').replace(/^\r?\n/, '');
  const data = parse(yamlText, { schema: 'core', uniqueKeys: true, maxAliasCount: 50 }) as unknown;
  if (data === null || data === undefined) return { data: {}, body };
  if (typeof data !== 'object' || Array.isArray(data))
    throw new Error('the front matter is not a YAML mapping');
  return { data: data as Record<string, unknown>, body };
}

/** Writes front matter and body: `---`, the YAML, `---`, one blank line, then the body byte for byte. */
export function stringifyFrontMatter(data: Record<string, unknown>, body: string): string {
  return `---\n${stringify(data, { lineWidth: 0 })}---\n\n${body}`;
}
