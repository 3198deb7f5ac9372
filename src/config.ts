import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { parseAddressRanges } from './outbound/addresses.js';

/** The typed, frozen configuration every module receives (never `process.env`). */
export interface Config {
  siteUrl: string;
  /** True when SITE_URL was not set and siteUrl was derived from HOST and PORT (see deriveSiteUrl). */
  siteUrlDerived: boolean;
  siteName: string;
  siteAuthor: string;
  siteDescription: string;
  adminMe: string;
  sessionSecret: string | undefined;
  dataPath: string;
  databasePath: string;
  notesPath: string;
  mediaPath: string;
  backupsPath: string;
  host: string;
  port: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  devMode: boolean;
  devAdminMe: string | undefined;
  trustProxy: boolean;
  /** Lifetime of access tokens issued by the token endpoint, in days. */
  tokenLifetimeDays: number;
  /** Bearer token that may read /metrics (besides the signed-in admin); unset: admin only. */
  metricsToken: string | undefined;
  /** Private address ranges outbound requests may reach anyway, as normalised CIDR (empty: none). */
  allowedPrivateAddresses: readonly string[];
  /** The WebSub hub the feeds and home page advertise and ping on every public change; unset: none. */
  websubHub: string | undefined;
  /** The largest file the admin's Import screen takes (or fetches from a feed address), in bytes. */
  importMaxBytes: number;
  /** The author profile saved in the database, applied by the settings service (src/settings/service.ts). */
  author?: {
    name: string;
    photo: string;
    url: string;
    note: string;
    relMe: string[];
  };
}

/** Every configuration problem found, reported together. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Documentation of each variable; the configuration reference is generated from this table. */
export const CONFIG_VARIABLES = [
  {
    name: 'SITE_URL',
    default: 'http://localhost:PORT/',
    meaning: 'public base URL; always normalised to end with /; unset: derived from HOST and PORT',
  },
  { name: 'SITE_NAME', default: 'StarPunk', meaning: 'site title' },
  { name: 'SITE_AUTHOR', default: '', meaning: 'author name for h-card and feeds' },
  { name: 'SITE_DESCRIPTION', default: '', meaning: 'feed and meta description' },
  { name: 'ADMIN_ME', default: 'SITE_URL', meaning: 'the admin identity URL (IndieAuth "me")' },
  {
    name: 'SESSION_SECRET',
    default: 'generated into DATA_PATH/.secret',
    meaning: 'secret for signing (32+ characters)',
  },
  { name: 'DATA_PATH', default: './data', meaning: 'data directory' },
  { name: 'DATABASE_PATH', default: 'DATA_PATH/starpunk.db', meaning: 'database file' },
  { name: 'NOTES_PATH', default: 'DATA_PATH/notes', meaning: 'note files' },
  { name: 'MEDIA_PATH', default: 'DATA_PATH/media', meaning: 'media files' },
  { name: 'HOST', default: '127.0.0.1', meaning: 'address the server listens on' },
  { name: 'PORT', default: '8000', meaning: 'port the server listens on' },
  { name: 'LOG_LEVEL', default: 'info', meaning: 'debug, info, warn or error' },
  {
    name: 'DEV_MODE',
    default: 'off',
    meaning: 'development login without credentials; refused when SITE_URL is https',
  },
  { name: 'DEV_ADMIN_ME', default: 'ADMIN_ME', meaning: 'identity used by the development login' },
  { name: 'TRUST_PROXY', default: 'off', meaning: 'honour X-Forwarded-* headers from a reverse proxy' },
  {
    name: 'TOKEN_LIFETIME_DAYS',
    default: '90',
    meaning: 'lifetime of access tokens issued to IndieAuth clients, in days',
  },
  {
    name: 'IMPORT_MAX_MB',
    default: '1024',
    meaning: 'largest upload (or fetched feed) the admin Import screen takes, in MB',
  },
  {
    name: 'METRICS_TOKEN',
    default: 'unset (admin session only)',
    meaning: 'bearer token a Prometheus scraper sends to read /metrics (16+ characters)',
  },
  {
    name: 'ALLOWED_PRIVATE_ADDRESSES',
    default: '',
    meaning:
      'comma-separated addresses or CIDR ranges that outbound requests may reach although they are private, loopback or link-local',
  },
  {
    name: 'WEBSUB_HUB',
    default: 'unset (no hub)',
    meaning: 'WebSub hub URL advertised by the home page and feeds and told of every public change',
  },
] as const;

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

