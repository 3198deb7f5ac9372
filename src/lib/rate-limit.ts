/** A fixed-window counter per key (client address): `limit` attempts per `windowMs`. */
export function createRateLimiter(limit: number, windowMs: number, now: () => number = Date.now) {
  const hits = new Map<string, { count: number; resetAt: number }>();
  return {
    /** Counts an attempt; returns how long to wait (ms) when over the limit, else 0. */
    hit(key: string): number {
      const t = now();
      let h = hits.get(key);
      if (!h || h.resetAt <= t) {
        h = { count: 0, resetAt: t + windowMs };
        hits.set(key, h);
      }
      h.count++;
      if (hits.size > 10_000) {
        for (const [k, v] of hits) if (v.resetAt <= t) hits.delete(k);
      }
      return h.count > limit ? h.resetAt - t : 0;
    },
    /** Forgets a key (after a successful sign-in). */
    reset(key: string): void {
      hits.delete(key);
    },
  };
}

/** The rate limiter type. */
export type RateLimiter = ReturnType<typeof createRateLimiter>;
