/**
 * One StarPunk site of the lived-in test, driven only from outside: the real `starpunk serve`
 * process (test/faults/harness.ts: its own process group, SIGTERM like systemd or Docker), the
 * real CLI commands, and HTTP on loopback. A site keeps its port and SITE_URL across restarts,
 * restores and imports, so every public answer can be compared byte for byte.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, type Server, startStarpunk } from '../faults/harness.js';

const MAIN = join(ROOT, 'src', 'main.ts');
const LOADER = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** The admin password of every lived-in site. */
export const PASSWORD = 'correct horse battery staple';

/** A port nobody listens on now (the site keeps it for life, like a real deployment). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Polls `check` until it returns something truthy; throws with `what` after `ms`. */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** What a CLI command said. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The start-up environment of a site (first-run defaults; the admin's settings override them). */
export interface SiteEnv {
  SITE_NAME: string;
  SITE_AUTHOR: string;
  [k: string]: string;
}

/** A site: a data directory, a fixed port, and at most one server process on it. */
export class Site {
  readonly origin: string;
  readonly siteUrl: string;
  server: Server | undefined;
  /** The admin's session cookie (`starpunk_session=…`), once signed in. */
  cookie = '';
  /** Everything every server process of this site wrote, for failure reports. */
  readonly logs: string[] = [];

  constructor(
    readonly name: string,
    public dataDir: string,
    readonly port: number,
    readonly env: SiteEnv,
  ) {
    this.origin = `http://127.0.0.1:${port}`;
    this.siteUrl = `${this.origin}/`;
  }

  /** The environment every command of this site runs with. */
  private baseEnv(): Record<string, string> {
    return {
      DATA_PATH: this.dataDir,
      SITE_URL: this.siteUrl,
      PORT: String(this.port),
      // The other site, the Mastodon server and the PDS are all on loopback.
      ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1',
      ...this.env,
    };
  }

  /** Starts `starpunk serve` on the site's port. */
  async start(): Promise<void> {
    if (this.server) throw new Error(`${this.name} is already running`);
    mkdirSync(this.dataDir, { recursive: true });
    this.server = await startStarpunk({ ...this.baseEnv(), LOG_LEVEL: 'info' });
  }

  /**
   * Sends SIGTERM, as systemd and Docker stop a service; the returned promise resolves with the
   * exit code once the process is gone (SIGKILL after 30 s, which would be a failure of its own).
   */
  terminate(): Promise<number | null> {
    const s = this.server;
    if (!s) return Promise.resolve(null);
    const done = s.stop(30_000).then(() => s.exited);
    return done.then((code) => {
      this.logs.push(s.output());
      this.server = undefined;
      return code;
    });
  }

  /** SIGTERM and wait: resolves with the exit code. */
  stop(): Promise<number | null> {
    return this.terminate();
  }

  /** What the running server has logged so far. */
  output(): string {
    return this.server?.output() ?? '';
  }

  /** Runs `starpunk <args>` for this site, with `input` on standard input. */
  cli(args: string[], input = '', extraEnv: Record<string, string> = {}): Promise<CliResult> {
    const child = spawn(process.execPath, ['--import', LOADER, MAIN, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'),
        LOG_LEVEL: 'error',
        ...this.baseEnv(),
        ...extraEnv,
      },
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdin.end(input);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Sets the admin password with `starpunk password set`, as the install guide says. */
  async setPassword(): Promise<void> {
    const r = await this.cli(['password', 'set'], `${PASSWORD}\n`);
    if (r.code !== 0) throw new Error(`password set failed (${r.code}): ${r.stderr}`);
  }

  /** Mints a Micropub token with `starpunk token create`. */
  async mintToken(scope: string, clientId: string): Promise<string> {
    const r = await this.cli(['token', 'create', '--scope', scope, '--client-id', clientId]);
    if (r.code !== 0) throw new Error(`token create failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim();
  }

  /** An absolute URL on this site. */
  url(path: string): string {
    return new URL(path, this.siteUrl).toString();
  }

  /** A request to the site; redirects are answers too (never followed). */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(this.url(path), { redirect: 'manual', ...init });
  }

  /**
   * A GET as the signed-in admin; `after` is the answer it follows (a redirect), whose cookies
   * are sent along as a browser would (a one-time flash rides in one).
   */
  admin(path: string, after?: Response): Promise<Response> {
    const set = (after?.headers.getSetCookie() ?? []).map((c) => c.split(';')[0]!);
    return this.fetch(path, { headers: { cookie: [this.cookie, ...set].join('; ') } });
  }

  /** Signs in with the password form and keeps the session cookie. */
  async signIn(): Promise<void> {
    const res = await this.fetch('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ password: PASSWORD, next: '/admin' }).toString(),
    });
    const m = /starpunk_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '');
    if (res.status !== 303 || !m) throw new Error(`${this.name}: sign-in answered ${res.status}`);
    this.cookie = `starpunk_session=${m[1]}`;
  }

  /** The CSRF token of an admin page. */
  async csrf(path = '/admin/new'): Promise<string> {
    const html = await (await this.admin(path)).text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!m) throw new Error(`${this.name}: no CSRF token on ${path}`);
    return m[1]!;
  }

  /** Posts an admin form (with its CSRF token) as the signed-in admin. */
  async postForm(path: string, fields: Record<string, string> | FormData): Promise<Response> {
    const csrf = await this.csrf();
    if (fields instanceof FormData) {
      fields.set('_csrf', csrf);
      return this.fetch(path, { method: 'POST', headers: { cookie: this.cookie }, body: fields });
    }
    return this.fetch(path, {
      method: 'POST',
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
    });
  }

  /** A Micropub request (JSON) with a bearer token; resolves with the response. */
  micropub(token: string, body: unknown): Promise<Response> {
    return this.fetch('/micropub', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  /** Creates a post with Micropub; resolves with its path. */
  async publish(token: string, properties: Record<string, unknown[]>): Promise<string> {
    const res = await this.micropub(token, { type: ['h-entry'], properties });
    if (res.status !== 201 && res.status !== 202)
      throw new Error(`${this.name}: Micropub create answered ${res.status}: ${await res.text()}`);
    return new URL(res.headers.get('location')!).pathname;
  }

  /** The Micropub uids of the connected syndication targets, by service name. */
  async targets(token: string): Promise<Record<string, string>> {
    const res = await this.fetch('/micropub?q=syndicate-to', {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await res.json()) as { 'syndicate-to': { uid: string; service: { name: string } }[] };
    return Object.fromEntries(body['syndicate-to'].map((t) => [t.service.name, t.uid]));
  }
}
