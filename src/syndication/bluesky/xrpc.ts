/**
 * A small typed XRPC client over an injected `fetch`, for the handful of documented AT Protocol
 * endpoints StarPunk uses (https://docs.bsky.app/docs/api/). `@atproto/api` 0.21 needs Node 22
 * (docs/decisions/0010-syndication.md), and these few calls are plain HTTP + JSON.
 *
 * Failures become `JobError`s the job queue understands, by the outbound policy
 * (src/outbound/policy.ts): 408, 425, 429 and 5xx are retried after the wait the server asked for
 * (`ratelimit-reset`, an epoch in seconds, or `Retry-After`; capped alike); other 4xx are
 * permanent; network errors are retried. An expired access token is its own error so the adapter
 * can refresh the session and try again once.
 */
import type { Clock } from '../../clock.js';
import { JobError } from '../../jobs/queue.js';
import { describeNetworkError } from '../../outbound/network-errors.js';
import { capRetryAfter, retryAdvice } from '../../outbound/policy.js';
import type { FetchLike } from '../../outbound/safe-fetch.js';

/** The XRPC error body (AT Protocol "XRPC" spec: `{ error, message }`). */
export interface XrpcErrorBody {
  error?: string;
  message?: string;
}

/**
 * The server could not be reached at all (no HTTP answer): `reason` says why in a person's words
 * ("connection refused by bsky.example:443"), never undici's bare "fetch failed". Retried like any
 * network failure.
 */
export class XrpcUnreachable extends JobError {
  readonly service: string;
  readonly reason: string;
  constructor(method: string, service: string, reason: string, cause: unknown) {
    super(`Bluesky ${method}: could not reach the server: ${reason}`, { cause });
    this.name = 'XrpcUnreachable';
    this.service = service;
    this.reason = reason;
  }
}

/** A failed XRPC call: status, the protocol error name and message. */
export class XrpcError extends JobError {
  readonly status: number;
  readonly error: string | undefined;
  constructor(
    method: string,
    status: number,
    body: XrpcErrorBody,
    options: { retryable: boolean; retryAfterMs?: number },
  ) {
    const what = [body.error, body.message].filter(Boolean).join(': ') || `HTTP ${status}`;
    super(`Bluesky ${method} failed (${status}): ${what.slice(0, 300)}`, options);
    this.name = 'XrpcError';
    this.status = status;
    this.error = body.error;
  }

  /** True when the access token has expired (the PDS answers 400 ExpiredToken). */
  get expired(): boolean {
    return this.error === 'ExpiredToken';
  }
}

/**
 * How to retry a failed call: the policy's, with Bluesky's `ratelimit-reset` (the epoch second the
 * rate limit resets) taking the place of Retry-After when the server sends it.
 */
export function retryOf(res: Response, now: Date): { retryable: boolean; retryAfterMs?: number } {
  const advice = retryAdvice(res, now);
  const reset = res.headers.get('ratelimit-reset')?.trim();
  if (!advice.retryable || !reset || !/^\d+$/.test(reset)) return advice;
  return { retryable: true, retryAfterMs: capRetryAfter(Number(reset) * 1000 - now.getTime()) };
}

/** One call: a query (GET with parameters) or a procedure (POST with a JSON or binary body). */
export interface XrpcCall {
  method: string;
  params?: Record<string, string>;
  /** A JSON body (procedure). */
  json?: unknown;
  /** A binary body with its media type (uploadBlob). */
  bytes?: { data: Buffer; type: string };
  /** A procedure without input (refreshSession): POST with no body. */
  procedure?: boolean;
  /** The bearer token (access JWT, or the refresh JWT for refreshSession). */
  token?: string;
}

/** Everything the client needs. */
export interface XrpcDeps {
  fetch: FetchLike;
  clock: Clock;
  userAgent?: string;
  timeoutMs?: number;
}

const MAX_RESPONSE_BYTES = 1_000_000;

/** Calls `method` on the service at `service` and returns its JSON answer. */
export async function xrpc<T>(deps: XrpcDeps, service: string, call: XrpcCall): Promise<T> {
  const url = new URL(`xrpc/${call.method}`, service.endsWith('/') ? service : `${service}/`);
  for (const [k, v] of Object.entries(call.params ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (deps.userAgent) headers['user-agent'] = deps.userAgent;
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  let body: string | Uint8Array | undefined;
  if (call.bytes) {
    headers['content-type'] = call.bytes.type;
    body = new Uint8Array(call.bytes.data);
  } else if (call.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(call.json);
  }
  const post = call.procedure === true || call.bytes !== undefined || call.json !== undefined;
  let res: Response;
  try {
    res = await deps.fetch(url.toString(), {
      method: post ? 'POST' : 'GET',
      headers,
      ...(body !== undefined ? { body } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.timeoutMs ?? 30_000),
    });
  } catch (err) {
    throw new XrpcUnreachable(call.method, service, describeNetworkError(err, url.toString()), err);
  }
  const text = await readLimited(res, call.method);
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (res.ok) {
    if (parsed === undefined || parsed === null || typeof parsed !== 'object')
      throw new JobError(`Bluesky ${call.method} answered ${res.status} without a JSON object`);
    return parsed as T;
  }
  const errBody: XrpcErrorBody =
    parsed && typeof parsed === 'object'
      ? {
          ...(typeof (parsed as XrpcErrorBody).error === 'string'
            ? { error: (parsed as XrpcErrorBody).error }
            : {}),
          ...(typeof (parsed as XrpcErrorBody).message === 'string'
            ? { message: (parsed as XrpcErrorBody).message }
            : {}),
        }
      : {};
  throw new XrpcError(call.method, res.status, errBody, retryOf(res, deps.clock.now()));
}

async function readLimited(res: Response, method: string): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw new JobError(`Bluesky ${method}: answer larger than ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
