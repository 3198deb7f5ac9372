import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAdminAuth } from '../../src/auth/admin-auth.js';
import { passwordCommand } from '../../src/cli/password.js';
import { main } from '../../src/cli/run.js';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/open.js';
import { createTokenService } from '../../src/indieauth/tokens.js';
import { captureIo } from '../helpers/io.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'starpunk-cli-auth-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const env = () => ({ DATA_PATH: dir, LOG_LEVEL: 'error', SITE_URL: 'http://me.test/' });

describe('starpunk password set', () => {
  it('stores an argon2id hash that verifies, and refuses short passwords', async () => {
    const io = captureIo(env(), dir);
    expect(await passwordCommand(['set'], io, async () => 'a sturdy password')).toBe(0);
    const config = loadConfig(env(), dir);
    const db = openDatabase(config.databasePath);
    const auth = createAdminAuth({
      db,
      config,
      clock: systemClock,
      secret: 'x'.repeat(32),
      fetch: globalThis.fetch,
    });
    expect(await auth.verifyPassword('a sturdy password')).toBe(true);
    expect(await auth.verifyPassword('wrong')).toBe(false);
    const stored = db.prepare("SELECT value FROM settings WHERE key = 'admin_password_hash'").get() as {
      value: string;
    };
    expect(stored.value).toMatch(/^\$argon2id\$/);
    db.close();
    const short = captureIo(env(), dir);
    expect(await passwordCommand(['set'], short, async () => 'short')).toBe(1);
    expect(short.err.join('')).toContain('at least 10 characters');
  });
});

describe('starpunk token', () => {
  it('create prints only the token; list shows it; revoke ends it', async () => {
    const create = captureIo(env(), dir);
    expect(
      await main(
        [
          'token',
          'create',
          '--scope',
          'create update',
          '--client-id',
          'https://quill.p3k.io/',
          '--expires-in',
          '3600',
        ],
        create,
      ),
    ).toBe(0);
    const token = create.out.join('').trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const config = loadConfig(env(), dir);
    const db = openDatabase(config.databasePath);
    const verified = createTokenService({ db, clock: systemClock }).verifyToken(token)!;
    expect(verified.me).toBe('http://me.test/');
    expect([...verified.scopes]).toEqual(['create', 'update']);
    db.close();
    const list = captureIo(env(), dir);
    expect(await main(['token', 'list'], list)).toBe(0);
    expect(list.out.join('')).toMatch(/^1\s+active\s+create update\s+https:\/\/quill\.p3k\.io\//);
    const revoke = captureIo(env(), dir);
    expect(await main(['token', 'revoke', '1'], revoke)).toBe(0);
    const again = captureIo(env(), dir);
    expect(await main(['token', 'revoke', '1'], again)).toBe(1);
    const missing = captureIo(env(), dir);
    expect(await main(['token', 'create'], missing)).toBe(1);
    expect(missing.err.join('')).toContain('--scope is required');
    // With SITE_URL set, nothing but the token is said.
    expect(create.err.join('')).toBe('');
  });

  it('says whose the token is when the identity was derived from PORT (a server on another port refuses it)', async () => {
    const io = captureIo({ DATA_PATH: dir, LOG_LEVEL: 'error', PORT: '8302' }, dir);
    expect(await main(['token', 'create', '--scope', 'create'], io)).toBe(0);
    expect(io.out.join('').trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(io.err.join('')).toContain('the token is for http://localhost:8302/, derived from HOST and PORT');
  });
});
