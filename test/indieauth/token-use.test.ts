import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { createTokenService } from '../../src/indieauth/tokens.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp | undefined;
afterEach(() => t?.close());

describe('token last use', () => {
  it('is recorded to the minute, so reads in between write nothing', () => {
    t = createTestApp();
    const tokens = t.app.services.tokens;
    const { token } = tokens.mintToken({
      me: 'http://example.test/',
      clientId: null,
      scope: 'create',
      expiresInSeconds: null,
    });
    const changes = () => (t!.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    expect(tokens.verifyToken(token)).toBeDefined();
    const used = tokens.listTokens()[0]!.lastUsedAt;
    expect(used?.toISOString()).toBe('2026-11-27T12:00:00.000Z');
    const before = changes();
    t.clock.set('2026-11-27T12:00:59.000Z');
    expect(tokens.verifyToken(token)).toBeDefined();
    expect(changes()).toBe(before);
    t.clock.set('2026-11-27T12:01:00.000Z');
    expect(tokens.verifyToken(token)).toBeDefined();
    expect(tokens.listTokens()[0]!.lastUsedAt?.toISOString()).toBe('2026-11-27T12:01:00.000Z');
  });

  it('a token still verifies when its use cannot be written (read-only database)', () => {
    t = createTestApp();
    const { token } = t.app.services.tokens.mintToken({
      me: 'http://example.test/',
      clientId: null,
      scope: 'create',
      expiresInSeconds: null,
    });
    const readonly = openDatabase(t.config.databasePath, { readonly: true });
    try {
      const tokens = createTokenService({ db: readonly, clock: t.clock });
      expect(() => readonly.prepare("UPDATE tokens SET scope = 'x'").run()).toThrow(/readonly/i);
      expect(tokens.verifyToken(token)?.scopes).toEqual(new Set(['create']));
    } finally {
      readonly.close();
    }
  });
});
