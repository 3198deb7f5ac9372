/**
 * The elements of one array inside a JSON object, read from a stream of bytes one element at a
 * time: `{"id": …, "orderedItems": [ {…}, {…}, … ]}` yields each `{…}` parsed, holding only the
 * element being read. For documents too large to parse whole (a Mastodon archive's outbox.json of
 * 100,000 statuses). Bad JSON throws a `JsonStreamError` with the line and column.
 */

/** A place in the document: line and column from 1 (the column counts bytes). */
export interface JsonPlace {
  line: number;
  column: number;
}

/** JSON that cannot be read, and where. */
export class JsonStreamError extends Error {
  constructor(
    message: string,
    readonly place: JsonPlace,
  ) {
    super(message);
    this.name = 'JsonStreamError';
  }
}

/** One element of the array, and where it began. */
export interface JsonArrayElement {
  value: unknown;
  place: JsonPlace;
}

/** The largest element read (bytes): anything larger is refused rather than held. */
export const MAX_ELEMENT_BYTES = 16 * 1024 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * Yields every element of the array at `key` of the top-level object in `chunks`. The rest of the
 * document is checked only for balance (brackets, strings); each element is parsed with
 * `JSON.parse`. Throws when the document is not an object, is cut short, or has no such array.
 */
export async function* jsonArrayElements(
  chunks: AsyncIterable<Buffer | Uint8Array | string>,
  key: string,
): AsyncGenerator<JsonArrayElement> {
  let line = 1;
  let column = 0;
  const stack: number[] = [];
  let inString = false;
  let escaped = false;
  let started = false;
  let found = false;
  // Keys of the top-level object: the string being read when it is one, and the last one read.
  let expectKey = false;
  let keyParts: Buffer[] | undefined;
  let lastKey: string | undefined;
  let valueKey: string | undefined;
  // Inside the wanted array (at depth 2): the element being read.
  let inArray = false;
  let parts: Buffer[] = [];
  let partStart = -1;
  let size = 0;
  let elementPlace: JsonPlace | undefined;
  let afterComma = false;

  const here = (): JsonPlace => ({ line, column });
  const fail = (message: string): never => {
    throw new JsonStreamError(message, here());
  };

  function finishElement(buf: Buffer, end: number): JsonArrayElement | undefined {
    if (partStart >= 0) parts.push(buf.subarray(partStart, end));
    partStart = -1;
    const text = Buffer.concat(parts).toString('utf8');
    parts = [];
    size = 0;
    const place = elementPlace;
    elementPlace = undefined;
    if (!place) {
      if (text.trim() !== '') fail('unexpected text in the array');
      return undefined;
    }
    try {
      return { value: JSON.parse(text), place };
    } catch (err) {
      throw new JsonStreamError(`not valid JSON: ${(err as Error).message}`, place);
    }
  }

  for await (const chunk of chunks) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    if (inArray && elementPlace) partStart = 0;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i]!;
      if (b === NEWLINE) {
        line++;
        column = 0;
      } else column++;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) {
          inString = false;
          if (keyParts) {
            lastKey = undefined;
            try {
              lastKey = JSON.parse(`"${Buffer.concat(keyParts).toString('utf8')}"`) as string;
            } catch {
              fail('a key that is not a valid JSON string');
            }
            keyParts = undefined;
          }
        } else if (keyParts && keyParts.length < 1024) keyParts.push(buf.subarray(i, i + 1));
        continue;
      }
      if (isSpace(b)) continue;
      if (!started) {
        if (b !== OPEN_OBJECT) fail('the document is not a JSON object');
        started = true;
      } else if (stack.length === 0) fail('text after the end of the document');
      const depth = stack.length;
      if (inArray && depth === 2) {
        // Directly inside the wanted array: a comma or the closing bracket ends an element.
        if (b === COMMA || b === CLOSE_ARRAY) {
          const el = finishElement(buf, i);
          // Yielded at once: what the consumer does with it comes before a later element's error.
          if (el) yield el;
          else if (b === COMMA || afterComma) fail('an empty element in the array');
          afterComma = b === COMMA;
          if (b === CLOSE_ARRAY) {
            stack.pop();
            inArray = false;
          }
          continue;
        }
        if (!elementPlace) {
          if (parts.length > 0 || partStart >= 0) fail('two values without a comma between them');
          elementPlace = here();
          partStart = i;
        }
      }
      if (b === QUOTE) {
        inString = true;
        if (depth === 1 && expectKey) {
          keyParts = [];
          expectKey = false;
        }
      } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
        if (depth === 1 && b === OPEN_ARRAY && valueKey === key && !found) {
          found = true;
          inArray = true;
        }
        stack.push(b === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY);
        if (depth === 0) expectKey = true;
      } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        if (stack.pop() !== b) fail(`unexpected "${String.fromCharCode(b)}"`);
      } else if (depth === 1) {
        if (b === COLON) {
          valueKey = lastKey;
          lastKey = undefined;
        } else if (b === COMMA) {
          expectKey = true;
          valueKey = undefined;
        }
      }
    }
    if (inArray && elementPlace && partStart >= 0) {
      parts.push(buf.subarray(partStart));
      size += buf.length - partStart;
      if (size > MAX_ELEMENT_BYTES)
        throw new JsonStreamError(
          `an element larger than ${MAX_ELEMENT_BYTES / 1024 / 1024} MB`,
          elementPlace,
        );
    }
    partStart = -1;
  }
  if (!started) fail('the document is empty');
  if (inString || stack.length > 0) fail('the document ends too early (cut short?)');
  if (!found) fail(`no "${key}" array in the document`);
}
