/**
 * Progress of a long command on a terminal: what it is doing, how far it is, how long is left, on
 * one line redrawn in place. When standard error is not a terminal (a service manager, a pipe, a
 * test) it writes nothing, so captured output stays plain. One helper for every command
 * (`backup`, `restore`, `export`, `reindex`, an upgrade, an import).
 *
 *     const p = progress('Indexing notes', total);
 *     for (const note of notes) { index(note); p.tick(); }
 *     p.done();
 */

/** One counted step of work. */
export interface Progress {
  /** `n` more items done (default 1). */
  tick(n?: number): void;
  /** The step is over: its line is cleared (the command says what it did). */
  done(): void;
}

/** Starts a step: its label ("Copying notes") and how many items it has (0 when unknown). */
export type ProgressFactory = (label: string, total: number) => Progress;

/** Where progress is drawn: standard error, or a test's stand-in. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/** Options of {@link progress}. */
export interface ProgressOptions {
  /** Default: `process.stderr`. Nothing is written unless it is a terminal. */
  stream?: ProgressStream;
  /** Milliseconds, monotonic (default `performance.now`). */
  now?: () => number;
  /** The least time between two redraws (default 100 ms): a tight loop does not flood the terminal. */
  intervalMs?: number;
}

/** A step that shows nothing (not a terminal, or a caller that wants no progress). */
const SILENT: Progress = { tick() {}, done() {} };

/** Progress that is never shown: the default of functions that take a {@link ProgressFactory}. */
export const NO_PROGRESS: ProgressFactory = () => SILENT;

/** A duration as a person reads a countdown: "0:42", "12:05", "1:02:03". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/**
 * The line of a step: "Copying notes  12,345 / 100,000 (12%)  0:42 left". Time left is estimated
 * from the pace so far, once a second has passed and something is done; without a total, only
 * the count.
 */
export function formatProgress(label: string, done: number, total: number, elapsedMs: number): string {
  const n = (v: number) => v.toLocaleString('en-US');
  if (total <= 0) return done > 0 ? `${label}  ${n(done)}` : `${label}…`;
  const shown = Math.min(done, total);
  const pct = Math.floor((shown / total) * 100);
  let line = `${label}  ${n(shown)} / ${n(total)} (${pct}%)`;
  if (shown > 0 && shown < total && elapsedMs >= 1000) {
    line += `  ${formatDuration((elapsedMs / shown) * (total - shown))} left`;
  }
  return line;
}

/**
 * Starts a step of `total` items, drawn on standard error (or `options.stream`) only when that is
 * a terminal. See the module comment for use.
 */
export function progress(label: string, total: number, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (stream.isTTY !== true) return SILENT;
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 100;
  const started = now();
  let count = 0;
  let drawnAt = Number.NEGATIVE_INFINITY;
  let drawn = false;
  let finished = false;
  const draw = () => {
    const t = now();
    // A terminal of unknown size (a pseudo-terminal no one sized says 0) counts as 80 columns.
    const width = Math.max(20, (stream.columns || 80) - 1);
    const line = formatProgress(label, count, total, t - started);
    // \r and "erase line": the line is redrawn in place, never scrolled.
    stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    drawnAt = t;
    drawn = true;
  };
  draw();
  return {
    tick(n = 1) {
      if (finished) return;
      count += n;
      if (now() - drawnAt >= interval) draw();
    },
    done() {
      if (finished) return;
      finished = true;
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}

/** A {@link ProgressFactory} drawing on `stream` (standard error by default) with these options. */
export function progressOn(options: ProgressOptions = {}): ProgressFactory {
  return (label, total) => progress(label, total, options);
}

/** Runs `work` as `step`, which is done (its line cleared) however `work` ends. */
export async function shown<T>(step: Progress, work: (step: Progress) => Promise<T>): Promise<T> {
  try {
    return await work(step);
  } finally {
    step.done();
  }
}

/** Runs synchronous `work` as `step`, which is done (its line cleared) however `work` ends. */
export function shownSync<T>(step: Progress, work: (step: Progress) => T): T {
  try {
    return work(step);
  } finally {
    step.done();
  }
}
