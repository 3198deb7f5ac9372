/**
 * Dates as the generators' front matter writes them: `2016-01-01`, `2020-04-02 20:34:44 +0100`
 * (Jekyll), `2024-02-02T04:14:54-08:00` (Hugo, Eleventy, Indiekit), with or without seconds,
 * fractions and a zone. A date without a zone is in the site's time zone when its configuration
 * names one (Jekyll `timezone`, Hugo `timeZone`), else in UTC (as Eleventy and Hugo read it).
 */

const DATE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|z|UTC|[+-]\d{2}:?\d{2}|[+-]\d{2})?$/;

/** The offset (minutes east of UTC) of `zone` at the instant `utc`, or undefined for an unknown zone. */
function offsetAt(zone: string, utc: number): number | undefined {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(new Date(utc));
  } catch {
    return undefined;
  }
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? '0');
  const local = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour') % 24,
    get('minute'),
    get('second'),
  );
  return Math.round((local - Math.floor(utc / 1000) * 1000) / 60_000);
}

/** True when `zone` is an IANA time zone this Node knows. */
export function knownZone(zone: string): boolean {
  return offsetAt(zone, Date.now()) !== undefined;
}

/**
 * The instant a front-matter date names, or undefined when it is not a date. `zone` is the site's
 * time zone for dates written without one.
 */
export function parseSiteDate(value: unknown, zone?: string): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const m = DATE.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, z] = m;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  const wall = Date.UTC(+y!, +mo! - 1, +d!, +(h ?? 0), +(mi ?? 0), +(s ?? 0), ms);
  if (Number.isNaN(wall)) return undefined;
  const check = new Date(wall);
  if (check.getUTCMonth() !== +mo! - 1 || check.getUTCDate() !== +d!) return undefined;
  if (z) {
    if (/^(z|utc)$/i.test(z)) return check;
    const sign = z.startsWith('-') ? -1 : 1;
    const digits = z.slice(1).replace(':', '');
    const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    return new Date(wall - sign * minutes * 60_000);
  }
  if (!zone) return check;
  // The wall-clock time in `zone`: its offset there, looked up twice around a change of offset.
  const first = offsetAt(zone, wall);
  if (first === undefined) return check;
  const second = offsetAt(zone, wall - first * 60_000) ?? first;
  return new Date(wall - second * 60_000);
}

/** The date a file name starts with (`2016-01-01-title.md`), and the rest of the name. */
export function datedName(stem: string): { date: string; rest: string } | undefined {
  const m = /^(\d{4}-\d{1,2}-\d{1,2})-(.+)$/.exec(stem);
  return m ? { date: m[1]!, rest: m[2]! } : undefined;
}

/** The parts of `d` in `zone` (or UTC), for addresses built from dates (`/2016/01/31/…`). */
export function partsIn(
  d: Date,
  zone?: string,
): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const off = zone ? (offsetAt(zone, d.getTime()) ?? 0) : 0;
  const w = new Date(d.getTime() + off * 60_000);
  return {
    year: w.getUTCFullYear(),
    month: w.getUTCMonth() + 1,
    day: w.getUTCDate(),
    hour: w.getUTCHours(),
    minute: w.getUTCMinutes(),
    second: w.getUTCSeconds(),
  };
}
