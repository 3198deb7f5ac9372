/** The closed set of error codes the application raises. */
export const ERROR_CODES = [
  'invalid_request',
  'unauthorized',
  'invalid_token',
  'forbidden',
  'insufficient_scope',
  'not_found',
  'gone',
  'conflict',
  'not_acceptable',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'insufficient_storage',
  'unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** HTTP status for each code; the only place this mapping lives. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  invalid_token: 401,
  forbidden: 403,
  insufficient_scope: 403,
  not_found: 404,
  gone: 410,
  conflict: 409,
  not_acceptable: 406,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  insufficient_storage: 507,
  unavailable: 503,
  internal: 500,
};

/** An expected failure with a code from the closed set and a message safe to show the user. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options?.details;
  }

  get status(): number {
    return STATUS_BY_CODE[this.code];
  }
}

/** True when `err` is an AppError. */
export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/**
 * Whether an error is the storage's fault: `full` (no space or quota left) or `unwritable`
 * (read-only, no permission, cannot open); undefined for anything else. The code may sit on the
 * error or on its cause.
 */
export function storageFailure(err: unknown): 'full' | 'unwritable' | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  if (code === 'ENOSPC' || code === 'SQLITE_FULL' || code === 'EDQUOT') return 'full';
  if (
    code === 'EACCES' ||
    code === 'EROFS' ||
    code === 'EPERM' ||
    code === 'SQLITE_READONLY' ||
    code === 'SQLITE_CANTOPEN'
  ) {
    return 'unwritable';
  }
  return undefined;
}
