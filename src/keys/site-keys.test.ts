/**
 * The site's keys in DATA_PATH/keys/: made once, owner-only, adopted from the old derivation when
 * that is what sealed the accounts, never guessed when damaged.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox, legacySealingKey, newSealingKey } from '../lib/secret-box.js';
import { createKeyFile, listKeyFiles } from './key-files.js';
import { DamagedKeyError, loadSiteKeys, SEALING_KEY_FILE } from './site-keys.js';

const SECRET = 'a session secret of thirty-two characters or more';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'starpunk-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const keyFile = () => join(dir, 'keys', SEALING_KEY_FILE);
const noSecret = () => {
  throw new Error('the session secret is not needed here');
};

describe('the sealing key', () => {
  it('a new site gets a random key of its own, owner-only, and the same one every time after', () => {
    const first = loadSiteKeys({ dataPath: dir, sessionSecret: noSecret, sealed: [] });
    expect(first.sealingSource).toBe('new');
    expect(first.keys.sealing).toHaveLength(32);
    expect(first.keys.sealing.equals(legacySealingKey(SECRET))).toBe(false);
    expect(statSync(keyFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
    expect(readFileSync(keyFile(), 'utf8')).toBe(`${first.keys.sealing.toString('base64url')}\n`);
    const again = loadSiteKeys({ dataPath: dir, sessionSecret: noSecret, sealed: [] });
    expect(again.sealingSource).toBe('file');
    expect(again.keys.sealing.equals(first.keys.sealing)).toBe(true);
    expect(listKeyFiles(dir)).toEqual([SEALING_KEY_FILE]);
  });

  it('an upgraded site adopts the key derived from its session secret, so what it sealed still opens', () => {
    const sealed = [createSecretBox(legacySealingKey(SECRET)).seal({ token: 'mastodon-token' })];
    const loaded = loadSiteKeys({ dataPath: dir, sessionSecret: () => SECRET, sealed });
    expect(loaded.sealingSource).toBe('adopted');
    expect(loaded.unopenable).toBe(0);
    expect(createSecretBox(loaded.keys.sealing).open(sealed[0]!)).toEqual({ token: 'mastodon-token' });
    // From now on the file is the key: another session secret changes nothing.
    const later = loadSiteKeys({ dataPath: dir, sessionSecret: () => 'another secret entirely', sealed });
    expect(later.sealingSource).toBe('file');
    expect(later.unopenable).toBe(0);
  });

  it('secrets sealed under a key this site does not have are counted, and a random key is made', () => {
    const sealed = [createSecretBox(newSealingKey()).seal({ token: 'x' })];
    const loaded = loadSiteKeys({ dataPath: dir, sessionSecret: () => SECRET, sealed });
    expect(loaded.sealingSource).toBe('new');
    expect(loaded.unopenable).toBe(1);
    expect(loaded.keys.sealing.equals(legacySealingKey(SECRET))).toBe(false);
  });

  it('a damaged key file is refused, never replaced', () => {
    mkdirSync(join(dir, 'keys'));
    writeFileSync(keyFile(), 'not a key\n');
    expect(() => loadSiteKeys({ dataPath: dir, sessionSecret: noSecret, sealed: [] })).toThrow(
      DamagedKeyError,
    );
    expect(readFileSync(keyFile(), 'utf8')).toBe('not a key\n');
  });

  it('two processes making the key at once agree on the first one written', () => {
    const theirs = Buffer.from(`${newSealingKey().toString('base64url')}\n`);
    expect(createKeyFile(dir, SEALING_KEY_FILE, theirs).equals(theirs)).toBe(true);
    const ours = Buffer.from(`${newSealingKey().toString('base64url')}\n`);
    expect(createKeyFile(dir, SEALING_KEY_FILE, ours).equals(theirs)).toBe(true);
  });
});
