import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/run.js';
import { buildHistoricalDataDir, HISTORICAL_STATES, REFUSED_STATES } from '../helpers/historical.js';
import { captureIo } from '../helpers/io.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'starpunk-cli-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('starpunk migrate', () => {
  it('exits 2 listing every configuration problem before touching anything', async () => {
    const dir = tempDir();
    const io = captureIo({ DATA_PATH: join(dir, 'data'), PORT: 'x', LOG_LEVEL: 'chatty' }, dir);
    expect(await main(['migrate'], io)).toBe(2);
    const text = io.err.join('');
    expect(text).toContain('PORT');
    expect(text).toContain('LOG_LEVEL');
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('--status shows pending migrations of a v0.9 database, then applied and adopted ones', async () => {
    const dir = tempDir();
    buildHistoricalDataDir(dir, HISTORICAL_STATES['v0.9.x (tracking with 001, old plaintext tokens)']);
    const env = { DATA_PATH: dir, LOG_LEVEL: 'error' };
    const status = captureIo(env, dir);
    expect(await main(['migrate', '--status'], status)).toBe(0);
    expect(status.out.join('')).toMatch(/applied\s+001_add_code_verifier_to_auth_state\.sql/);
    expect(status.out.join('')).toMatch(/pending\s+002_secure_tokens_and_authorization_codes\.sql/);

    const dry = captureIo(env, dir);
    expect(await main(['migrate', '--dry-run'], dry)).toBe(0);
    const dryText = dry.out.join('');
    expect(dryText).toMatch(/would run\s+002_secure_tokens_and_authorization_codes\.sql/);
    expect(dryText).toMatch(/would adopt 003_hash_session_tokens\.sql/);
    expect(dryText).toContain('nothing was changed');

    const apply = captureIo(env, dir);
    expect(await main(['migrate'], apply)).toBe(0);
    expect(apply.out.join('')).toMatch(/backup written to .*backups/);
    expect(apply.out.join('')).toMatch(
      /notice: 002_secure_tokens_and_authorization_codes\.sql: old plaintext access tokens/,
    );

    const after = captureIo(env, dir);
    expect(await main(['migrate', '--status'], after)).toBe(0);
    const lines = after.out.join('');
    expect(lines).toMatch(/applied\s+002_secure_tokens_and_authorization_codes\.sql\s+\(\d{4}-/);
    expect(lines).toMatch(/adopted\s+003_hash_session_tokens\.sql/);
    expect(lines).not.toContain('pending');
  });

  it('exits 1 with a clear message when the database is newer than the code', async () => {
    const dir = tempDir();
    buildHistoricalDataDir(dir, REFUSED_STATES['a database from a newer version']);
    const io = captureIo({ DATA_PATH: dir, LOG_LEVEL: 'error' }, dir);
    expect(await main(['migrate'], io)).toBe(1);
    expect(io.err.join('')).toMatch(/refusing to migrate \(newer_database\); nothing was changed/);
  });

  it('rejects unknown arguments and unknown commands', async () => {
    const dir = tempDir();
    const io = captureIo({ DATA_PATH: dir }, dir);
    expect(await main(['migrate', '--force'], io)).toBe(1);
    expect(await main(['frobnicate'], io)).toBe(1);
    expect(io.err.join('')).toContain('unknown command "frobnicate"');
  });
});
