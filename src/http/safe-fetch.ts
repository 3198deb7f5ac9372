// The SSRF-safe fetch lives in src/outbound/ now; this re-export keeps existing imports working.
export { createSafeFetch, type FetchLike, isPrivateAddress, readLimited } from '../outbound/safe-fetch.js';
