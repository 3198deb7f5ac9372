/**
 * Front matter as the static site generators write it, each in its own fences:
 *
 * - YAML between `---` lines (Jekyll, Hugo, Eleventy, Indiekit; `...` also closes, as in YAML);
 * - TOML between `+++` lines (Hugo);
 * - JSON: one object opening the file, `{` … `}` followed by a new line (Hugo).
 *
 * A front matter that cannot be read is an ImportSourceError naming the file, and the line and
 * column in the file (not in the front matter): the person fixes it and runs the import again.
 */
import { parse as parseToml, TomlDate, TomlError } from 'smol-toml';
import { parseDocument } from 'yaml';
import { ImportSourceError } from '../contract.js';

/** A value of front matter: dates a format has as values (TOML's) come as strings or Dates. */
export type FrontMatterData = Record<string, unknown>;

/** A Markdown file split into its front matter and its body. */
export interface SplitFile {
  data: FrontMatterData;
  body: string;
  /** Which fences it had ('none' when the file has no front matter). */
  format: 'yaml' | 'toml' | 'json' | 'none';
}

/** The line and column (both from 1) of `offset` in `text`. */
function placeOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

/** Where a fenced block ends: the offset of the closing fence line, and the offset after it. */
function closing(text: string, from: number, fence: RegExp): { start: number; end: number } | undefined {
  fence.lastIndex = from;
  const m = fence.exec(text);
  if (!m) return undefined;
  return { start: m.index, end: m.index + m[0].length };
}

/** The body after a closing fence: the conventional one blank line after the fence is not part of it. */
function bodyAfter(text: string, end: number): string {
  return text
    .slice(end)
    .replace(/^\r?\n/, '')
    .replace(/^\r?\n/, '');
}

/** TOML dates become what YAML would have given: a local date or time as text, an instant as a Date. */
function plainToml(value: unknown): unknown {
  if (value instanceof TomlDate) return value.isLocal() ? value.toISOString() : new Date(value.getTime());
  if (Array.isArray(value)) return value.map(plainToml);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plainToml(v);
    return out;
  }
  return value;
}

function mapping(value: unknown, file: string, what: string): FrontMatterData {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Date)
    throw new ImportSourceError(
      file,
      { line: 1, column: 1 },
      `the ${what} front matter is not a mapping of keys`,
    );
  return value as FrontMatterData;
}

/** The end of a JSON object starting at `start` (the offset after its closing brace), or undefined. */
function jsonObjectEnd(text: string, start: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}

/**
 * Splits `text` (the file `file`, named in errors) into front matter and body; see the module
 * comment. A file without front matter is all body.
 */
export function splitFrontMatter(text: string, file: string): SplitFile {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const yamlOpen = /^---[ \t]*\r?\n/.exec(src);
  if (yamlOpen) {
    const close = closing(src, yamlOpen[0].length, /^(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/gm);
    if (!close)
      throw new ImportSourceError(
        file,
        { line: 1, column: 1 },
        'the front matter opened here (---) is never closed',
      );
    const yamlText = src.slice(yamlOpen[0].length, close.start);
    const doc = parseDocument(yamlText, { schema: 'core', uniqueKeys: true, prettyErrors: false });
    const err = doc.errors[0];
    if (err) {
      // The place in the file: the front matter starts on its second line.
      const at = placeOf(yamlText, err.pos[0]);
      const place = { line: at.line + 1, column: at.column };
      const what = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
      throw new ImportSourceError(file, place, `the YAML front matter cannot be read: ${what}`);
    }
    const data = doc.toJS({ maxAliasCount: 50 }) as unknown;
    return { data: mapping(data, file, 'YAML'), body: bodyAfter(src, close.end), format: 'yaml' };
  }
  const tomlOpen = /^\+\+\+[ \t]*\r?\n/.exec(src);
  if (tomlOpen) {
    const close = closing(src, tomlOpen[0].length, /^\+\+\+[ \t]*(?:\r?\n|$)/gm);
    if (!close)
      throw new ImportSourceError(
        file,
        { line: 1, column: 1 },
        'the front matter opened here (+++) is never closed',
      );
    const tomlText = src.slice(tomlOpen[0].length, close.start);
    let data: unknown;
    try {
      data = parseToml(tomlText);
    } catch (err) {
      if (err instanceof TomlError) {
        const what = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
        throw new ImportSourceError(
          file,
          { line: err.line + 1, column: err.column },
          `the TOML front matter cannot be read: ${what}`,
        );
      }
      throw err;
    }
    return { data: mapping(plainToml(data), file, 'TOML'), body: bodyAfter(src, close.end), format: 'toml' };
  }
  if (/^\{[ \t]*\r?\n/.test(src)) {
    const end = jsonObjectEnd(src, 0);
    if (end === undefined)
      throw new ImportSourceError(
        file,
        { line: 1, column: 1 },
        'the JSON front matter opened here ({) is never closed',
      );
    const jsonText = src.slice(0, end);
    let data: unknown;
    try {
      data = JSON.parse(jsonText);
    } catch (err) {
      // Node's JSON errors seldom say where; JSON is YAML, whose parser does.
      const located = parseDocument(jsonText, { prettyErrors: false }).errors[0];
      const place = located ? placeOf(jsonText, located.pos[0]) : { line: 1, column: 1 };
      const what = located ? located.message.split('\n')[0]! : (err as Error).message.split('\n')[0]!;
      throw new ImportSourceError(file, place, `the JSON front matter cannot be read: ${what}`);
    }
    return { data: mapping(data, file, 'JSON'), body: bodyAfter(src, end), format: 'json' };
  }
  return { data: {}, body: src, format: 'none' };
}
