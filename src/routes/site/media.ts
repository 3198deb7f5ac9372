import { constants } from 'node:fs';
import { type FileHandle, open, realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { isNotModified } from '../../http/conditional.js';
import { AppError } from '../../lib/errors.js';
import { resolveUnder } from '../../lib/files.js';
import { mediaTypeOf } from '../../lib/media-types.js';

// Media files are never rewritten in place (a new upload gets a new uuid), so caches may keep them.
const CACHE_CONTROL = 'public, max-age=31536000, immutable';

// A missing, unreadable or oddly named file is simply not there: never a 500 for a bad path.
const NOT_THERE = new Set([
  'ENOENT',
  'ENOTDIR',
  'EISDIR',
  'ELOOP',
  'ENAMETOOLONG',
  'EACCES',
  'EPERM',
  'EINVAL',
]);

function notFound(): AppError {
  return new AppError('not_found', 'There is no file at this address.');
}

/**
 * The path under MEDIA_PATH that a request names, or undefined. Works on the raw (still encoded)
 * URL path so that an encoded slash, backslash, NUL or dot segment is seen and refused here,
 * whatever the server in front did or did not normalise; dot files (temp files) are never served.
 */
function relativePathOf(c: Context): string | undefined {
  const raw = new URL(c.req.url).pathname;
  if (!raw.startsWith('/media/')) return undefined;
  const segments: string[] = [];
  for (const encoded of raw.slice('/media/'.length).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return undefined;
    }
    if (segment === '' || segment.startsWith('.') || /[/\\\0]/.test(segment)) return undefined;
    segments.push(segment);
  }
  return segments.length > 0 ? segments.join('/') : undefined;
}

/** Opens a regular file inside `root` (after resolving symbolic links), or undefined. */
async function openInside(root: string, rel: string): Promise<FileHandle | undefined> {
  let full: string;
  try {
    full = resolveUnder(root, rel);
  } catch {
    return undefined;
  }
  let handle: FileHandle | undefined;
  try {
    const [realRoot, realFull] = await Promise.all([realpath(root), realpath(full)]);
    if (!realFull.startsWith(realRoot + sep)) return undefined;
    // O_NONBLOCK: opening a FIFO planted in the folder must not hang a worker thread.
    handle = await open(realFull, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      return undefined;
    }
    return handle;
  } catch (err) {
    await handle?.close().catch(() => undefined);
    if (NOT_THERE.has((err as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw err;
  }
}

/** The Content-Security-Policy of an image file: only the browser's own viewer styles. */
export const MEDIA_CSP =
  "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/** GET and HEAD /media/*: uploaded files from MEDIA_PATH, streamed, with exact types and long caching. */
export function mediaRoutes(deps: { mediaPath: string }): Hono {
  const app = new Hono();
  app.get('/media/*', async (c) => {
    const rel = relativePathOf(c);
    if (rel === undefined) throw notFound();
    const handle = await openInside(deps.mediaPath, rel);
    if (!handle) throw notFound();

    let streaming = false;
    try {
      const stat = await handle.stat();
      const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
      const lastModified = new Date(stat.mtimeMs);
      // Anything but the known image types is a download.
      const type = mediaTypeOf(rel);
      c.header('Content-Type', type ?? 'application/octet-stream');
      if (!type) c.header('Content-Disposition', 'attachment');
      // A photo opened on its own (a note's photo grid links each to its file) is shown in the
      // browser's image viewer, a document whose styles are inline: a raster image runs nothing,
      // so its policy allows those styles and nothing else.
      else c.header('Content-Security-Policy', MEDIA_CSP);
      c.header('X-Content-Type-Options', 'nosniff');
      c.header('Cache-Control', CACHE_CONTROL);
      c.header('ETag', etag);
      c.header('Last-Modified', lastModified.toUTCString());
      if (isNotModified(c, { etag, lastModified })) return c.body(null, 304);
      c.header('Content-Length', String(stat.size));
      // Hono answers HEAD by running GET and dropping the body: open no stream it would never close.
      if (c.req.method === 'HEAD') return c.body(null, 200);
      const stream = Readable.toWeb(handle.createReadStream()) as unknown as ReadableStream<Uint8Array>;
      streaming = true;
      return c.body(stream, 200);
    } finally {
      // The stream closes the file when it ends or is cancelled; otherwise close it here.
      if (!streaming) await handle.close();
    }
  });
  return app;
}
