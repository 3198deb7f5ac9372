/** The scopes StarPunk understands (Micropub and IndieAuth profile scopes). */
export const KNOWN_SCOPES = [
  'create',
  'update',
  'delete',
  'undelete',
  'media',
  'draft',
  'profile',
  'email',
] as const;

/** Parses a space-separated scope string into a set (exact membership, no substring tricks). */
export function parseScope(scope: string | null | undefined): Set<string> {
  return new Set(
    (scope ?? '')
      .split(/\s+/)
      .filter((s) => s.length > 0 && s.length <= 100 && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)),
  );
}

/** Formats a scope set back into a space-separated string. */
export function formatScope(scopes: Iterable<string>): string {
  return [...scopes].join(' ');
}
