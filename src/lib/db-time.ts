/** Parses a timestamp as stored: ISO 8601, or Python StarPunk's "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC. */
export function parseDbTime(value: string): Date {
  let s = value.trim();
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(s)) s = s.replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s += 'Z';
  // JavaScript keeps milliseconds only; Python may write microseconds.
  s = s.replace(/(\.\d{3})\d+/, '$1');
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new Error(`unreadable timestamp "${value}"`);
  return d;
}

/** Formats a time the way StarPunk stores it: ISO 8601 UTC with milliseconds (text order = time order). */
export function toDbTime(d: Date): string {
  return d.toISOString();
}
