/**
 * How long the event loop was late, for /metrics (issue 22: nothing an outsider sends may block
 * it for long, and this is how that is watched in production). One monitor per process, sampling
 * every 10 ms (perf_hooks.monitorEventLoopDelay); each scrape reads the delays since the previous
 * one and starts a new window, as prom-client's nodejs_eventloop_lag_* gauges do.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 10;
let monitor: IntervalHistogram | undefined;

/** Starts watching the event loop (once per process; later calls do nothing). */
export function watchEventLoopDelay(): void {
  if (monitor) return;
  monitor = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  monitor.enable();
}

/** Event-loop delay since the previous call, in seconds; then a new window starts. */
export interface EventLoopDelay {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

/** The delays of the window that ends now (zeros before any sample), and starts the next one. */
export function takeEventLoopDelay(): EventLoopDelay {
  watchEventLoopDelay();
  const h = monitor!;
  // Each sample is the time between two firings of a 10 ms timer, in nanoseconds: the delay is
  // what exceeds the 10 ms.
  const seconds = (ns: number) => (h.count === 0 ? 0 : Math.max(0, ns / 1e6 - RESOLUTION_MS) / 1000);
  const delay = {
    p50: seconds(h.percentile(50)),
    p99: seconds(h.percentile(99)),
    max: seconds(h.max),
    samples: h.count,
  };
  h.reset();
  return delay;
}
