import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { BODY_LIMITS } from '../../src/http/body-limit.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/**
 * The proxy's body cap must let the largest body StarPunk reads through (a note with one image at
 * the upload maximum, in multipart) and no more than 1 MiB beyond it (issue 22 item 8: 32 MB was
 * allowed where 13 would do).
 */
function expectFitsLargestBody(bytes: number): void {
  expect(bytes).toBeGreaterThanOrEqual(BODY_LIMITS.textWithUpload);
  expect(bytes).toBeLessThanOrEqual(BODY_LIMITS.textWithUpload + 1024 * 1024);
}

/** One Dockerfile instruction: keyword (upper case), its flags (`--name=value`) and the rest. */
interface Instruction {
  keyword: string;
  flags: Record<string, string>;
  args: string;
}

/** A simple Dockerfile parser: comments, blank lines and `\` continuations, one instruction a line. */
function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (/^\s*#/.test(line) || (line.trim() === '' && current === '')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push((current + line.trim()).trim());
    current = '';
  }
  if (current) logical.push(current.trim());
  return logical
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^(\S+)\s*(.*)$/.exec(l)!;
      let rest = m[2]!;
      const flags: Record<string, string> = {};
      for (let f = /^--([a-z-]+)=(\S+)\s*/.exec(rest); f; f = /^--([a-z-]+)=(\S+)\s*/.exec(rest)) {
        flags[f[1]!] = f[2]!;
        rest = rest.slice(f[0].length);
      }
      return { keyword: m[1]!.toUpperCase(), flags, args: rest };
    });
}

/** Splits instructions into build stages at each FROM. */
function stages(instructions: Instruction[]): Instruction[][] {
  const out: Instruction[][] = [];
  for (const i of instructions) {
    if (i.keyword === 'FROM') out.push([]);
    out.at(-1)?.push(i);
  }
  return out;
}

/** `KEY=value KEY2=value2` pairs of an ENV instruction (no quoting needed in ours). */
function envPairs(args: string): Record<string, string> {
  return Object.fromEntries(args.split(/\s+/).map((p) => p.split('=', 2) as [string, string]));
}

