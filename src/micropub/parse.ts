import { AppError } from '../lib/errors.js';
import type { Mf2Properties } from '../notes/types.js';

/** A Micropub request after parsing, whatever its encoding (Micropub §3.3, §3.7). */
export interface MicropubRequest {
  action: 'create' | 'update' | 'delete' | 'undelete';
  /** h-* type without the prefix for create (e.g. "entry"). */
  type: string;
  /** Properties as mf2 JSON: every value an array; reserved names removed. */
  properties: Mf2Properties;
  /** mp-* commands (mp-slug, mp-syndicate-to, …), values as arrays. */
  commands: Record<string, unknown[]>;
  /** Target of update/delete/undelete. */
  url?: string;
  /** Update operations (JSON only). */
  replace?: Record<string, unknown>;
  add?: Record<string, unknown>;
  delete?: unknown;
  /** Uploaded files by property name (multipart). */
  files: { property: string; file: File }[];
}

const MAX_DEPTH = 16;

/** How deeply a JSON value nests, stopping early past the limit (iterative: huge arrays are fine). */
function depthOf(root: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (d > max) max = d;
    if (max > MAX_DEPTH) return max;
    if (v && typeof v === 'object') {
      for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
    }
  }
  return max;
}

function splitReserved(props: Record<string, unknown[]>) {
  const properties: Mf2Properties = {};
  const commands: Record<string, unknown[]> = {};
  // Plain objects below: names like "constructor" are ordinary own properties here.
  for (const [k, v] of Object.entries(props)) {
    if (k === 'access_token' || k === 'h' || k === 'action' || k === 'url') continue;
    if (k.startsWith('mp-')) commands[k] = v;
    else properties[k] = v;
  }
  return { properties, commands };
}

/** What a property name may look like (no __proto__ and friends: they start with an underscore). */
export const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

/**
 * Form-encoded and multipart bodies (§3.3.1): `name[]` and repeated names become arrays, single
 * values become one-element arrays. Returns the action-free pieces.
 */
export function fromFormFields(entries: Iterable<[string, string | File]>): MicropubRequest {
  // No prototype: a field named "constructor" or "toString" is just a field.
  const props: Record<string, unknown[]> = Object.create(null);
  const files: { property: string; file: File }[] = [];
  let h: string | undefined;
  let action: string | undefined;
  let url: string | undefined;
  for (const [rawKey, value] of entries) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    if (!NAME.test(key)) {
      throw new AppError('invalid_request', `"${rawKey.slice(0, 40)}" is not a valid property name.`);
    }
    if (typeof value !== 'string') {
      files.push({ property: key, file: value });
      continue;
    }
    if (key === 'h') h = value;
    else if (key === 'action') action = value;
    else if (key === 'url') url = value;
    else {
      props[key] ??= [];
      props[key].push(value);
    }
  }
  const { properties, commands } = splitReserved(props);
  return {
    action: parseAction(action),
    type: h ?? 'entry',
    properties,
    commands,
    url,
    files,
  };
}

function parseAction(a: string | undefined): MicropubRequest['action'] {
  if (a === undefined || a === 'create') return 'create';
  if (a === 'update' || a === 'delete' || a === 'undelete') return a;
  throw new AppError('invalid_request', `Unknown action "${a.slice(0, 40)}".`);
}

/** JSON bodies (§3.3.2 create, §3.4 update, §3.5/§3.6 delete/undelete). */
export function fromJson(body: unknown): MicropubRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new AppError('invalid_request', 'The JSON body must be an object.');
  }
  if (depthOf(body) > MAX_DEPTH) throw new AppError('invalid_request', 'The JSON body is nested too deeply.');
  const o = body as Record<string, unknown>;
  if (o.action !== undefined && typeof o.action !== 'string') {
    throw new AppError('invalid_request', '"action" must be a string.');
  }
  const action = parseAction(o.action);
  if (action !== 'create') {
    if (typeof o.url !== 'string') throw new AppError('invalid_request', `The ${action} action needs a url.`);
    return {
      action,
      type: 'entry',
      properties: {},
      commands: {},
      url: o.url,
      replace: o.replace as never,
      add: o.add as never,
      delete: o.delete,
      files: [],
    };
  }
  const types = o.type;
  if (!Array.isArray(types) || typeof types[0] !== 'string' || !types[0].startsWith('h-')) {
    throw new AppError('invalid_request', 'A JSON create needs "type": ["h-entry"] (or another h-* type).');
  }
  const rawProps = o.properties;
  if (!rawProps || typeof rawProps !== 'object' || Array.isArray(rawProps)) {
    throw new AppError('invalid_request', 'A JSON create needs a "properties" object.');
  }
  const props: Record<string, unknown[]> = Object.create(null);
  for (const [k, v] of Object.entries(rawProps as Record<string, unknown>)) {
    if (!NAME.test(k))
      throw new AppError('invalid_request', `"${k.slice(0, 40)}" is not a valid property name.`);
    if (!Array.isArray(v))
      throw new AppError('invalid_request', `Property "${k}" must be an array of values.`);
    props[k] = v;
  }
  const { properties, commands } = splitReserved(props);
  return { action, type: types[0].slice(2), properties, commands, files: [] };
}
