/**
 * Says why a request got no answer, in words a person can act on. undici (and so every fetch of
 * StarPunk) reports each such failure as `TypeError: fetch failed`, with the reason in `cause`
 * (a Node socket error's `code`, an undici error's, or an `AggregateError` of them when several
 * addresses were tried): "fetch failed" alone hides "connection refused".
 */

/** The host and port a URL's request goes to: "bsky.example:443". */
function endpointOf(url: string): string {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '');
    return port ? `${u.hostname}:${port}` : u.hostname;
  } catch {
    return url;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The first error code along `err`, its cause and an AggregateError's members. */
function codeOf(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > 4) return undefined;
  const e = err as ErrorLike;
  if (typeof e.code === 'string' && e.code !== '') return e.code;
  if (Array.isArray(e.errors)) {
    for (const member of e.errors) {
      const code = codeOf(member, depth + 1);
      if (code) return code;
    }
  }
  return codeOf(e.cause, depth + 1);
}

/** The innermost message along the causes (the most specific one). */
function innerMessage(err: unknown): string | undefined {
  let found: string | undefined;
  let e: unknown = err;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    const m = (e as ErrorLike).message;
    if (typeof m === 'string' && m !== '' && m !== 'fetch failed') found = m;
    e = (e as ErrorLike).cause;
  }
  return found;
}

/** What each kind of failure means, given where the request went. */
const REASONS: Readonly<Record<string, (endpoint: string, host: string) => string>> = {
  ECONNREFUSED: (ep) => `connection refused by ${ep}`,
  ENOTFOUND: (_ep, host) => `no such host: ${host} (the name does not resolve)`,
  EAI_AGAIN: (_ep, host) => `the name ${host} could not be looked up (DNS did not answer)`,
  ECONNRESET: (ep) => `the connection to ${ep} was reset`,
  UND_ERR_SOCKET: (ep) => `${ep} closed the connection`,
  ETIMEDOUT: (ep) => `connecting to ${ep} timed out`,
  UND_ERR_CONNECT_TIMEOUT: (ep) => `connecting to ${ep} timed out`,
  UND_ERR_HEADERS_TIMEOUT: (ep) => `${ep} accepted the connection but sent no answer in time`,
  UND_ERR_BODY_TIMEOUT: (ep) => `${ep} stopped sending its answer`,
  EHOSTUNREACH: (ep) => `${ep} is unreachable (no route to the host)`,
  ENETUNREACH: (ep) => `the network of ${ep} is unreachable`,
  EPROTO: (ep) => `the secure connection to ${ep} failed (TLS)`,
  CERT_HAS_EXPIRED: (_ep, host) => `the TLS certificate of ${host} has expired`,
  DEPTH_ZERO_SELF_SIGNED_CERT: (_ep, host) => `${host} presents a self-signed TLS certificate`,
  SELF_SIGNED_CERT_IN_CHAIN: (_ep, host) => `${host} presents a TLS certificate no authority vouches for`,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: (_ep, host) => `the TLS certificate of ${host} cannot be verified`,
  ERR_TLS_CERT_ALTNAME_INVALID: (_ep, host) => `the TLS certificate of ${host} is for another name`,
};

/**
 * Why a request to `url` got no answer, as a short phrase: "connection refused by
 * bsky.example:443", "no such host: bsky.example (…)", "no answer from bsky.example:443 within
 * 30 s". A refusal of the outbound policy (a private address) keeps its own words. Falls back to
 * the most specific message the error carries, never to a bare "fetch failed".
 */
export function describeNetworkError(err: unknown, url: string, timeoutMs?: number): string {
  const endpoint = endpointOf(url);
  const host = hostOf(url);
  const e = (err ?? {}) as ErrorLike;
  if (e.name === 'TimeoutError' || (e.name === 'AbortError' && timeoutMs !== undefined)) {
    return timeoutMs !== undefined
      ? `no answer from ${endpoint} within ${Math.round(timeoutMs / 1000)} s`
      : `no answer from ${endpoint} in time`;
  }
  const code = codeOf(err);
  const reason = code ? REASONS[code] : undefined;
  if (reason) return reason(endpoint, host);
  const message = innerMessage(err);
  if (message) return `${endpoint}: ${message}`;
  return `${endpoint} could not be reached`;
}
