/**
 * #13 MEDIUM 4: `starpunk import` followed symbolic links out of the source folder, so a note file or
 * media file that was a link to a private file elsewhere became a public note or a served media file.
 * Anything that is not a regular file inside the source is refused and reported.
 */
import { readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildPythonDataDir } from '../helpers/python-fixtures.js';
import { cleanup, cli, openSite, tempDir, treeHashes } from '../ops/ops-helpers.js';

afterEach(cleanup);

const SECRET = 'PRIVATE KEY MATERIAL that must never be published';

function secretFile(): string {
  const dir = tempDir('starpunk-secret-');
  const path = join(dir, 'id_ed25519');
  writeFileSync(path, SECRET);
  return path;
}

describe('starpunk import refuses links out of the source', () => {
  it('a Markdown folder: a linked note file and a note in a linked folder are reported, not imported', async () => {
    const src = tempDir('starpunk-md-');
    writeFileSync(join(src, 'real.md'), '---\ntitle: Real\n---\nA real note.\n');
    const secret = secretFile();
    symlinkSync(secret, join(src, 'leak.md'));
    const outside = tempDir('starpunk-outside-');
    writeFileSync(join(outside, 'also-secret.md'), SECRET);
    symlinkSync(outside, join(src, 'linked-folder'));
    const target = join(tempDir(), 'data');
    const r = await cli(['import', src], target);
    expect(r.out).toMatch(/imported 1, skipped 0, failed 1/);
    expect(r.out).toMatch(/leak\.md.*a symbolic link; it was not imported/);
    const site = openSite(target);
    try {
      expect(site.notes.countForAdmin().all).toBe(1);
      expect(site.notes.searchPublic('"PRIVATE KEY"', 10, 0).total).toBe(0);
    } finally {
      site.close();
    }
    expect(JSON.stringify(readdirSync(join(target, 'notes'), { recursive: true }))).not.toContain(
      'also-secret',
    );
  });

  it('a Python data directory: a note file and a media file that are links are refused and reported', async () => {
    const src = join(tempDir(), 'python');
    const fx = await buildPythonDataDir(src, '1.4', { pathStyle: 'notes-relative' });
    const secret = secretFile();
    // The note's file becomes a link to the private file; so does one photo.
    const note = fx.notes.find((n) => n.slug === 'hello-starpunk-this-is-my')!;
    const notePath = join(src, 'notes', note.rel);
    rmSync(notePath);
    symlinkSync(secret, notePath);
    const photo = join(src, 'media', fx.media[0]!.rel);
    rmSync(photo);
    symlinkSync(secret, photo);

    const target = join(tempDir(), 'data');
    const r = await cli(['import', src], target);
    expect(r.out).toMatch(/symbolic link; it was not imported/);
    const site = openSite(target);
    try {
      expect(site.notes.getNoteBySlug(note.slug)).toBeUndefined();
      expect(site.notes.getNoteBySlug('cafe-deja-vu')).toBeDefined();
      for (const m of site.media.listMedia(100, 0)) expect(m.filePath).not.toBe(fx.media[0]!.rel);
    } finally {
      site.close();
    }
    const stored = treeHashes(join(target, 'media'));
    expect(Object.keys(stored)).not.toContain(fx.media[0]!.rel);
    for (const rel of Object.keys(treeHashes(target))) expect(rel).not.toMatch(/id_ed25519/);
  });
});
