/**
 * Calendar months in a time zone: the archive lists notes by the month they were published in the
 * site's time zone (a note written at 00:30 on 1 March in Berlin is a March note), while notes
 * store UTC instants. Pure; time zones are IANA names, as the settings keep them.
 */

/** A calendar month: year and month number (1–12). */
export interface YearMonth {
  year: number;
  month: number;
}

const PARTS = new Map<string, Intl.DateTimeFormat>();

function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let f = PARTS.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (PARTS.size >= 64) PARTS.clear();
    PARTS.set(timeZone, f);
  }
  return f;
}

/** The wall-clock fields of an instant in a time zone. */
function wallClock(at: number, timeZone: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of partsFormat(timeZone).formatToParts(at))
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** How far the zone's wall clock is ahead of UTC at this instant, in ms. */
function offsetAt(at: number, timeZone: string): number {
  const w = wallClock(at, timeZone);
  const asUtc = Date.UTC(w.year!, w.month! - 1, w.day!, w.hour!, w.minute!, w.second!);
  return asUtc - (at - (((at % 1000) + 1000) % 1000));
}

/** The month an instant falls in, in the time zone. */
export function monthOf(at: Date, timeZone: string): YearMonth {
  const w = wallClock(at.getTime(), timeZone);
  return { year: w.year!, month: w.month! };
}

/** The instant a month starts in the time zone (midnight on its first day there). */
export function monthStart(m: YearMonth, timeZone: string): Date {
  const wall = Date.UTC(m.year, m.month - 1, 1);
  // The offset at the guess, then at the instant it gives (a change of offset near midnight).
  let at = wall - offsetAt(wall, timeZone);
  at = wall - offsetAt(at, timeZone);
  return new Date(at);
}

/** The month after this one. */
export function nextMonth(m: YearMonth): YearMonth {
  return m.month === 12 ? { year: m.year + 1, month: 1 } : { year: m.year, month: m.month + 1 };
}

/** The months from `first` to `last`, newest first. */
export function monthsBetween(first: YearMonth, last: YearMonth): YearMonth[] {
  const out: YearMonth[] = [];
  for (let m = first; m.year < last.year || (m.year === last.year && m.month <= last.month); m = nextMonth(m))
    out.push(m);
  return out.reverse();
}

/** A month's address form: `2026/03`. */
export function monthPath(m: YearMonth): string {
  return `${m.year}/${String(m.month).padStart(2, '0')}`;
}
