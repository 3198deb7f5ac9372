/**
 * Hardening: `/health` told anyone the exact version running, which tells an attacker which
 * published flaws apply. The public now gets only the verdict; the signed-in admin and a scraper
 * with `Authorization: Bearer <METRICS_TOKEN>` get the version and the details.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const METRICS_TOKEN = 'metrics-token-metrics-token-0123456789';

let t: TestApp;
beforeEach(() => {
  t = createTestApp({ METRICS_TOKEN });
});
afterEach(() => t.close());

async function health(headers: Record<string, string> = {}) {
  const res = await t.get('/health', headers);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('/health', () => {
  it('tells the public only whether the site is up', async () => {
    expect(await health()).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('nor anyone with a wrong token or a forged cookie', async () => {
    const tries: Record<string, string>[] = [
      { Authorization: 'Bearer wrong' },
      { Authorization: `Bearer ${METRICS_TOKEN}x` },
      { Authorization: `Basic ${METRICS_TOKEN}` },
      { Cookie: 'starpunk_session=forged' },
    ];
    for (const headers of tries)
      expect((await health(headers)).body, JSON.stringify(headers)).toEqual({ status: 'ok' });
  });

  it('shows the version and details to the metrics token', async () => {
    const { body } = await health({ Authorization: `Bearer ${METRICS_TOKEN}` });
    expect(body).toMatchObject({ status: 'ok', version: '0.0.0-test', checks: { database: 'ok' } });
    expect(typeof body.uptimeSeconds).toBe('number');
  });

  it('shows the version and details to the signed-in admin', async () => {
    const admin = await signIn(t);
    const { body } = await health({ Cookie: admin.cookie });
    expect(body).toMatchObject({ status: 'ok', version: '0.0.0-test', checks: { database: 'ok' } });
  });

  it('keeps the version out of the public answer when the site is down too', async () => {
    t.db.close();
    expect(await health()).toEqual({ status: 503, body: { status: 'error' } });
    expect((await health({ Authorization: `Bearer ${METRICS_TOKEN}` })).body).toMatchObject({
      status: 'error',
      version: '0.0.0-test',
    });
  });

  it('without a METRICS_TOKEN configured, no bearer value opens it', async () => {
    t.close();
    t = createTestApp();
    expect((await health({ Authorization: 'Bearer ' })).body).toEqual({ status: 'ok' });
    expect((await health({ Authorization: 'Bearer undefined' })).body).toEqual({ status: 'ok' });
  });
});
