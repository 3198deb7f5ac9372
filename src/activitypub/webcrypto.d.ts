// Fedify's types name the Web Crypto types as globals (as in browsers, Deno and Node's own
// globals); @types/node 20 declares them under `crypto.webcrypto` only.
import type { webcrypto } from 'node:crypto';

declare global {
  interface CryptoKey extends webcrypto.CryptoKey {}
  interface CryptoKeyPair extends webcrypto.CryptoKeyPair {}
  interface JsonWebKey extends webcrypto.JsonWebKey {}
}
