/**
 * The strings of a JSON array stored as text (a mention's `in_reply_to`); anything else, or text
 * a hand edit of the database left unreadable, is an empty list rather than a failure.
 */
export function jsonList(text: string): string[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
