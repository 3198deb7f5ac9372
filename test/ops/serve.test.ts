import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHistoricalDataDir, REFUSED_STATES } from '../helpers/historical.js';
import { startServer } from '../helpers/spawn-server.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'starpunk-serve-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('starpunk serve', () => {
  it('creates the data directory, migrates, serves /health and /, logs each request, stops on SIGTERM', async () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    const metricsToken = 'serve-test-metrics-token-0123456789';
    const server = await startServer({ DATA_PATH: data, METRICS_TOKEN: metricsToken });
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    // The public learns only the verdict; the metrics token also sees the version.
    expect(await health.json()).toEqual({ status: 'ok' });
    const detailed = await fetch(`${server.url}/health`, {
      headers: { Authorization: `Bearer ${metricsToken}` },
    });
    const body = (await detailed.json()) as { status: string; version: string };
    expect(body.status).toBe('ok');
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    const home = await fetch(`${server.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toContain('text/html');
    expect(home.headers.get('x-request-id')).toBeTruthy();

    expect(existsSync(join(data, 'starpunk.db'))).toBe(true);
    expect(existsSync(join(data, 'notes'))).toBe(true);
    expect(statSync(join(data, '.secret')).mode & 0o777).toBe(0o600);

    // An idle keep-alive connection must not hold shutdown open.
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http
        .get(`${server.url}/health`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        })
        .on('error', reject);
    });
    const t0 = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    agent.destroy();

    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/health', 200],
      ['GET', '/health', 200],
      ['GET', '/', 200],
      ['GET', '/health', 200],
    ]);
    expect(requests.every((r) => typeof r.reqId === 'string' && typeof r.durationMs === 'number')).toBe(true);
    expect(lines.some((l) => l.msg === 'stopped; database closed')).toBe(true);
    // A cleanly closed WAL database leaves no -wal file behind.
    expect(existsSync(join(data, 'starpunk.db-wal'))).toBe(false);
  });

  it('exits 2 on bad configuration and serves nothing', async () => {
    const dir = tempDir();
    const err = await startServer({ DATA_PATH: dir, SITE_URL: 'nope', PORT: 'abc' }).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.output).toMatch(/SITE_URL: must be an absolute http\(s\) URL/);
    expect(err.output).toMatch(/PORT: must be a whole number/);
  });

  it('exits 1 without serving when the database is newer than the code', async () => {
    const dir = tempDir();
    buildHistoricalDataDir(dir, REFUSED_STATES['a database from a newer version']);
    const before = readFileSync(join(dir, 'starpunk.db'));
    const err = await startServer({ DATA_PATH: dir }).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.output).toMatch(/refusing to migrate \(newer_database\)/);
    expect(err.output).not.toContain('StarPunk is serving');
    expect(readFileSync(join(dir, 'starpunk.db')).equals(before)).toBe(true);
  });

  it('with only PORT set, every link names that port; the banner shows the address and setup link at any log level', async () => {
    const dir = tempDir();
    const port = await freePort();
    const server = await startServer({
      DATA_PATH: join(dir, 'data'),
      PORT: String(port),
      LOG_LEVEL: 'error',
    });
    try {
      const site = `http://localhost:${port}/`;
      const banner = server.stderr();
      expect(banner).toContain(`is serving ${site}`);
      expect(banner).toContain(`listening on 127.0.0.1:${port}`);
      const setup = /^ {2}(http:\/\/\S+\/auth\/setup\?token=\S+)$/m.exec(banner)?.[1];
      expect(setup?.startsWith(`${site}auth/setup?token=`)).toBe(true);
      expect(banner).not.toContain('Warning');
      // LOG_LEVEL=error hides the info and warn lines, not the banner; standard output stays JSON.
      expect(
        server
          .stdout()
          .split('\n')
          .filter((l) => l.trim() !== '' && !l.startsWith('{')),
      ).toEqual([]);
      const page = await fetch(`${server.url}${new URL(setup!).pathname}${new URL(setup!).search}`);
      expect(page.status).toBe(200);
      const home = await (await fetch(`${server.url}/`)).text();
      expect(home).toContain(`href="${site}micropub"`);
      expect(home).toContain(`href="${site}feed.rss"`);
      expect(home).not.toContain(':8000');
      const metadata = (await (
        await fetch(`${server.url}/.well-known/oauth-authorization-server`)
      ).json()) as {
        issuer: string;
        token_endpoint: string;
      };
      expect(metadata.issuer).toBe(site);
      expect(metadata.token_endpoint).toBe(`${site}auth/token`);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('warns at start when SITE_URL names this machine on another port', async () => {
    const dir = tempDir();
    const server = await startServer({ DATA_PATH: dir, SITE_URL: 'http://localhost:8000/' });
    try {
      const port = new URL(server.url).port;
      expect(server.stderr()).toMatch(
        new RegExp(`Warning: SITE_URL is http://localhost:8000/ but the server listens on port ${port}`),
      );
      expect(server.stderr()).toContain('is serving http://localhost:8000/');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    const warned = server
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(warned.some((l) => l.level === 40 && l.msg.startsWith('SITE_URL is http://localhost:8000/'))).toBe(
      true,
    );
  });
});

/** A port nobody listens on right now (the system's choice, released at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
