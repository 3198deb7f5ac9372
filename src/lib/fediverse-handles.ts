/**
 * Fediverse handles in a note's text (`@user@server`): finding them, and linking them in the
 * note's HTML the way Mastodon marks up a mention (an h-card link with the `mention` class), so
 * the receiving servers show the person and notify them.
 */

/** One handle: the user and server as written, lower-cased server. */
export interface FediverseHandle {
  /** `user@server`, as the WebFinger `acct:` resource names it. */
  acct: string;
  user: string;
  server: string;
}

// A user name as Mastodon allows it; a server name with a dot, or a loopback address with a port.
const HANDLE =
  /(^|[^\w@/.:-])@([a-z0-9_][a-z0-9_.-]{0,63})@((?:[a-z0-9-]+\.)+[a-z]{2,63}|\d{1,3}(?:\.\d{1,3}){3}:\d{1,5})/giu;

/** The distinct handles written in `text` (at most `max`), in order. */
export function findHandles(text: string, max = 20): FediverseHandle[] {
  const out = new Map<string, FediverseHandle>();
  for (const m of text.matchAll(HANDLE)) {
    const user = m[2]!.replace(/[.-]+$/, '');
    const server = m[3]!.toLowerCase();
    const acct = `${user}@${server}`;
    if (!out.has(acct.toLowerCase())) out.set(acct.toLowerCase(), { acct, user, server });
    if (out.size >= max) break;
  }
  return [...out.values()];
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Links each handle in `profiles` (by `acct`, lower case) where it appears in the text of `html`,
 * outside tags and outside existing links; other text is left as it is.
 */
export function linkHandles(html: string, profiles: ReadonlyMap<string, string>): string {
  if (profiles.size === 0) return html;
  let inLink = 0;
  return html
    .split(/(<[^>]*>)/)
    .map((part) => {
      if (part.startsWith('<')) {
        if (/^<a[\s>]/i.test(part)) inLink++;
        else if (/^<\/a\s*>/i.test(part)) inLink = Math.max(0, inLink - 1);
        return part;
      }
      if (inLink > 0) return part;
      return part.replace(HANDLE, (whole, before: string, user: string, server: string) => {
        const acct = `${user.replace(/[.-]+$/, '')}@${server.toLowerCase()}`;
        const href = profiles.get(acct.toLowerCase());
        if (!href) return whole;
        const rest = whole.slice(before.length + 1 + acct.length);
        return `${before}<span class="h-card"><a href="${escapeAttr(href)}" class="u-url mention">@<span>${user.replace(/[.-]+$/, '')}</span></a></span>${rest}`;
      });
    })
    .join('');
}

/** Makes the site-relative `href` and `src` attributes of our own HTML absolute. */
export function absoluteLinks(html: string, base: string): string {
  return html.replace(/\s(href|src)="([^"]*)"/g, (whole, name: string, value: string) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(value) || value.startsWith('#')) return whole;
    try {
      return ` ${name}="${escapeAttr(new URL(value.replace(/&amp;/g, '&'), base).href)}"`;
    } catch {
      return whole;
    }
  });
}
