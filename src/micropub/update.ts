import { AppError } from '../lib/errors.js';
import type { Mf2Properties } from '../notes/types.js';
import { NAME } from './parse.js';

function isOps(v: unknown): v is Record<string, unknown[]> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => Array.isArray(x));
}

function checkName(k: unknown): string {
  if (typeof k !== 'string' || !NAME.test(k)) {
    throw new AppError(
      'invalid_request',
      `"${String(typeof k === 'string' ? k : typeof k).slice(0, 40)}" is not a valid property name.`,
    );
  }
  return k;
}

/**
 * Applies a Micropub update (§3.4) to a copy of `properties`: replace, add, and delete (whole
 * properties by name, or specific values), in that order. An operation that is not an object of
 * arrays (or, for delete, an array of names) is invalid_request.
 */
export function applyUpdate(
  properties: Mf2Properties,
  ops: { replace?: unknown; add?: unknown; delete?: unknown },
): Mf2Properties {
  if (ops.replace === undefined && ops.add === undefined && ops.delete === undefined) {
    throw new AppError('invalid_request', 'An update needs replace, add or delete.');
  }
  // Own properties only: "constructor" or "toString" must not find Object.prototype's members.
  const out: Mf2Properties = Object.assign(Object.create(null), structuredClone(properties));
  const has = (k: string) => Object.hasOwn(out, k);
  if (ops.replace !== undefined) {
    if (!isOps(ops.replace))
      throw new AppError('invalid_request', '"replace" must be an object whose values are arrays.');
    for (const [k, v] of Object.entries(ops.replace)) out[checkName(k)] = [...v];
  }
  if (ops.add !== undefined) {
    if (!isOps(ops.add))
      throw new AppError('invalid_request', '"add" must be an object whose values are arrays.');
    for (const [k, v] of Object.entries(ops.add)) out[checkName(k)] = [...(has(k) ? out[k]! : []), ...v];
  }
  if (ops.delete !== undefined) {
    if (Array.isArray(ops.delete)) {
      for (const k of ops.delete) {
        if (typeof k !== 'string')
          throw new AppError('invalid_request', '"delete" as an array must list property names.');
        delete out[k];
      }
    } else if (isOps(ops.delete)) {
      for (const [k, values] of Object.entries(ops.delete)) {
        if (!NAME.test(k) || !has(k)) continue;
        const drop = values.map((v) => JSON.stringify(v));
        const kept = out[k]!.filter((v) => !drop.includes(JSON.stringify(v)));
        if (kept.length === 0) delete out[k];
        else out[k] = kept;
      }
    } else {
      throw new AppError(
        'invalid_request',
        '"delete" must be an array of property names or an object of arrays.',
      );
    }
  }
  // Back to an ordinary object for JSON and the rest of the code.
  return { ...out };
}
