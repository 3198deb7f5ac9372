/**
 * What a note links to, and so which URLs it sends Webmentions to: the links of its content and
 * the response properties its page shows (in-reply-to, like-of, repost-of, bookmark-of).
 */
import type { Note } from '../notes/types.js';
import { linkElements } from './html-links.js';

/** The response properties a note page renders as links (src/views/entry.tsx shows the first URL of each). */
export const RESPONSE_PROPERTIES = ['in-reply-to', 'like-of', 'repost-of', 'bookmark-of'] as const;

/** The most targets one note sends to: a note of links must not turn the server into a mailer. */
export const MAX_TARGETS = 100;

/** The URL a response property value names: a URL string, or an h-cite's `value` or first `url`. */
function urlOfValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as { value?: unknown; properties?: { url?: unknown[] } };
    if (typeof o.value === 'string' && /^https?:\/\//i.test(o.value)) return o.value;
    const u = o.properties?.url?.[0];
    if (typeof u === 'string') return u;
  }
  return undefined;
}

/** An absolute http(s) URL without credentials, or undefined. */
function httpUrl(href: string, base: string): URL | undefined {
  try {
    const u = new URL(href.trim(), base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    if (u.username || u.password) return undefined;
    return u;
  } catch {
    return undefined;
  }
}

/** True when `url` is a page of the site at `siteUrl` (same origin, under its path). */
export function isOwnUrl(url: URL, siteUrl: string): boolean {
  const site = new URL(siteUrl);
  return url.origin === site.origin && url.pathname.startsWith(site.pathname);
}

/**
 * The Webmention targets of a note, in the order they appear (response properties first, as the
 * page shows them first), each once: two links to one page that differ only in the fragment are
 * one target, sent as first written. Links to this site itself are left out.
 */
export function targetsOf(
  note: Pick<Note, 'contentHtml' | 'properties'>,
  noteUrl: string,
  siteUrl: string,
): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (href: string | undefined) => {
    if (href === undefined || out.length >= MAX_TARGETS) return;
    const u = httpUrl(href, noteUrl);
    if (!u || isOwnUrl(u, siteUrl)) return;
    const text = u.toString();
    u.hash = '';
    const key = u.toString();
    if (seen.has(key)) return;
    seen.add(key);
    out.push(text);
  };
  for (const prop of RESPONSE_PROPERTIES) {
    // Only the first URL of each: the page shows only that one, and a receiver verifies the page.
    const values = note.properties[prop] ?? [];
    const first = values.map(urlOfValue).find((u) => u !== undefined && /^https?:\/\//i.test(u));
    add(first);
  }
  for (const el of linkElements(note.contentHtml)) if (el.tag === 'a') add(el.attrs.get('href'));
  return out;
}
