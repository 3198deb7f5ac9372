/**
 * Secrets of connected accounts (OAuth tokens, app passwords) sealed at rest with AES-256-GCM.
 * The key is derived with HKDF-SHA256 from the session secret, so a copy of the database alone
 * does not give away the tokens; changing the session secret makes them unreadable (reconnect).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/** Seals and opens small JSON records of secrets. */
export interface SecretBox {
  seal(values: Record<string, string>): string;
  /** Throws when the text was not sealed with this key or was altered. */
  open(sealed: string): Record<string, string>;
}

/** Builds a box whose key is derived from `secret` (HKDF-SHA256, purpose-bound info). */
export function createSecretBox(secret: string): SecretBox {
  const key = Buffer.from(
    hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'starpunk', 'syndication-secrets v1', 32),
  );
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
