/**
 * Control characters out of note text: what a writer sends is cleaned on the way in (write.ts),
 * titles and tags stored before that cleaning existed on the way out (read.ts).
 */
import type { Mf2Properties } from './types.js';

// C0 controls, DEL and C1 controls. Tab and line breaks are legitimate in multi-line text only.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROLS_BUT_TAB_AND_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
// mf2 properties that are one line of text: a title and tags.
const SINGLE_LINE_PROPERTIES = new Set(['name', 'category']);

/** One line of text: tab and line breaks become spaces, other control characters go. */
export function singleLine(text: string): string {
  return text.replace(/[\t\n\v\f\r]/g, ' ').replace(CONTROLS, '');
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const HAS_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A title or tag as stored: cleaned like input when it was stored before input was cleaned. */
export function storedLine(text: string): string {
  return HAS_CONTROL.test(text) ? singleLine(text) : text;
}

/** Multi-line text: keeps tab and line breaks (CRLF becomes LF), loses other control characters. */
export function multiLine(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(CONTROLS_BUT_TAB_AND_BREAKS, '');
}

/** A JSON value with every string (and object key) cleaned by `clean`. */
function cleanValue(value: unknown, clean: (s: string) => string): unknown {
  if (typeof value === 'string') return clean(value);
  if (Array.isArray(value)) return value.map((v) => cleanValue(v, clean));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [singleLine(k), cleanValue(v, clean)]));
  }
  return value;
}

/** mf2 properties without control characters (one-line properties lose line breaks too). */
export function cleanProperties(props: Mf2Properties): Mf2Properties {
  // fromEntries defines own properties: a key such as "__proto__" stays a plain key.
  return Object.fromEntries(
    Object.entries(props).map(([name, values]) => [
      singleLine(name),
      cleanValue(values, SINGLE_LINE_PROPERTIES.has(name) ? singleLine : multiLine) as unknown[],
    ]),
  );
}
