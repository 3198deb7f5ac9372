/**
 * The key under which an address a note or page had on another site is kept here (former
 * addresses, `023_imports.sql`), and looked up again when a visitor asks for it: the path,
 * percent-decoded, without a trailing slash (WordPress permalinks end with one, links to them often
 * do not), `/index.php` read as `/`, and the query with its parameters sorted (`/?p=12`).
 */
export function formerAddressKey(pathname: string, search = ''): string | undefined {
  let path = pathname;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    // A malformed escape: kept as sent; such an address was never stored.
  }
  if (!path.startsWith('/')) return undefined;
  path = path.replace(/\/{2,}/g, '/');
  if (path === '/index.php' || path === '/index.php/') path = '/';
  if (path.length > 1) path = path.replace(/\/+$/, '');
  const params = new URLSearchParams(search);
  const pairs = [...params.entries()]
    .filter(([k]) => k !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const query = pairs.length > 0 ? `?${new URLSearchParams(pairs).toString()}` : '';
  const key = `${path}${query}`;
  return key.length > 2000 ? undefined : key;
}

/** The former-address key of an absolute URL (undefined when it is not an http(s) URL). */
export function formerAddressKeyOfUrl(url: string, base?: string): string | undefined {
  let u: URL;
  try {
    u = base === undefined ? new URL(url) : new URL(url, base);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  return formerAddressKey(u.pathname, u.search);
}