const booleanVar = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const s = (v ?? '').trim().toLowerCase();
    if (TRUE.has(s)) return true;
    if (FALSE.has(s)) return false;
    ctx.addIssue({ code: 'custom', message: `must be one of on/off, true/false, 1/0 (got "${v}")` });
    return z.NEVER;
  });

const httpUrl = z
  .string()
  .trim()
  .transform((v, ctx) => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be an absolute http(s) URL (got "${v}")` });
      return z.NEVER;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: `must use http or https (got "${u.protocol}")` });
      return z.NEVER;
    }
    if (u.search || u.hash || u.username || u.password) {
      ctx.addIssue({ code: 'custom', message: 'must not contain a query, fragment or credentials' });
      return z.NEVER;
    }
    if (!u.pathname.endsWith('/')) u.pathname += '/';
    return u.toString();
  });

const EnvSchema = z.object({
  SITE_URL: httpUrl.optional(),
  SITE_NAME: z.string().trim().min(1, 'must not be empty').max(200).optional(),
  SITE_AUTHOR: z.string().trim().max(200).optional(),
  SITE_DESCRIPTION: z.string().trim().max(1000).optional(),
  ADMIN_ME: httpUrl.optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  DATA_PATH: z.string().trim().min(1).optional(),
  DATABASE_PATH: z.string().trim().min(1).optional(),
  NOTES_PATH: z.string().trim().min(1).optional(),
  MEDIA_PATH: z.string().trim().min(1).optional(),
  HOST: z.string().trim().min(1).optional(),
  PORT: z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(0, 'must be 0–65535').max(65535, 'must be 0–65535'))
    .optional(),
  LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error'], { message: 'must be debug, info, warn or error' })
    .optional(),
  DEV_MODE: booleanVar,
  DEV_ADMIN_ME: httpUrl.optional(),
  TRUST_PROXY: booleanVar,
  TOKEN_LIFETIME_DAYS: z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number of days')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be 1–3650').max(3650, 'must be 1–3650'))
    .optional(),
  IMPORT_MAX_MB: z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number of megabytes')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be 1–102400').max(102400, 'must be 1–102400'))
    .optional(),
  METRICS_TOKEN: z
    .string()
    .trim()
    .min(16, 'must be at least 16 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
  ALLOWED_PRIVATE_ADDRESSES: z
    .string()
    .transform((v, ctx) => {
      const { ranges, invalid } = parseAddressRanges(v);
      if (invalid.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `must be IP addresses or CIDR ranges separated by commas (not: ${invalid.map((e) => JSON.stringify(e)).join(', ')})`,
        });
        return z.NEVER;
      }
      return ranges;
    })
    .optional(),
  // The hub's own address, taken as it is (its path is not normalised like SITE_URL's).
  WEBSUB_HUB: z
    .string()
    .trim()
    .refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password && !u.hash;
      } catch {
        return false;
      }
    }, 'must be an absolute http(s) URL without credentials or fragment')
    .transform((v) => new URL(v).toString())
    .optional(),
});

/** Reads a `.env` file into a plain object; the real environment always wins over it. */
export function readDotEnv(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
}

/**
 * Builds the Config from environment variables (and `cwd` for relative paths). Empty values
 * count as unset. Throws one ConfigError listing every problem.
 */
export function loadConfig(env: Record<string, string | undefined>, cwd: string = process.cwd()): Config {
  const cleaned: Record<string, string> = {};
  for (const v of CONFIG_VARIABLES) {
    const raw = env[v.name];
    if (raw !== undefined && raw.trim() !== '') cleaned[v.name] = raw;
  }
  const parsed = EnvSchema.safeParse(cleaned);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push(`${issue.path.join('.') || 'environment'}: ${issue.message}`);
  }
  // Cross-field rule, checked on the raw text so it is reported together with any other problem.
  const rawDev = (cleaned.DEV_MODE ?? '').trim().toLowerCase();
  if (TRUE.has(rawDev) && (cleaned.SITE_URL ?? '').trim().toLowerCase().startsWith('https:')) {
    problems.push(
      'DEV_MODE: refused because SITE_URL is https (development login must never reach a public site)',
    );
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  const host = e.HOST ?? '127.0.0.1';
  const port = e.PORT ?? 8000;
  const siteUrl = e.SITE_URL ?? deriveSiteUrl(host, port);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));
  const dataPath = abs(e.DATA_PATH ?? './data');
  const adminMe = e.ADMIN_ME ?? siteUrl;
  const devMode = e.DEV_MODE;
  return Object.freeze({
    siteUrl,
    siteUrlDerived: e.SITE_URL === undefined,
    siteName: e.SITE_NAME ?? 'StarPunk',
    siteAuthor: e.SITE_AUTHOR ?? '',
    siteDescription: e.SITE_DESCRIPTION ?? '',
    adminMe,
    sessionSecret: e.SESSION_SECRET,
    dataPath,
    databasePath: e.DATABASE_PATH ? abs(e.DATABASE_PATH) : join(dataPath, 'starpunk.db'),
    notesPath: e.NOTES_PATH ? abs(e.NOTES_PATH) : join(dataPath, 'notes'),
    mediaPath: e.MEDIA_PATH ? abs(e.MEDIA_PATH) : join(dataPath, 'media'),
    backupsPath: join(dataPath, 'backups'),
    host,
    port,
    logLevel: e.LOG_LEVEL ?? 'info',
    devMode,
    devAdminMe: devMode ? (e.DEV_ADMIN_ME ?? adminMe) : undefined,
    trustProxy: e.TRUST_PROXY,
    tokenLifetimeDays: e.TOKEN_LIFETIME_DAYS ?? 90,
    metricsToken: e.METRICS_TOKEN,
    allowedPrivateAddresses: Object.freeze(e.ALLOWED_PRIVATE_ADDRESSES ?? []),
    websubHub: e.WEBSUB_HUB,
    importMaxBytes: (e.IMPORT_MAX_MB ?? 1024) * 1024 * 1024,
  });
}

/** True for a host name or address that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) ||
    h === '::1' ||
    h === '0:0:0:0:0:0:0:1' ||
    h === '::ffff:127.0.0.1'
  );
}

/** True for the addresses that mean "every interface" (0.0.0.0, ::). */
function isWildcardHost(host: string): boolean {
  const h = host.trim().replace(/^\[(.*)\]$/, '$1');
  return h === '0.0.0.0' || h === '::' || h === '0:0:0:0:0:0:0:0';
}

/**
 * The site URL when SITE_URL is not set: `http://localhost:PORT/` when HOST is a loopback address
 * or every interface (0.0.0.0, ::) — the address a person on this machine types — and
 * `http://HOST:PORT/` for any other HOST.
 */
export function deriveSiteUrl(host: string, port: number): string {
  const h = host.trim();
  let name = 'localhost';
  if (!isLoopbackHost(h) && !isWildcardHost(h)) name = h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
  try {
    // URL drops a default port (:80) and normalises the host.
    return new URL(`http://${name}:${port}/`).toString();
  } catch {
    return `http://localhost:${port}/`;
  }
}

/**
 * The configuration once the server listens on `port`: with PORT=0 the system picks the port, so a
 * site URL derived from HOST/PORT (and ADMIN_ME, DEV_ADMIN_ME when they follow it) is derived again.
 */
export function withListeningPort(config: Config, port: number): Config {
  if (!config.siteUrlDerived || port === config.port) return config;
  const siteUrl = deriveSiteUrl(config.host, port);
  const adminMe = config.adminMe === config.siteUrl ? siteUrl : config.adminMe;
  const devAdminMe = config.devAdminMe === config.adminMe ? adminMe : config.devAdminMe;
  return Object.freeze({ ...config, port, siteUrl, adminMe, devAdminMe });
}

/**
 * A warning when SITE_URL names this machine (a loopback address) on another port than the one the
 * server listens on: every link StarPunk writes would then lead nowhere. Undefined when all is well.
 */
export function siteUrlPortWarning(config: Pick<Config, 'siteUrl' | 'siteUrlDerived'>, port: number) {
  if (config.siteUrlDerived) return undefined;
  const u = new URL(config.siteUrl);
  if (!isLoopbackHost(u.hostname)) return undefined;
  const sitePort = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  if (sitePort === port) return undefined;
  return (
    `SITE_URL is ${config.siteUrl} but the server listens on port ${port}: links, feeds, the setup link ` +
    `and the Micropub and IndieAuth endpoints point at port ${sitePort}. Set SITE_URL to ` +
    `http://localhost:${port}/ or unset it (ignore this if a proxy or port mapping forwards ${sitePort} to ${port}).`
  );
}