/** Parses a systemd unit file into sections of key → values (keys may repeat). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let section: Record<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      section = sections[header[1]!] ?? {};
      sections[header[1]!] = section;
      continue;
    }
    const kv = /^([A-Za-z0-9]+)=(.*)$/.exec(line);
    if (!kv || !section) throw new Error(`not a unit file line: ${line}`);
    const values = section[kv[1]!] ?? [];
    values.push(kv[2]!);
    section[kv[1]!] = values;
  }
  return sections;
}

/** Runs a health check command (`node -e …`) the way Docker would, against PORT; resolves its exit code. */
function runCheck(args: string[], port: number): Promise<number | null> {
  expect(args[0]).toBe('node');
  // Asynchronously: the server answering the check runs in this very process.
  const child = spawn(process.execPath, args.slice(1), {
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: 'ignore',
    timeout: 10_000,
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const [buildStage, runtimeStage] = stages(dockerfile);
const pkg = JSON.parse(read('package.json')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

function healthcheckCommand(): string[] {
  const hc = runtimeStage!.find((i) => i.keyword === 'HEALTHCHECK')!;
  const m = /^CMD\s+(\[.*\])$/.exec(hc.args);
  expect(m, 'HEALTHCHECK uses the exec form').toBeTruthy();
  return JSON.parse(m![1]!) as string[];
}

describe('Dockerfile', () => {
  it('is multi-stage on node:24-bookworm-slim (Node 24 LTS)', () => {
    const froms = dockerfile.filter((i) => i.keyword === 'FROM').map((i) => i.args);
    expect(froms).toEqual(['node:24-bookworm-slim AS build', 'node:24-bookworm-slim AS runtime']);
  });

  it('builds in the first stage, with the tools better-sqlite3 needs to compile', () => {
    const runs = buildStage!.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    const apt = runs.find((r) => r.includes('apt-get install'))!;
    for (const tool of ['python3', 'make', 'g++']) expect(apt.split(/\s+/)).toContain(tool);
    expect(apt).toContain('rm -rf /var/lib/apt/lists/*');
    expect(runs.some((r) => /npm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => r.includes('npm run build') && r.includes('npm prune --omit=dev'))).toBe(true);
    expect(pkg.scripts.build).toBeTruthy();
    // Every file the build copies in exists, so the build cannot break on a rename.
    for (const copy of buildStage!.filter((i) => i.keyword === 'COPY')) {
      const parts = copy.args.split(/\s+/);
      for (const src of parts.slice(0, -1)) expect(existsSync(join(ROOT, src)), src).toBe(true);
    }
  });

  it('runs as a non-root user with no compilers, /data as a volume and the right environment', () => {
    const rt = runtimeStage!;
    expect(rt.some((i) => i.keyword === 'RUN' && /apt-get|g\+\+|python3/.test(i.args))).toBe(false);
    const copies = rt.filter((i) => i.keyword === 'COPY');
    expect(copies.length).toBeGreaterThan(0);
    expect(copies.every((c) => c.flags.from === 'build')).toBe(true);
    expect(copies.map((c) => c.args.split(/\s+/).at(-2))).toEqual(
      expect.arrayContaining(['/app/node_modules', '/app/dist']),
    );
    const users = rt.filter((i) => i.keyword === 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0', '0:0']).not.toContain(users.at(-1));
    // USER comes before CMD, so the server never runs as root.
    expect(rt.findIndex((i) => i.keyword === 'USER')).toBeLessThan(rt.findIndex((i) => i.keyword === 'CMD'));
    const volumes = rt.filter((i) => i.keyword === 'VOLUME').map((i) => i.args);
    expect(volumes).toEqual(['/data']);
    const env = Object.assign({}, ...rt.filter((i) => i.keyword === 'ENV').map((i) => envPairs(i.args)));
    expect(env).toMatchObject({ DATA_PATH: '/data', HOST: '0.0.0.0', MALLOC_ARENA_MAX: '2' });
    // The data directory exists and belongs to that user before the volume is declared.
    const prep = rt.find((i) => i.keyword === 'RUN' && i.args.includes('/data'))!;
    expect(prep.args).toContain(`chown ${users.at(-1)}`);
  });

  it('starts `starpunk serve` from the compiled package bin', () => {
    const cmds = runtimeStage!.filter((i) => i.keyword === 'CMD');
    expect(cmds).toHaveLength(1);
    expect(JSON.parse(cmds[0]!.args)).toEqual([
      'node',
      '--max-semi-space-size=2',
      '--max-old-space-size=128',
      'dist/src/main.js',
      'serve',
    ]);
    expect(pkg.bin.starpunk).toBe('dist/src/main.js');
    // The same heap limits as `npm start` (ADR 0006).
    expect(pkg.scripts.start).toContain(
      'node --max-semi-space-size=2 --max-old-space-size=128 dist/src/main.js serve',
    );
  });

  it('has a HEALTHCHECK on /health that needs only node', () => {
    const hc = runtimeStage!.find((i) => i.keyword === 'HEALTHCHECK')!;
    expect(hc.flags).toMatchObject({ interval: '30s', timeout: '5s' });
    const cmd = healthcheckCommand();
    expect(cmd.slice(0, 2)).toEqual(['node', '-e']);
    expect(cmd[2]).toContain('/health');
    expect(cmd.join(' ')).not.toMatch(/curl|wget/);
  });

  it('.dockerignore keeps data, secrets and local builds out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const p of ['node_modules', 'dist', 'data', '.env', '.git']) expect(ignored).toContain(p);
    // …but not what the build stage copies.
    for (const p of ['src', 'package.json', 'package-lock.json', 'scripts']) expect(ignored).not.toContain(p);
  });
});

describe('the health check command, run for real', () => {
  let t: TestApp;
  let server: ReturnType<typeof serve>;
  let port: number;
  beforeAll(async () => {
    t = createTestApp();
    server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    t.close();
  });

  it('exits 0 while /health says ok, 1 when nothing listens, 1 on 503', async () => {
    const cmd = healthcheckCommand();
    expect(await runCheck(cmd, port)).toBe(0);
    const closed = serve({ fetch: () => new Response(''), hostname: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => closed.once('listening', () => resolve()));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await runCheck(cmd, closedPort)).toBe(1);
    t.db.close();
    expect(await runCheck(cmd, port)).toBe(1);
  });
});

describe('compose.yaml', () => {
  const compose = parseYaml(read('compose.yaml')) as {
    services: Record<string, Record<string, unknown>>;
    volumes: Record<string, unknown>;
  };
  const sp = compose.services.starpunk!;

  it('builds this Dockerfile and keeps /data in a named volume', () => {
    expect(sp.build).toBe('.');
    const volumes = sp.volumes as string[];
    const data = volumes.find((v) => v.split(':')[1] === '/data')!;
    expect(data).toBeTruthy();
    expect(Object.keys(compose.volumes)).toContain(data.split(':')[0]);
    expect(sp.restart).toBe('unless-stopped');
  });

  it('sets the environment a container behind a proxy needs', () => {
    const env = sp.environment as Record<string, string>;
    expect(env).toMatchObject({ DATA_PATH: '/data', HOST: '0.0.0.0', TRUST_PROXY: 'on' });
    expect(env.SITE_URL).toMatch(/^\$\{SITE_URL/);
    // Published on loopback only: the proxy is the public door.
    expect(sp.ports).toEqual(['127.0.0.1:8000:8000']);
  });

  it('has the same health check as the image, with a grace period for the first start', () => {
    const hc = sp.healthcheck as { test: string[]; interval: string; start_period: string; retries: number };
    expect(hc.test[0]).toBe('CMD');
    expect(hc.test.slice(1)).toEqual(healthcheckCommand());
    expect(hc.interval).toBe('30s');
    expect(hc.start_period).toBeTruthy();
    expect(hc.retries).toBeGreaterThan(0);
  });

  it('puts Caddy in front on demand, with the example Caddyfile', () => {
    const caddy = compose.services.caddy!;
    expect(caddy.profiles).toEqual(['caddy']);
    expect(caddy.volumes).toContain('./deploy/Caddyfile:/etc/caddy/Caddyfile:ro');
    expect((caddy.environment as Record<string, string>).STARPUNK_UPSTREAM).toBe('starpunk:8000');
    expect((caddy.depends_on as Record<string, { condition: string }>).starpunk!.condition).toBe(
      'service_healthy',
    );
  });
});

describe('deploy/starpunk.service', () => {
  const unit = parseUnit(read('deploy/starpunk.service'));
  const service = unit.Service!;
  const one = (key: string) => {
    expect(service[key], key).toHaveLength(1);
    return service[key]![0]!;
  };

  it('runs `starpunk serve` as its own user and restarts on failure, but not on a configuration error', () => {
    expect(unit.Unit!.After).toContain('network-online.target');
    expect(unit.Install!.WantedBy).toEqual(['multi-user.target']);
    expect(one('ExecStart')).toMatch(
      /\/node --max-semi-space-size=2 --max-old-space-size=128 \/opt\/starpunk\/dist\/src\/main\.js serve$/,
    );
    expect(one('User')).toBe('starpunk');
    expect(one('Restart')).toBe('on-failure');
    expect(one('RestartPreventExitStatus')).toBe('2');
    // Longer than the server's own 10 s shutdown grace.
    expect(Number.parseInt(one('TimeoutStopSec'), 10)).toBeGreaterThan(10);
  });

  it('is hardened and can write only its data directory', () => {
    expect(one('NoNewPrivileges')).toBe('true');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ProtectHome')).toBe('true');
    expect(one('PrivateTmp')).toBe('true');
    expect(one('CapabilityBoundingSet')).toBe('');
    const dataPath = service.Environment!.find((e) => e.startsWith('DATA_PATH='))!.slice('DATA_PATH='.length);
    expect(dataPath).toBe('/var/lib/starpunk');
    expect(one('ReadWritePaths').split(/\s+/)).toEqual([dataPath]);
    expect(`/var/lib/${one('StateDirectory')}`).toBe(dataPath);
    // V8 needs writable+executable memory for its JIT.
    expect(service.MemoryDenyWriteExecute).toBeUndefined();
  });

  it('the CLI wrapper uses the same paths as the unit', () => {
    const cli = read('deploy/starpunk-cli');
    expect(cli).toContain(`cd ${one('WorkingDirectory')}\n`);
    expect(cli).toContain(
      `DATA_PATH=${service.Environment!.find((e) => e.startsWith('DATA_PATH='))!.slice(10)}`,
    );
    // The same node and script (the CLI's short-lived commands need no young-generation cap).
    expect(cli).toContain(
      one('ExecStart')
        .replace(/ serve$/, '')
        .replace(' --max-semi-space-size=2 --max-old-space-size=128', ''),
    );
    expect(cli).toContain(`-u ${one('User')}`);
    expect(statSync(join(ROOT, 'deploy/starpunk-cli')).mode & 0o111).not.toBe(0);
  });
});

describe('reverse proxy examples', () => {
  it('nginx: TLS, forwarded headers that cannot be spoofed, body size for Micropub, streamed uploads', () => {
    const conf = read('deploy/nginx.conf').replace(/#.*$/gm, '');
    expect(conf).toMatch(/listen\s+443\s+ssl/);
    expect(conf).toMatch(/ssl_certificate\s+\S+;/);
    expect(conf).toMatch(/return\s+301\s+https:\/\/\$host\$request_uri;/);
    const size = /client_max_body_size\s+(\d+)m;/.exec(conf);
    // nginx's "m" is MiB.
    expectFitsLargestBody(Number(size?.[1]) * 1024 * 1024);
    expect(conf).toMatch(/proxy_pass\s+http:\/\/\S+;/);
    expect(conf).toMatch(/server\s+127\.0\.0\.1:8000;/);
    expect(conf).toMatch(/proxy_set_header\s+X-Forwarded-For\s+\$remote_addr;/);
    expect(conf).not.toContain('$proxy_add_x_forwarded_for');
    expect(conf).toMatch(/proxy_set_header\s+X-Forwarded-Proto\s+\$scheme;/);
    expect(conf).toMatch(/proxy_set_header\s+Host\s+\$host;/);
    expect(conf).toMatch(/proxy_request_buffering\s+off;/);
    expect(conf).not.toMatch(/proxy_buffering\s+off;/);
    // Braces balance: a cheap guard against a broken edit.
    expect((conf.match(/\{/g) ?? []).length).toBe((conf.match(/\}/g) ?? []).length);
  });

  it('Caddy: automatic HTTPS, default forwarded headers kept trustworthy, body size for Micropub', () => {
    const raw = read('deploy/Caddyfile');
    const conf = raw.replace(/#.*$/gm, '');
    // A site address without a scheme or port gets a certificate automatically.
    expect(conf).toMatch(/^\{\$SITE_DOMAIN:example\.com\} \{$/m);
    expect(conf).not.toMatch(/\btls\s+internal\b|^http:\/\//m);
    expect(conf).toMatch(/reverse_proxy\s+\{\$STARPUNK_UPSTREAM:127\.0\.0\.1:8000\}/);
    const size = /max_size\s+(\d+)MB/.exec(conf);
    // Caddy's "MB" is 10^6 bytes (MiB would be 2^20).
    expectFitsLargestBody(Number(size?.[1]) * 1000 * 1000);
    // Caddy sets X-Forwarded-For (the real peer) and X-Forwarded-Proto itself; trusting other
    // proxies or removing those headers would let a client choose its own address.
    expect(conf).not.toMatch(/trusted_proxies/);
    expect(conf).not.toMatch(/header_up\s+-X-Forwarded/i);
    expect(raw).toMatch(/X-Forwarded-For/);
    expect(raw).toMatch(/X-Forwarded-Proto/);
    expect(conf).not.toMatch(/request_buffers|flush_interval\s+-1/);
    expect((conf.match(/\{/g) ?? []).length).toBe((conf.match(/\}/g) ?? []).length);
  });
});
