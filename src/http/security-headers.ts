import type { MiddlewareHandler } from 'hono';

/** The Content-Security-Policy of every page: no inline script or style, no framing. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' https: data:",
  "media-src 'self' https:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Adds security headers to every response. */
export function securityHeaders(): MiddlewareHandler {
  // Set before the handler runs, so they are part of the response it builds (changing a
  // finished response afterwards would force a copy of it on every request).
  const apply = (set: (k: string, v: string) => void) => {
    set('Content-Security-Policy', CSP);
    set('X-Content-Type-Options', 'nosniff');
    set('Referrer-Policy', 'strict-origin-when-cross-origin');
    set('X-Frame-Options', 'DENY');
    set('Cross-Origin-Opener-Policy', 'same-origin');
  };
  return async (c, next) => {
    apply((k, v) => c.header(k, v));
    await next();
    // A handler that returned a raw Response (file streams) did not take the prepared headers.
    if (!c.res.headers.has('Content-Security-Policy')) apply((k, v) => c.header(k, v));
  };
}
