/**
 * Fuzzing the Micropub parser and update operations without HTTP: whatever a client sends, the
 * only error that may come out is an AppError (which the error sink turns into a 4xx), never a
 * TypeError or RangeError (which would be a 500).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/lib/errors.js';
import { noteInputFrom } from '../../src/micropub/map.js';
import { fromFormFields, fromJson, type MicropubRequest } from '../../src/micropub/parse.js';
import { applyUpdate } from '../../src/micropub/update.js';
import { formKey, formValue, mf2Properties, micropubJson, updateOp, urlish } from './arbitraries.js';
import { budget } from './budget.js';

/** Runs `f`; an AppError is an answer, anything else thrown fails the property. */
function onlyAppError<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (err) {
    if (err instanceof AppError) return undefined;
    throw err;
  }
}

const RESERVED = new Set(['access_token', 'h', 'action', 'url']);

function expectWellFormed(req: MicropubRequest): void {
  expect(['create', 'update', 'delete', 'undelete']).toContain(req.action);
  for (const [k, v] of Object.entries(req.properties)) {
    expect(Array.isArray(v), k).toBe(true);
    expect(RESERVED.has(k) || k.startsWith('mp-'), k).toBe(false);
  }
  for (const k of Object.keys(req.commands)) expect(k.startsWith('mp-'), k).toBe(true);
}

describe('Micropub form fields (§3.3.1)', () => {
  it('fromFormFields and noteInputFrom throw nothing but AppError', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(formKey, formValue), { maxLength: 12 }),
        fc.boolean(),
        (entries, draft) => {
          const req = onlyAppError(() => fromFormFields(entries));
          if (!req) return;
          expectWellFormed(req);
          onlyAppError(() => noteInputFrom(req.properties, { draftOnly: draft }));
        },
      ),
      budget(400),
    );
  });
});

describe('Micropub JSON (§3.3.2, §3.4–3.6)', () => {
  it('fromJson and noteInputFrom throw nothing but AppError', () => {
    fc.assert(
      fc.property(micropubJson(urlish), (body) => {
        const req = onlyAppError(() => fromJson(body));
        if (!req) return;
        expectWellFormed(req);
        if (req.action === 'create') onlyAppError(() => noteInputFrom(req.properties, { draftOnly: false }));
      }),
      budget(400),
    );
  });

  it('applyUpdate throws nothing but AppError, and its result is properties again', () => {
    fc.assert(
      fc.property(
        mf2Properties,
        fc.record({ replace: updateOp, add: updateOp, delete: updateOp }, { requiredKeys: [] }),
        (props, ops) => {
          const before = structuredClone(props);
          const out = onlyAppError(() => applyUpdate(props, ops));
          // The note's stored properties are never changed in place.
          expect(props).toEqual(before);
          if (!out) return;
          for (const [k, v] of Object.entries(out)) expect(Array.isArray(v), k).toBe(true);
          onlyAppError(() => noteInputFrom(out, { draftOnly: false }));
        },
      ),
      budget(400),
    );
  });
});

// Bugs the fuzzer found: each was a TypeError or RangeError (an HTTP 500 at /micropub).
describe('bugs found by fuzzing (fixed; kept as regression tests)', () => {
  it('a form field named like an Object.prototype member ("constructor") is an AppError', () => {
    // fromFormFields: `props[key] ??= []` found the inherited Object.prototype.constructor, then `.push`
    // failed. Fixed: such a field is an ordinary property.
    expect(fromFormFields([['constructor', 'x']]).properties.constructor).toEqual(['x']);
  });

  it('an update "add" naming an Object.prototype member ("toString") is an AppError or works', () => {
    // applyUpdate: `[...(out[k] ?? []), ...v]` spreads the inherited function: "is not iterable".
    expect(onlyAppError(() => applyUpdate({}, { add: { toString: ['x'] } }))).toBeDefined();
  });

  it('an update "delete" naming "__proto__" or "constructor" is an AppError or works', () => {
    // applyUpdate: `out[k].filter` on Object.prototype / Object: "out[k].filter is not a function".
    const ops = JSON.parse('{"__proto__": ["x"], "constructor": ["y"]}') as Record<string, unknown[]>;
    expect(onlyAppError(() => applyUpdate({ content: ['a'] }, { delete: ops }))).toEqual({ content: ['a'] });
  });

  it('a JSON "action" that is an object with its own "toString" is an AppError', () => {
    // parse.ts fromJson: String(o.action) calls the member, which is not a function: "Cannot convert
    // object to primitive value". Found by the long run (seed 25527832): {"action": {"toString": false}}.
    expect(() => fromJson({ action: { toString: false }, url: 'http://example.test/notes/x' })).toThrow(
      AppError,
    );
  });

  it('a JSON property with 200,000 values is an AppError or works, not a RangeError', () => {
    // parse.ts depthOf: `Math.max(d, ...v.map(...))` spreads one argument per element; past ~120k
    // arguments V8 throws "Maximum call stack size exceeded". The body is ~400 KB, far under the 30 MB limit.
    const body = {
      type: ['h-entry'],
      properties: { content: ['x'], category: new Array(200_000).fill('t') },
    };
    expect(() => onlyAppError(() => fromJson(body))).not.toThrow();
  });
});
