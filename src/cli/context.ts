import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, ConfigError, loadConfig, readDotEnv } from '../config.js';

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failure: 1, config: 2 } as const;

/** The words that mark the setup link in the start banner, the logs and `starpunk setup-link`, easy to spot and to grep for. */
export const SETUP_MARK = '>>> SETUP LINK <<<';

/** Output streams of a command; tests pass their own. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** True when stderr is a terminal (progress is shown in place); tests leave it unset. */
  tty?: boolean;
}

/** The process's real streams and environment. */
export function processIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    tty: process.stderr.isTTY === true,
  };
}

/** Loads configuration from `.env` (if present) under the real environment; undefined after printing problems. */
export function configFromIo(io: Io): Config | undefined {
  try {
    const fileEnv = readDotEnv(join(io.cwd, '.env'));
    return loadConfig({ ...fileEnv, ...io.env }, io.cwd);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`starpunk: ${err.message}\n`);
      return undefined;
    }
    throw err;
  }
}

/** What the migration runner needs to know of the configuration: the database, and the folders stored paths are relative to. */
export function migrationPaths(config: Config) {
  return {
    dbPath: config.databasePath,
    backupsDir: config.backupsPath,
    dataPath: config.dataPath,
    notesPath: config.notesPath,
    mediaPath: config.mediaPath,
  };
}

/** Creates the data directory and its content folders if they are missing, for the owner only (0700). */
export function ensureDataDirs(config: Config): void {
  for (const dir of [config.dataPath, config.notesPath, config.mediaPath])
    mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** The session secret if there is one (configured, or in DATA_PATH/.secret), making nothing. */
export function findSessionSecret(config: Config): string | undefined {
  if (config.sessionSecret) return config.sessionSecret;
  try {
    const s = readFileSync(join(config.dataPath, '.secret'), 'utf8').trim();
    return s.length >= 32 ? s : undefined;
  } catch {
    return undefined;
  }
}

/** The session secret: configured, or read from (or generated into) DATA_PATH/.secret, mode 0600. */
export function resolveSessionSecret(config: Config): string {
  if (config.sessionSecret) return config.sessionSecret;
  const path = join(config.dataPath, '.secret');
  if (existsSync(path)) {
    const s = readFileSync(path, 'utf8').trim();
    if (s.length >= 32) return s;
  }
  const secret = randomBytes(32).toString('base64url');
  try {
    // 'wx': if another process created it first, use theirs (two servers starting together).
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const theirs = readFileSync(path, 'utf8').trim();
    if (theirs.length >= 32) return theirs;
    writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  }
  chmodSync(path, 0o600);
  return secret;
}
