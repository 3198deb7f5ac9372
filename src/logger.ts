import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths pino must never write: credentials in headers, bodies and our own objects. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'password',
  'token',
  'access_token',
  'refresh_token',
  'code_verifier',
  'metricsToken',
  '*.password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.code',
  '*.code_verifier',
  '*.sessionSecret',
  '*.metricsToken',
  'config.sessionSecret',
  'config.metricsToken',
];

/** What decides between JSON lines and human-readable output. */
export interface LogTarget {
  isTTY?: boolean;
}

/**
 * True when logs should be pretty-printed: stdout is a terminal and this is neither a test run nor CI
 * (machines read JSON lines; people at a terminal read text).
 */
export function wantsPrettyLogs(stdout: LogTarget, env: Record<string, string | undefined>): boolean {
  if (stdout.isTTY !== true) return false;
  if (env.CI || env.VITEST || env.NODE_ENV === 'test') return false;
  return true;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /**
   * Human-readable output instead of JSON lines. Defaults to {@link wantsPrettyLogs} for the real
   * stdout, and to false when a destination is given.
   */
  pretty?: boolean;
}

function prettyStream(destination: pino.DestinationStream | undefined): pino.DestinationStream {
  // Loaded only for a terminal, so a production process never pays for it.
  const require = createRequire(import.meta.url);
  const pretty = require('pino-pretty') as (options: Record<string, unknown>) => pino.DestinationStream;
  return pretty({
    colorize: destination === undefined,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,app',
    ...(destination ? { destination } : {}),
  });
}

/**
 * Creates the process logger, secrets redacted: JSON lines on stdout (or `destination`), or
 * human-readable lines when stdout is a terminal.
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  options: LoggerOptions = {},
): Logger {
  const pinoOptions: pino.LoggerOptions = {
    level,
    base: { app: 'starpunk' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const pretty = options.pretty ?? (destination ? false : wantsPrettyLogs(process.stdout, process.env));
  if (pretty) return pino(pinoOptions, prettyStream(destination));
  return destination ? pino(pinoOptions, destination) : pino(pinoOptions);
}

/** A logger that writes nothing, for tests and the dry run. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
