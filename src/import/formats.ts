/**
 * The formats `starpunk import` reads through the import engine, and how a file is recognised.
 * A new source is one entry here (and its reader folder); see contract.ts.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { ImportFormat } from './contract.js';
import { anyFeedFormat, atomFormat, hFeedFormat, jsonFeedFormat, rssFormat } from './feed/reader.js';
import { MARKDOWN_SITE_FORMATS } from './markdown-site/reader.js';
import { mastodonFormat } from './mastodon/reader.js';
import { wordpressFormat } from './wordpress/reader.js';

/**
 * Every format the engine imports, by name. Order matters for detection: a WordPress export is
 * RSS too, so it is tried before the feeds.
 */
export const FORMATS: readonly ImportFormat[] = [
  wordpressFormat,
  mastodonFormat,
  rssFormat,
  atomFormat,
  jsonFeedFormat,
  hFeedFormat,
  anyFeedFormat,
  ...MARKDOWN_SITE_FORMATS,
];

/** The format named `name` (`--from`), or undefined. */
export function formatNamed(name: string): ImportFormat | undefined {
  return FORMATS.find((f) => f.name === name);
}

/** The first bytes of a file as text, for detection. */
export function headOf(path: string, bytes = 4096): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The format a file is in (by its first bytes) or a folder is in (by `detectFolder`), or undefined. */
export function detectFormat(path: string): ImportFormat | undefined {
  if (statSync(path).isDirectory()) return FORMATS.find((f) => f.detectFolder?.(path));
  const head = headOf(path);
  return FORMATS.find((f) => f.detect(head, path));
}
