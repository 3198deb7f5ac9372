import { describe, expect, it } from 'vitest';
import { monthOf, monthPath, monthStart, monthsBetween } from './zoned-months.js';

describe('months in a time zone', () => {
  it('starts a month at local midnight, across offsets and daylight saving', () => {
    expect(monthStart({ year: 2026, month: 3 }, 'UTC').toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(monthStart({ year: 2026, month: 3 }, 'Europe/Berlin').toISOString()).toBe(
      '2026-02-28T23:00:00.000Z',
    );
    expect(monthStart({ year: 2026, month: 4 }, 'Europe/Berlin').toISOString()).toBe(
      '2026-03-31T22:00:00.000Z',
    );
    expect(monthStart({ year: 2026, month: 1 }, 'America/New_York').toISOString()).toBe(
      '2026-01-01T05:00:00.000Z',
    );
    expect(monthStart({ year: 2026, month: 6 }, 'Asia/Kolkata').toISOString()).toBe(
      '2026-05-31T18:30:00.000Z',
    );
    expect(monthStart({ year: 2026, month: 12 }, 'Pacific/Chatham').toISOString()).toBe(
      '2026-11-30T10:15:00.000Z',
    );
  });

  it('puts an instant in the month of its local date', () => {
    expect(monthOf(new Date('2026-02-28T23:30:00Z'), 'Europe/Berlin')).toEqual({ year: 2026, month: 3 });
    expect(monthOf(new Date('2026-02-28T23:30:00Z'), 'UTC')).toEqual({ year: 2026, month: 2 });
    expect(monthOf(new Date('2026-01-01T03:00:00Z'), 'America/New_York')).toEqual({ year: 2025, month: 12 });
  });

  it('lists months newest first, over a year end', () => {
    expect(monthsBetween({ year: 2025, month: 11 }, { year: 2026, month: 2 }).map(monthPath)).toEqual([
      '2026/02',
      '2026/01',
      '2025/12',
      '2025/11',
    ]);
  });
});
