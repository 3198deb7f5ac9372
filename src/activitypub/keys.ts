/**
 * The site's ActivityPub keys: an RSA key (RSASSA-PKCS1-v1_5, 2048 bits) for HTTP Signatures, which
 * Mastodon requires, and an Ed25519 key for Object Integrity Proofs (FEP-8b32). Each is made once,
 * on first use, and kept in `activitypub_keys` with its private half sealed with the site's sealing
 * key (src/lib/secret-box.ts, ADR 0012): a backup carries the database and the key, so a restored
 * site signs with the same keys and its followers keep trusting it.
 */
import { exportJwk, generateCryptoKeyPair, importJwk } from '@fedify/fedify';
import type { Clock } from '../clock.js';
import type { ActivityPubStore } from '../db/store/activitypub.js';
import { toDbTime } from '../lib/db-time.js';
import { createSecretBox } from '../lib/secret-box.js';

/** The algorithms of the site's keys, in the order actors list them. */
export const KEY_ALGORITHMS = ['RSASSA-PKCS1-v1_5', 'Ed25519'] as const;
type Algorithm = (typeof KEY_ALGORITHMS)[number];

/** The site's key pairs, made on first use and read once per process. */
export function createSiteKeyPairs(deps: { store: ActivityPubStore; sealingKey: Buffer; clock: Clock }) {
  const box = createSecretBox(deps.sealingKey);
  let loading: Promise<CryptoKeyPair[]> | undefined;

  async function loadOne(algorithm: Algorithm): Promise<CryptoKeyPair> {
    let row = deps.store.findKey(algorithm);
    if (!row) {
      const pair = await generateCryptoKeyPair(algorithm);
      const publicJwk = await exportJwk(pair.publicKey);
      const privateJwk = await exportJwk(pair.privateKey);
      // Another process may have stored one meanwhile: the first stored is the key.
      deps.store.insertKey({
        algorithm,
        public_jwk: JSON.stringify(publicJwk),
        private_sealed: box.seal({ jwk: JSON.stringify(privateJwk) }),
        created_at: toDbTime(deps.clock.now()),
      });
      row = deps.store.findKey(algorithm)!;
    }
    const privateJwk = JSON.parse(box.open(row.private_sealed).jwk!) as JsonWebKey;
    return {
      publicKey: await importJwk(JSON.parse(row.public_jwk) as JsonWebKey, 'public'),
      privateKey: await importJwk(privateJwk, 'private'),
    };
  }

  return {
    /** The key pairs, RSA first. */
    pairs(): Promise<CryptoKeyPair[]> {
      loading ??= Promise.all(KEY_ALGORITHMS.map(loadOne)).catch((err: unknown) => {
        loading = undefined;
        throw err;
      });
      return loading;
    },
  };
}
