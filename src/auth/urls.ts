/**
 * Canonical form of a profile URL (IndieAuth §3.2/§3.4): http(s) only, lower-case host, a path
 * of at least "/", no fragment, no credentials, no default port. Undefined when invalid.
 */
export function normaliseProfileUrl(input: string): string | undefined {
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:/i.test(input.trim()) ? input.trim() : `https://${input.trim()}`);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  if (u.username || u.password || u.hash) return undefined;
  if (u.pathname.split('/').some((s) => s === '.' || s === '..')) return undefined;
  return u.toString();
}

/** True when two profile URLs name the same identity after normalisation. */
export function sameProfile(a: string, b: string): boolean {
  const x = normaliseProfileUrl(a);
  return x !== undefined && x === normaliseProfileUrl(b);
}
