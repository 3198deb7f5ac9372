/**
 * How Fedify reads other servers: JSON-LD documents (actors, their keys, objects) and contexts,
 * fetched through the app's SSRF-safe fetch (src/outbound/), never Fedify's own. A document is
 * at most 1 MiB; the ActivityStreams, security and Mastodon contexts come from Fedify's preloaded
 * copies, other contexts are fetched once and kept (a few, bounded).
 */
import { type DocumentLoader, preloadedContexts, type RemoteDocument, signRequest } from '@fedify/fedify';
import { AppError } from '../lib/errors.js';
import { type FetchLike, readLimited } from '../outbound/safe-fetch.js';

/** The most of a remote document read. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;

/** What an ActivityPub GET asks for (ActivityPub §3.2). */
export const ACTIVITY_ACCEPT =
  'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"';

/** A signing identity: the key id (`<actor>#main-key`) and its private key. */
export interface SigningIdentity {
  keyId: URL;
  privateKey: CryptoKey;
}

/** A request's parts as our fetch takes them, from a (signed) Request. */
export async function requestInit(request: Request): Promise<RequestInit> {
  const body =
    request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
  return { method: request.method, headers: request.headers, ...(body ? { body } : {}) };
}

/** Reads a JSON-LD document from an answer (status and size checked). */
async function toRemoteDocument(url: string, res: Response): Promise<RemoteDocument> {
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new AppError('invalid_request', `${url} answered ${res.status}`);
  }
  const text = await readLimited(res, MAX_DOCUMENT_BYTES);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new AppError('invalid_request', `${url} is not JSON`);
  }
  return { contextUrl: null, document, documentUrl: res.url || url };
}

/** The document loader over `fetch`, signing each GET with `identity` when given (authorized fetch). */
export function createDocumentLoader(
  fetch: FetchLike,
  identity?: () => Promise<SigningIdentity>,
): DocumentLoader {
  return async (url, options) => {
    const preloaded = preloadedContexts[url];
    if (preloaded !== undefined) return { contextUrl: null, document: preloaded, documentUrl: url };
    const headers = { Accept: ACTIVITY_ACCEPT };
    if (!identity) {
      const res = await fetch(url, { headers, ...(options?.signal ? { signal: options.signal } : {}) });
      return toRemoteDocument(url, res);
    }
    const { keyId, privateKey } = await identity();
    const signed = await signRequest(new Request(url, { headers }), privateKey, keyId);
    const res = await fetch(url, {
      ...(await requestInit(signed)),
      ...(options?.signal ? { signal: options.signal } : {}),
    });
    return toRemoteDocument(url, res);
  };
}

/** The context loader: preloaded contexts, others fetched once and kept (at most 64). */
export function createContextLoader(fetch: FetchLike): DocumentLoader {
  const kept = new Map<string, RemoteDocument>();
  const load = createDocumentLoader(fetch);
  return async (url, options) => {
    const preloaded = preloadedContexts[url];
    if (preloaded !== undefined) return { contextUrl: null, document: preloaded, documentUrl: url };
    const hit = kept.get(url);
    if (hit) return hit;
    const doc = await load(url, options);
    if (kept.size >= 64) kept.delete(kept.keys().next().value as string);
    kept.set(url, doc);
    return doc;
  };
}
