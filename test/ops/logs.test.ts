import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, wantsPrettyLogs } from '../../src/logger.js';
import type { TestApp } from '../helpers/app.js';
import { captureLogger, captureLogs, createLoggedTestApp } from './support.js';

const apps: TestApp[] = [];
afterEach(() => {
  for (const t of apps.splice(0)) t.close();
});

const form = (fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});

describe('request logs', () => {
  it('writes one JSON line per request with id, method, path, status and duration', async () => {
    const logs = captureLogs();
    const t = createLoggedTestApp({}, captureLogger(logs, 'info'));
    apps.push(t);
    t.notes.createNote({ content: 'Hello', slug: 'hello' });
    const home = await t.get('/');
    const note = await t.get('/notes/hello?utm=x');
    const missing = await t.get('/no/such/page');

    const requests = logs.lines().filter((l) => l.msg === 'request');
    expect(requests).toHaveLength(3);
    expect(requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/', 200],
      ['GET', '/notes/hello', 200],
      ['GET', '/no/such/page', 404],
    ]);
    const ids = [home, note, missing].map((r) => r.headers.get('x-request-id'));
    expect(requests.map((r) => r.reqId)).toEqual(ids);
    for (const r of requests) {
      expect(typeof r.durationMs).toBe('number');
      expect(r.durationMs as number).toBeGreaterThanOrEqual(0);
      expect(r.level).toBe(30);
      expect(typeof r.time).toBe('string');
    }
  });

  it('keeps a well-formed incoming X-Request-ID and replaces a malformed one', async () => {
    const logs = captureLogs();
    const t = createLoggedTestApp({}, captureLogger(logs, 'info'));
    apps.push(t);
    const kept = await t.get('/health', { 'X-Request-ID': 'proxy-abc.123' });
    const replaced = await t.get('/health', { 'X-Request-ID': 'bad id <script>' });
    expect(kept.headers.get('x-request-id')).toBe('proxy-abc.123');
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs.text()).not.toContain('<script>');
  });

  it('never writes credentials: Authorization headers, cookies, tokens and passwords in bodies or queries', async () => {
    const logs = captureLogs();
    const t = createLoggedTestApp({ METRICS_TOKEN: 'metrics-secret-0123456789' }, captureLogger(logs));
    apps.push(t);
    const secrets = {
      bearer: 'bearer-secret-4f1d9a',
      bodyToken: 'body-token-secret-7c2e',
      queryToken: 'query-token-secret-9b3a',
      cookie: 'cookie-secret-1a2b3c',
      password: 'password-secret-5d6e',
      code: 'code-secret-8f9a',
      verifier: 'verifier-secret-0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1',
      refresh: 'refresh-secret-2c3d',
      metrics: 'metrics-secret-0123456789',
      setup: 'setup-secret-3e4f',
    };
    const bearer = { Authorization: `Bearer ${secrets.bearer}` };
    await t.request('/micropub', form({ h: 'entry', content: 'x' }, bearer));
    await t.request('/micropub', form({ h: 'entry', content: 'x', access_token: secrets.bodyToken }));
    await t.get(`/micropub?q=config&access_token=${secrets.queryToken}`);
    await t.get('/admin', { Cookie: `starpunk_session=${secrets.cookie}` });
    await t.get('/health', { Cookie: `starpunk_session=${secrets.cookie}` });
    await t.request('/auth/login', form({ password: secrets.password, next: '/admin' }));
    await t.request(
      '/auth/token',
      form({
        grant_type: 'authorization_code',
        code: secrets.code,
        code_verifier: secrets.verifier,
        client_id: 'https://app.example/',
        redirect_uri: 'https://app.example/cb',
      }),
    );
    await t.request('/auth/token', form({ grant_type: 'refresh_token', refresh_token: secrets.refresh }));
    await t.request('/auth/introspect', form({ token: secrets.bodyToken }, bearer));
    await t.request('/auth/revoke', form({ token: secrets.bodyToken }));
    await t.get('/metrics', { Authorization: `Bearer ${secrets.metrics}` });
    await t.get(`/auth/setup?token=${secrets.setup}`);
    await t.get(`/auth/callback?code=${secrets.code}&state=s&iss=x`);

    const text = logs.text();
    // The requests really were logged, at debug level, so the absence below means something.
    expect(logs.lines().filter((l) => l.msg === 'request').length).toBe(13);
    for (const [name, value] of Object.entries(secrets)) {
      expect(text.includes(value), `${name} leaked into the log`).toBe(false);
    }
  });

  it('redacts credentials in objects a module logs by mistake', () => {
    const logs = captureLogs();
    const logger = createLogger('debug', logs.stream);
    logger.info({ req: { headers: { authorization: 'Bearer s1', cookie: 'c=s2' } } }, 'incoming');
    logger.info({ headers: { authorization: 'Bearer s3', cookie: 'c=s4' } }, 'headers');
    logger.info({ token: 's5', password: 's6', body: { access_token: 's7', code_verifier: 's8' } }, 'body');
    logger.info({ config: { sessionSecret: 's9', metricsToken: 's10' } }, 'config');
    const text = logs.text();
    for (const s of ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10']) {
      expect(text).not.toMatch(new RegExp(`"${s}"|Bearer ${s}|c=${s}`));
    }
    expect(text.match(/\[redacted\]/g)?.length).toBe(10);
  });
});

describe('log format', () => {
  it('is pretty only on a terminal, never in tests or CI', () => {
    expect(wantsPrettyLogs({ isTTY: true }, {})).toBe(true);
    expect(wantsPrettyLogs({ isTTY: false }, {})).toBe(false);
    expect(wantsPrettyLogs({}, {})).toBe(false);
    expect(wantsPrettyLogs({ isTTY: true }, { CI: 'true' })).toBe(false);
    expect(wantsPrettyLogs({ isTTY: true }, { VITEST: 'true' })).toBe(false);
    expect(wantsPrettyLogs({ isTTY: true }, { NODE_ENV: 'test' })).toBe(false);
    // This very process is a test run: the default logger writes JSON.
    expect(wantsPrettyLogs(process.stdout, process.env)).toBe(false);
  });

  it('pretty mode writes human-readable lines, still without secrets', () => {
    const logs = captureLogs();
    const logger = createLogger('info', logs.stream, { pretty: true });
    logger.info({ reqId: 'r1', method: 'GET', path: '/', status: 200, token: 'pretty-secret' }, 'request');
    const text = logs.text();
    expect(text).toContain('INFO');
    expect(text).toContain('request');
    expect(text).toContain('/');
    expect(text).not.toContain('pretty-secret');
    expect(() => JSON.parse(text.trim().split('\n')[0]!)).toThrow();
  });
});
