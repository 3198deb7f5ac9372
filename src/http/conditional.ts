import { createHash } from 'node:crypto';
import type { Context } from 'hono';

/** Validators of a response: a weak ETag and a Last-Modified date. */
export interface Validators {
  etag: string;
  lastModified: Date;
}

/** A weak ETag from the parts that decide a response's content. */
export function weakEtag(parts: readonly (string | number | null | undefined)[]): string {
  return `W/"${createHash('sha1')
    .update(parts.map((p) => String(p ?? '')).join('\u0000'))
    .digest('base64url')
    .slice(0, 22)}"`;
}

function opaque(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}

/**
 * True when the client's copy is current (RFC 9110 §13.1): If-None-Match wins when present
 * (weak comparison); otherwise If-Modified-Since, at one-second resolution.
 */
export function isNotModified(c: Context, v: Validators): boolean {
  return notModified(c.req.header('if-none-match'), c.req.header('if-modified-since'), v);
}

/** {@link isNotModified} over the two header values (the fast path reads them from Node's request). */
export function notModified(inm: string | undefined, ims: string | undefined, v: Validators): boolean {
  if (inm !== undefined) {
    if (inm.trim() === '*') return true;
    const mine = opaque(v.etag);
    return inm.split(',').some((t) => opaque(t) === mine);
  }
  if (ims !== undefined) {
    const since = Date.parse(ims);
    if (!Number.isNaN(since)) return Math.floor(v.lastModified.getTime() / 1000) * 1000 <= since;
  }
  return false;
}

/** Sets ETag, Last-Modified and Cache-Control on the response being built. */
export function setValidators(
  c: Context,
  v: Validators & { lastModifiedText?: string },
  cacheControl = 'public, max-age=0, must-revalidate',
): void {
  c.header('ETag', v.etag);
  c.header('Last-Modified', v.lastModifiedText ?? v.lastModified.toUTCString());
  c.header('Cache-Control', cacheControl);
}

/** Size of a cached body in bytes (a string counts its length: one byte per character). */
function sizeOf(body: unknown): number {
  if (typeof body === 'string') return body.length;
  if (body instanceof Uint8Array) return body.byteLength;
  return 0;
}

/**
 * A small LRU of rendered bodies keyed by URL and ETag: a repeat request skips rendering. Bounded
 * by count and by the bodies' bytes (a few pages can be large: a note with hundreds of responses).
 */
export function createRenderCache<B = string>(max = 256, maxBytes = 4 * 2 ** 20) {
  const entries = new Map<string, { etag: string; body: B; size: number }>();
  let bytes = 0;
  function drop(key: string): void {
    const e = entries.get(key);
    if (!e) return;
    entries.delete(key);
    bytes -= e.size;
  }
  return {
    /** The cached body for `key` if it was rendered for this ETag. */
    get(key: string, etag: string): B | undefined {
      const e = entries.get(key);
      if (!e || e.etag !== etag) return undefined;
      entries.delete(key);
      entries.set(key, e);
      return e.body;
    },
    /** Remembers a rendered body (one larger than an eighth of the budget is not kept). */
    set(key: string, etag: string, body: B): void {
      drop(key);
      const size = sizeOf(body);
      if (size > maxBytes / 8) return;
      entries.set(key, { etag, body, size });
      bytes += size;
      while (entries.size > max || bytes > maxBytes) drop(entries.keys().next().value as string);
    },
  };
}

/** The render cache type. */
export type RenderCache = ReturnType<typeof createRenderCache>;
