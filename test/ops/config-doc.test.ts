import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOC_PATH, renderConfigDoc } from '../../scripts/gen-config-doc.js';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('docs/configuration.md', () => {
  it('is exactly what `npm run docs:config` generates from CONFIG_VARIABLES', () => {
    const onDisk = readFileSync(join(ROOT, CONFIG_DOC_PATH), 'utf8');
    // On failure: run `npm run docs:config` and commit the result.
    expect(onDisk).toBe(renderConfigDoc());
  });

  it('has one row per variable, and every variable is one loadConfig reads', () => {
    const doc = renderConfigDoc();
    for (const v of CONFIG_VARIABLES) expect(doc).toContain(`| \`${v.name}\` |`);
    // A variable loadConfig ignores would be documented but do nothing: setting any of them to an
    // invalid value must be reported.
    for (const v of CONFIG_VARIABLES) {
      if (['SITE_NAME', 'SITE_AUTHOR', 'SITE_DESCRIPTION', 'DATA_PATH', 'HOST'].includes(v.name)) continue;
      if (['DATABASE_PATH', 'NOTES_PATH', 'MEDIA_PATH', 'SESSION_SECRET'].includes(v.name)) continue;
      expect(() => loadConfig({ [v.name]: '\u0000 not valid' }), v.name).toThrow(v.name);
    }
  });

  it('refuses a note for a variable that does not exist', () => {
    expect(() => renderConfigDoc(CONFIG_VARIABLES.filter((v) => v.name !== 'TRUST_PROXY'))).toThrow(
      /TRUST_PROXY/,
    );
  });
});
