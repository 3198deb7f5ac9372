import { describe, expect, it } from 'vitest';
import { formatDuration, formatProgress, progress, shown, shownSync } from './progress.js';

/** A terminal stand-in: what was written, and a clock the test moves. */
function terminal(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  let t = 0;
  return {
    writes,
    advance: (ms: number) => {
      t += ms;
    },
    options: {
      stream: { isTTY, columns, write: (s: string) => writes.push(s) },
      now: () => t,
    },
  };
}

describe('formatDuration', () => {
  it('reads like a countdown', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(42_000)).toBe('0:42');
    expect(formatDuration(725_000)).toBe('12:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
  });
});

describe('formatProgress', () => {
  it('says what, how far and how long is left', () => {
    expect(formatProgress('Copying notes', 0, 100_000, 0)).toBe('Copying notes  0 / 100,000 (0%)');
    // 12,500 in 5 s: 87,500 more take 35 s.
    expect(formatProgress('Copying notes', 12_500, 100_000, 5_000)).toBe(
      'Copying notes  12,500 / 100,000 (12%)  0:35 left',
    );
    // No estimate in the first second (too little to go on), nor once everything is done.
    expect(formatProgress('Copying notes', 10, 100, 500)).toBe('Copying notes  10 / 100 (10%)');
    expect(formatProgress('Copying notes', 100, 100, 9_000)).toBe('Copying notes  100 / 100 (100%)');
    expect(formatProgress('Copying notes', 120, 100, 9_000)).toBe('Copying notes  100 / 100 (100%)');
  });

  it('without a total, the count alone (or only the label)', () => {
    expect(formatProgress('Checking the archive', 0, 0, 0)).toBe('Checking the archive…');
    expect(formatProgress('Checking the archive', 1234, 0, 4000)).toBe('Checking the archive  1,234');
  });
});

describe('progress', () => {
  it('writes nothing at all when standard error is not a terminal', () => {
    const term = terminal(false);
    const p = progress('Indexing notes', 3, term.options);
    p.tick();
    term.advance(1000);
    p.tick(2);
    p.done();
    expect(term.writes).toEqual([]);
  });

  it('on a terminal, redraws one line in place at most every 100 ms, and clears it when done', () => {
    const term = terminal(true);
    const p = progress('Indexing notes', 1000, term.options);
    expect(term.writes).toEqual(['\r\x1b[2KIndexing notes  0 / 1,000 (0%)']);
    for (let i = 0; i < 50; i++) p.tick();
    // A tight loop in the same instant: no redraw.
    expect(term.writes).toHaveLength(1);
    term.advance(2000);
    p.tick(50);
    expect(term.writes.at(-1)).toBe('\r\x1b[2KIndexing notes  100 / 1,000 (10%)  0:18 left');
    p.done();
    expect(term.writes.at(-1)).toBe('\r\x1b[2K');
    // Once done, nothing more.
    const n = term.writes.length;
    term.advance(1000);
    p.tick();
    p.done();
    expect(term.writes).toHaveLength(n);
    expect(term.writes.join('')).not.toContain('\n');
  });

  it('never draws wider than the terminal (a wrapped line could not be redrawn in place)', () => {
    const term = terminal(true, 30);
    progress('A label far longer than thirty columns', 10, term.options);
    const line = term.writes[0]!.replace('\r\x1b[2K', '');
    expect(line.length).toBeLessThanOrEqual(29);
    expect(line.endsWith('…')).toBe(true);
  });

  it('shown and shownSync finish the step however the work ends', async () => {
    const term = terminal(true);
    expect(() =>
      shownSync(progress('Sync', 1, term.options), () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(term.writes.at(-1)).toBe('\r\x1b[2K');
    await expect(
      shown(progress('Async', 1, term.options), async () => {
        throw new Error('bang');
      }),
    ).rejects.toThrow('bang');
    expect(term.writes.at(-1)).toBe('\r\x1b[2K');
    const seven = await shown(progress('Ok', 1, term.options), async (s) => {
      s.tick();
      return 7;
    });
    expect(seven).toBe(7);
  });
});
