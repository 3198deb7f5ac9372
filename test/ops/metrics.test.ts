import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { formatPrometheus } from '../../src/http/prometheus.js';
import { signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const TOKEN = 'scrape-me-0123456789abcdef';
const apps: TestApp[] = [];
afterEach(() => {
  for (const t of apps.splice(0)) t.close();
});
function app(env: Record<string, string> = { METRICS_TOKEN: TOKEN }): TestApp {
  const t = createTestApp(env);
  apps.push(t);
  return t;
}

/** One parsed sample line. */
interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?\\})? (\\S+)$`);
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;

/**
 * A small parser of the Prometheus text format: every line is a `# HELP`/`# TYPE` comment or
 * `name{labels} value`; throws on anything else. Returns the samples and the declared types.
 */
function parseExposition(text: string): { samples: ParsedSample[]; types: Map<string, string> } {
  expect(text.endsWith('\n')).toBe(true);
  const samples: ParsedSample[] = [];
  const types = new Map<string, string>();
  const helps = new Set<string>();
  for (const line of text.slice(0, -1).split('\n')) {
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      const [, kind, name, rest] = comment;
      expect(name).toMatch(new RegExp(`^${NAME}$`));
      if (kind === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(rest);
        expect(types.has(name!), `second TYPE for ${name}`).toBe(false);
        types.set(name!, rest!);
      } else helps.add(name!);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const [, name, rawLabels, rawValue] = m;
    expect(rawValue, line).toMatch(VALUE);
    const labels: Record<string, string> = {};
    for (const lm of (rawLabels ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[lm[1]!] = lm[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    }
    const family = name!.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(name!) || types.has(family), `sample before its TYPE: ${line}`).toBe(true);
    samples.push({ name: name!, labels, value: Number(rawValue!.replace('Inf', 'Infinity')) });
  }
  for (const name of types.keys()) expect(helps.has(name), `no HELP for ${name}`).toBe(true);
  return { samples, types };
}

async function scrape(t: TestApp): Promise<{ samples: ParsedSample[]; types: Map<string, string> }> {
  const res = await t.get('/metrics', { Authorization: `Bearer ${TOKEN}` });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await res.text());
}
const find = (samples: ParsedSample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('GET /metrics: who may read it', () => {
  it('refuses anonymous requests with 401 and a Bearer challenge', async () => {
    const t = app();
    const res = await t.get('/metrics');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.text()).not.toContain('starpunk_');
  });

  it('refuses a wrong token, and any token when METRICS_TOKEN is not set', async () => {
    const t = app();
    const wrong = await t.get('/metrics', { Authorization: `Bearer ${TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('invalid_token');
    const unset = app({});
    expect((await unset.get('/metrics', { Authorization: `Bearer ${TOKEN}` })).status).toBe(401);
    expect((await unset.get('/metrics', { Authorization: 'Bearer ' })).status).toBe(401);
  });

  it('accepts the configured bearer token and the signed-in admin', async () => {
    const t = app();
    expect((await t.get('/metrics', { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await t.get('/metrics', { Authorization: `bearer ${TOKEN}` })).status).toBe(200);
    const admin = await signIn(t);
    const res = await t.get('/metrics', { Cookie: admin.cookie });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('starpunk_http_requests_total');
  });

  it('METRICS_TOKEN must be long enough to be a secret', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(ConfigError);
    expect(loadConfig({ METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
    expect(loadConfig({}).metricsToken).toBeUndefined();
  });
});

describe('GET /metrics: what it says', () => {
  it('is valid text exposition format with every promised family', async () => {
    const t = app();
    t.notes.createNote({ content: 'one', slug: 'one' });
    t.notes.createNote({ content: 'two', slug: 'two' });
    t.notes.createNote({ content: 'draft', published: false });
    await t.get('/');
    const { samples, types } = await scrape(t);
    expect(Object.fromEntries(types)).toMatchObject({
      starpunk_http_requests_total: 'counter',
      starpunk_http_request_duration_seconds: 'histogram',
      starpunk_notes: 'gauge',
      starpunk_database_size_bytes: 'gauge',
      starpunk_uptime_seconds: 'gauge',
      process_resident_memory_bytes: 'gauge',
    });
    expect(find(samples, 'starpunk_notes', { state: 'published' })[0]?.value).toBe(2);
    expect(find(samples, 'starpunk_notes', { state: 'drafts' })[0]?.value).toBe(1);
    expect(find(samples, 'starpunk_database_size_bytes')[0]!.value).toBeGreaterThan(4096);
    expect(find(samples, 'starpunk_uptime_seconds')[0]!.value).toBeGreaterThanOrEqual(0);
    expect(find(samples, 'process_resident_memory_bytes')[0]!.value).toBeGreaterThan(1e6);
    expect(find(samples, 'starpunk_info', { version: '0.0.0-test' })[0]?.value).toBe(1);
  });

  it('labels requests by route pattern and status class, never by raw path', async () => {
    const t = app();
    t.notes.createNote({ content: 'one', slug: 'one' });
    t.notes.createNote({ content: 'two', slug: 'two' });
    await t.get('/notes/one');
    await t.get('/notes/two');
    await t.get('/notes/missing-slug');
    await t.get('/no/such/page/12345');
    await t.get('/another-unknown-page');
    const { samples } = await scrape(t);
    const requests = find(samples, 'starpunk_http_requests_total');
    const paths = requests.map((s) => s.labels.route);
    expect(paths.some((p) => /one|two|missing|12345|another/.test(p ?? ''))).toBe(false);
    const notes2xx = find(samples, 'starpunk_http_requests_total', {
      route: '/notes/:slug',
      method: 'GET',
      status_class: '2xx',
    });
    expect(notes2xx[0]?.value).toBe(2);
    expect(
      find(samples, 'starpunk_http_requests_total', { route: '/notes/:slug', status_class: '4xx' })[0]?.value,
    ).toBe(1);
    expect(
      find(samples, 'starpunk_http_requests_total', { route: 'unmatched', status_class: '4xx' })[0]?.value,
    ).toBe(1);
    // One segment is a standalone page's address (GET /:slug, mounted last): its pattern is the label.
    expect(
      find(samples, 'starpunk_http_requests_total', { route: '/:slug', status_class: '4xx' })[0]?.value,
    ).toBe(1);
    // A method nobody serves does not become a label value either.
    await t.request('/', { method: 'BREW' });
    const again = (await scrape(t)).samples;
    const methods = new Set(find(again, 'starpunk_http_requests_total').map((s) => s.labels.method));
    expect(methods.has('BREW')).toBe(false);
  });

  it('histograms are cumulative and agree with their _count', async () => {
    const t = app();
    for (let i = 0; i < 5; i++) await t.get('/');
    const { samples } = await scrape(t);
    const labels = { route: '/', method: 'GET', status_class: '2xx' };
    const buckets = find(samples, 'starpunk_http_request_duration_seconds_bucket', labels);
    expect(buckets.length).toBeGreaterThan(5);
    const values = buckets.map((b) => b.value);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
    expect(buckets.at(-1)!.labels.le).toBe('+Inf');
    expect(buckets.at(-1)!.value).toBe(5);
    expect(find(samples, 'starpunk_http_request_duration_seconds_count', labels)[0]!.value).toBe(5);
    expect(find(samples, 'starpunk_http_request_duration_seconds_sum', labels)[0]!.value).toBeGreaterThan(0);
    expect(find(samples, 'starpunk_http_requests_total', labels)[0]!.value).toBe(5);
  });
});

describe('formatPrometheus', () => {
  it('escapes label values and help text so every line still parses', () => {
    const text = formatPrometheus([
      {
        name: 'x_total',
        help: 'a help\nwith a newline and a \\ backslash',
        type: 'counter',
        samples: [{ labels: { route: 'a"b\\c\nd' }, value: 3 }],
      },
      { name: 'y', help: 'gauge', type: 'gauge', samples: [{ value: Number.POSITIVE_INFINITY }] },
    ]);
    const { samples } = parseExposition(text);
    expect(samples[0]).toEqual({ name: 'x_total', labels: { route: 'a"b\\c\nd' }, value: 3 });
    expect(samples[1]!.value).toBe(Number.POSITIVE_INFINITY);
  });
});
