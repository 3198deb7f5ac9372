/**
 * Secrets of connected accounts (OAuth tokens, app passwords) sealed at rest with AES-256-GCM,
 * so a copy of the database alone does not give away the tokens. The key is the site's sealing
 * key, DATA_PATH/keys/sealing.key (src/keys/site-keys.ts): backups carry it, so a restored site
 * opens its tokens (docs/decisions/0012-backup-carries-keys.md). Before that key existed, the key
 * was derived from the session secret; a site upgraded from then keeps that key as its sealing key.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/** Bytes of a sealing key (AES-256). */
export const SEALING_KEY_BYTES = 32;

/** Seals and opens small JSON records of secrets. */
export interface SecretBox {
  seal(values: Record<string, string>): string;
  /** Throws when the text was not sealed with this key or was altered. */
  open(sealed: string): Record<string, string>;
}

/**
 * The key sites sealed with before they had a sealing key of their own: HKDF-SHA256 of the
 * session secret (purpose-bound info). Kept to adopt it on upgrade, and for apps built without a
 * data directory (tests).
 */
export function legacySealingKey(sessionSecret: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', Buffer.from(sessionSecret, 'utf8'), 'starpunk', 'syndication-secrets v1', 32),
  );
}

/** A new random sealing key. */
export function newSealingKey(): Buffer {
  return randomBytes(SEALING_KEY_BYTES);
}

/** Builds a box sealing with `key` (32 bytes). */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== SEALING_KEY_BYTES) throw new Error(`a sealing key has ${SEALING_KEY_BYTES} bytes`);
  return {
    seal(values) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join(
        '.',
      );
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const text = Buffer.concat([
        decipher.update(Buffer.from(body, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
      return JSON.parse(text) as Record<string, string>;
    },
  };
}

/** How many of `sealed` the key cannot open. */
export function countUnopenable(key: Buffer, sealed: readonly string[]): number {
  const box = createSecretBox(key);
  let n = 0;
  for (const s of sealed) {
    try {
      box.open(s);
    } catch {
      n++;
    }
  }
  return n;
}
