/**
 * Wall-clock times in the site's time zone, for the editor's datetime-local field ("Schedule
 * for"): shown in the zone, entered in it, stored as the UTC instant it means. Intl only.
 */

const PARTS = new Map<string, Intl.DateTimeFormat>();

function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let f = PARTS.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    if (PARTS.size >= 64) PARTS.clear();
    PARTS.set(timeZone, f);
  }
  return f;
}

/** The wall-clock fields of instant `t` in `timeZone`. */
function wallClock(t: number, timeZone: string) {
  const get: Record<string, number> = {};
  for (const p of partsFormat(timeZone).formatToParts(new Date(t))) {
    if (p.type !== 'literal') get[p.type] = Number(p.value);
  }
  return {
    year: get.year!,
    month: get.month!,
    day: get.day!,
    hour: get.hour! % 24,
    minute: get.minute!,
    second: get.second!,
  };
}

/** How far `timeZone` is ahead of UTC at instant `t`, in milliseconds. */
export function zoneOffset(t: number, timeZone: string): number {
  const w = wallClock(t, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(t / 1000) * 1000;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `d` as a datetime-local value (YYYY-MM-DDTHH:mm) on the clocks of `timeZone`. */
export function toZonedInput(d: Date, timeZone: string): string {
  const w = wallClock(d.getTime(), timeZone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

/**
 * The instant a datetime-local value means on the clocks of `timeZone`, or undefined when it is
 * not one. A time the clocks skip (spring forward) means the instant an hour later, as a wall
 * clock would show it; a time they show twice (fall back) means its first occurrence.
 */
export function fromZonedInput(value: string, timeZone: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || s! > 59) return undefined;
  const wall = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  if (Number.isNaN(wall) || new Date(wall).getUTCDate() !== d) return undefined;
  // The offsets in force a day either side of that wall time: the zone's two candidates.
  const before = zoneOffset(wall - 86_400_000, timeZone);
  const after = zoneOffset(wall + 86_400_000, timeZone);
  const candidates = [...new Set([before, after])]
    .map((off) => wall - off)
    .filter((t) => zoneOffset(t, timeZone) === wall - t)
    .sort((a, b) => a - b);
  // Fall back: two instants show this wall time, take the first. Spring forward: none does;
  // the earlier offset carries it past the gap (02:30 → 03:30).
  return new Date(candidates[0] ?? wall - before);
}
