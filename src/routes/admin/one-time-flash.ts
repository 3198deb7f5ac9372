import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { SessionVars } from '../../http/session.js';

/** How long a sealed flash waits for the page that shows it. */
const FLASH_TTL_SECONDS = 300;

/** What one page shows once after a redirect, sealed in a cookie for one session. */
export interface OneTimeFlash {
  /** The cookie's name and the one path it is sent to. */
  name: string;
  path: string;
  /** The session's own secret (its CSRF token: HMAC of the server secret and the session). */
  sessionSecret: string;
  sessionId: number;
  secure: boolean;
  now: Date;
}

/**
 * The flash `name` of the signed-in session for the page at `path`, at `now`; its cookie is
 * Secure when the site is served over HTTPS.
 */
export function sessionFlash(
  c: Context<{ Variables: SessionVars }>,
  name: string,
  path: string,
  siteUrl: string,
  now: Date,
): OneTimeFlash {
  const s = c.get('session')!;
  return { name, path, sessionSecret: s.csrf, sessionId: s.id, secure: siteUrl.startsWith('https:'), now };
}

function keyFor(secret: string): Buffer {
  return createHmac('sha256', secret).update('starpunk one-time flash v1').digest();
}

/**
 * Stores `value` for the next GET of `f.path` (post/redirect/get): AES-256-GCM under a key
 * derived from the session's secret, the session id as associated data, so no other session
 * can read or replay it; it expires after five minutes. Nothing is kept on the server, so any
 * process on the same data directory can show it.
 */
export function setOneTimeFlash(c: Context, f: OneTimeFlash, value: unknown): void {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(f.sessionSecret), iv);
  cipher.setAAD(Buffer.from(`session:${f.sessionId}`));
  const plain = JSON.stringify({ v: value, exp: f.now.getTime() + FLASH_TTL_SECONDS * 1000 });
  const sealed = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  setCookie(c, f.name, sealed.toString('base64url'), {
    httpOnly: true,
    sameSite: 'Strict',
    secure: f.secure,
    path: f.path,
    maxAge: FLASH_TTL_SECONDS,
  });
}

/**
 * Takes the flash for this page, if any: clears the cookie in the same answer (a reload shows
 * nothing) and returns the value only when it opens under this session and has not expired.
 */
export function takeOneTimeFlash(c: Context, f: OneTimeFlash): unknown {
  const raw = getCookie(c, f.name);
  if (raw === undefined) return undefined;
  deleteCookie(c, f.name, { path: f.path, secure: f.secure, httpOnly: true, sameSite: 'Strict' });
  try {
    const sealed = Buffer.from(raw, 'base64url');
    if (sealed.length < 12 + 16 + 1) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', keyFor(f.sessionSecret), sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from(`session:${f.sessionId}`));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const plain = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
    const parsed = JSON.parse(plain.toString('utf8')) as { v?: unknown; exp?: unknown };
    if (typeof parsed.exp !== 'number' || parsed.exp <= f.now.getTime()) return undefined;
    return parsed.v;
  } catch {
    // Tampered with, another session's, or from before the secret changed: nothing to show.
    return undefined;
  }
}
