import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../lib/errors.js';
import { MAX_UPLOAD_BYTES } from '../media/image.js';

const KB = 1024;
const MB = 1024 * KB;

/**
 * How many bytes of request body each kind of route reads. Anything larger is refused with 413
 * before it is read (Content-Length) or as soon as the count passes the limit (chunked bodies).
 */
export const BODY_LIMITS = {
  /** OAuth endpoints, sign-in and admin forms without files, and Micropub before authentication. */
  form: 64 * KB,
  /** A note's text as a form or JSON: a 512 KB note, percent-encoded (up to 3×), fits. */
  text: 2 * MB,
  /** One image at the upload maximum, in multipart, with a few small fields. */
  upload: MAX_UPLOAD_BYTES + 64 * KB,
  /** A note's text and one image at the upload maximum, in multipart (editor, Micropub create). */
  textWithUpload: MAX_UPLOAD_BYTES + 2 * MB,
  /** A note's text and three images at the upload maximum: the editor's photo field without a script (ADR 0019). */
  textWithUploads: 3 * MAX_UPLOAD_BYTES + 2 * MB,
} as const;

// Methods whose body is never read here; fetch's Request also refuses to carry TRACE, TRACK, CONNECT.
const NO_BODY_METHODS = new Set(['GET', 'HEAD', 'TRACE', 'TRACK', 'CONNECT']);

/** Variables the body limit provides: the refusal, once a body ran over its limit. */
export interface BodyLimitVars {
  bodyTooLarge: AppError | undefined;
}

function tooLarge(limit: number, hint?: string): AppError {
  const size = limit >= MB ? `${Math.round((limit / MB) * 10) / 10} MB` : `${Math.round(limit / KB)} KB`;
  return new AppError(
    'payload_too_large',
    `The request body may be at most ${size} here.${hint ? ` ${hint}` : ''}`,
  );
}

/**
 * Caps the request body at `limit` bytes without reading any of it: a declared Content-Length
 * over the limit throws at once; otherwise the body is replaced by a lazy, counting view, so that
 * nothing is read until a handler asks and reading past the limit fails (the refusal is also
 * remembered, so a handler that swallows read errors still answers 413). Only what a handler
 * reads is ever held. Calling it again with a smaller limit narrows it.
 */
export function capRequestBody(c: Context, limit: number, hint?: string): void {
  const raw = c.req.raw;
  if (NO_BODY_METHODS.has(raw.method.toUpperCase())) return;
  const declared = c.req.header('content-length');
  if (declared !== undefined && !c.req.header('transfer-encoding')) {
    const n = Number(declared);
    if (Number.isFinite(n) && n > limit) throw remember(c, tooLarge(limit, hint));
  }
  let source: ReadableStreamDefaultReader<Uint8Array> | null | undefined;
  let seen = 0;
  const counted = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Opened on the first read only: in @hono/node-server, touching `raw.body` starts pulling
        // from the socket, and an unauthenticated request must not get that far.
        if (source === undefined) source = raw.body ? raw.body.getReader() : null;
        if (source === null) {
          controller.close();
          return;
        }
        const { done, value } = await source.read();
        if (done) {
          controller.close();
          return;
        }
        seen += value.byteLength;
        if (seen > limit) {
          // The source is left alone rather than cancelled: cancelling destroys the socket in
          // Node, and the client would never see the 413. The server drains or closes it after.
          controller.error(remember(c, tooLarge(limit, hint)));
          return;
        }
        controller.enqueue(value);
      },
      cancel(reason) {
        return source ? source.cancel(reason) : undefined;
      },
    },
    // No read-ahead: a chunk is pulled only when a reader asks for one.
    { highWaterMark: 0 },
  );
  c.req.raw = new Request(raw.url, {
    method: raw.method,
    headers: raw.headers,
    body: counted,
    signal: raw.signal,
    duplex: 'half',
  } as RequestInit);
}

function remember(c: Context, err: AppError): AppError {
  (c as Context<{ Variables: BodyLimitVars }>).set('bodyTooLarge', err);
  return err;
}

/** The body limit that applies to a path (exact path or RegExp) and content type. */
export type BodyLimitRule = [path: string | RegExp, limit: number | ((contentType: string) => number)];

/**
 * Gives every request the body limit of the first rule matching its path, `fallback` otherwise,
 * and answers 413 (in the route's error format) when the body was larger, whatever the handler
 * did with the failed read.
 */
export function limitBodies(
  fallback: number,
  rules: BodyLimitRule[],
): MiddlewareHandler<{ Variables: BodyLimitVars }> {
  return async (c, next) => {
    const path = c.req.path;
    const rule = rules.find(([p]) => (typeof p === 'string' ? p === path : p.test(path)));
    const limit = rule?.[1] ?? fallback;
    capRequestBody(c, typeof limit === 'function' ? limit(contentType(c)) : limit);
    await next();
    const refused = c.get('bodyTooLarge');
    if (refused && c.res.status !== 413) throw refused;
  };
}

/** The request's media type, lower case, without parameters. */
export function contentType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}
