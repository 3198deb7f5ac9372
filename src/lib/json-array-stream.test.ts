import { describe, expect, it } from 'vitest';
import { type JsonArrayElement, JsonStreamError, jsonArrayElements } from './json-array-stream.js';

/** `text` as chunks of `size` bytes (splitting UTF-8 sequences and tokens anywhere). */
async function* chunked(text: string, size: number): AsyncGenerator<Buffer> {
  const buf = Buffer.from(text, 'utf8');
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function all(text: string, key: string, size = 7): Promise<JsonArrayElement[]> {
  const out: JsonArrayElement[] = [];
  for await (const el of jsonArrayElements(chunked(text, size), key)) out.push(el);
  return out;
}

async function error(text: string, key = 'orderedItems'): Promise<JsonStreamError> {
  try {
    await all(text, key);
  } catch (err) {
    if (err instanceof JsonStreamError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('jsonArrayElements', () => {
  const doc = {
    '@context': ['https://www.w3.org/ns/activitystreams', { orderedItems: 'x' }],
    id: 'outbox.json',
    type: 'OrderedCollection',
    totalItems: 3,
    orderedItems: [
      { id: 'a', content: '<p>Ünïcødé, "quotes", [brackets] and {braces} — 😀</p>', n: [1, [2, {}]] },
      'https://example.test/a,b',
      { id: 'c', orderedItems: [1, 2] },
    ],
    after: { orderedItems: [9] },
  };

  it('yields each element of the array at the key, whatever the chunk size', async () => {
    for (const size of [1, 2, 3, 7, 64, 100_000]) {
      for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 2)]) {
        const got = await all(text, 'orderedItems', size);
        expect(got.map((e) => e.value)).toEqual(doc.orderedItems);
      }
    }
  });

  it('tells where each element began', async () => {
    const got = await all(JSON.stringify(doc, null, 2), 'orderedItems');
    const lines = JSON.stringify(doc, null, 2).split('\n');
    for (const el of got) {
      const text = lines[el.place.line - 1]!;
      expect(text.slice(el.place.column - 1).trimEnd()).toMatch(/^[{"]/);
    }
    expect(got[0]!.place.line).toBeGreaterThan(1);
  });

  it('reads an empty array, and arrays of other keys are not taken', async () => {
    expect(await all('{"orderedItems": [], "x": [1]}', 'orderedItems')).toEqual([]);
    expect((await all('{"a": [1], "orderedItems": [2]}', 'orderedItems')).map((e) => e.value)).toEqual([2]);
  });

  it('yields an element before a later one in the same chunk turns out broken', async () => {
    const seen: unknown[] = [];
    await expect(async () => {
      for await (const el of jsonArrayElements(
        chunked('{"orderedItems": [{"a": 1}, {"a": tru}]}', 1000),
        'orderedItems',
      ))
        seen.push(el.value);
    }).rejects.toThrow('not valid JSON');
    expect(seen).toEqual([{ a: 1 }]);
  });

  it('refuses what is not a JSON object holding the array, naming the place', async () => {
    expect((await error('[1, 2]')).message).toContain('not a JSON object');
    expect((await error('')).message).toContain('empty');
    expect((await error('{"orderedItems": [1, 2]')).message).toContain('ends too early');
    expect((await error('{"orderedItems": [{"a": "b}]}')).message).toContain('ends too early');
    expect((await error('{"other": [1]}')).message).toContain('no "orderedItems" array');
    expect((await error('{"orderedItems": [1, 2]} x')).message).toContain('after the end');
    expect((await error('{"orderedItems": [1,, 2]}')).message).toContain('empty element');
    expect((await error('{"orderedItems": [1, 2,]}')).message).toContain('empty element');
    expect((await error('{"orderedItems": [1 2]}')).message).toContain('not valid JSON');
    expect((await error('{"orderedItems": [{"a": 1]}]}')).message).toContain('unexpected "]"');
    const bad = await error('{\n  "orderedItems": [\n    {"a": 1},\n    {"a": tru}\n  ]\n}');
    expect(bad.message).toContain('not valid JSON');
    expect(bad.place).toEqual({ line: 4, column: 5 });
  });
});
