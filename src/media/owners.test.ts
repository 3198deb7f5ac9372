/**
 * Who owns the files under MEDIA_PATH, and what start-up may remove: only the provable debris of
 * an interrupted upload (its record says it was under way, its row never committed) and temp files
 * of writes cut short. Everything else stays — above all the owner's settings pictures, which have
 * no media row (issue 20: a restart deleted them).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.js';
import { MEDIA_OWNERS } from '../ops/file-owners.js';
import { saveAuthorPhoto, saveSiteIcon, saveSocialImage } from '../settings/images.js';
import { createSettingsService } from '../settings/service.js';
import { checkMedia, recoverMedia } from './doctor.js';
import { surveyMedia } from './owners.js';
import { createMediaService } from './service.js';
import { writeMediaFile } from './storage.js';
import { recordUploadIntent } from './upload-intents.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

const png = (r: number, size = 300) =>
  sharp({ create: { width: size, height: size, channels: 3, background: { r, g: 40, b: 90 } } })
    .png()
    .toBuffer();

const exists = (rel: string) => existsSync(join(t.config.mediaPath, rel));

function put(rel: string, text = 'bytes'): void {
  const full = join(t.config.mediaPath, rel);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
}

/** Saves all three settings pictures, then replaces the icon (the first one is kept, not in use). */
async function settingsPictures() {
  const mediaPath = t.config.mediaPath;
  const settings = createSettingsService({ db: t.db, config: t.config, clock: t.clock });
  const firstIcon = await saveSiteIcon(mediaPath, await png(10));
  settings.save({ icon: firstIcon });
  settings.save({
    authorPhoto: await saveAuthorPhoto(mediaPath, await png(200)),
    icon: await saveSiteIcon(mediaPath, await png(100)),
    socialImage: await saveSocialImage(mediaPath, await png(150, 1300)),
  });
  return { firstIcon };
}

describe('start-up recovery and doctor go by the owners of the media folder', () => {
  it('keep every settings picture, in use or replaced; doctor counts them as owned', async () => {
    const { firstIcon } = await settingsPictures();
    const media = createMediaService({ db: t.db, mediaPath: t.config.mediaPath, clock: t.clock });
    await media.saveUpload({ bytes: await png(60, 900) });
    expect(recoverMedia(t.db, t.config.mediaPath, MEDIA_OWNERS)).toEqual([]);
    expect(checkMedia(t.db, t.config.mediaPath, MEDIA_OWNERS)).toEqual([]);
    expect(exists(`site/icon-${firstIcon}.ico`)).toBe(true);
    const survey = surveyMedia(t.db, t.config.mediaPath, MEDIA_OWNERS);
    expect(Object.fromEntries(survey.counts)).toEqual({
      'media library': { named: 2, kept: 0 },
      // 3 photo sizes, 4 icon sizes and the favicon, 1 social image; the first icon's 5 files kept.
      'settings pictures': { named: 9, kept: 5 },
    });
  });

  it('removes the files of an upload whose record is left and whose row never committed, and temp files', async () => {
    await settingsPictures();
    const uuid = '0b7c9e1e-0000-4000-8000-000000000001';
    const files = [`2026/11/${uuid}.jpg`, `2026/11/${uuid}_thumb.jpg`];
    await recordUploadIntent(t.config.mediaPath, uuid, files);
    await writeMediaFile(t.config.mediaPath, files[0]!, Buffer.from('main'));
    put(`2026/11/.${uuid}_thumb.jpg.a1b2c3d4e5f6.tmp`, 'half');
    const problems = checkMedia(t.db, t.config.mediaPath, MEDIA_OWNERS);
    expect(problems.map((p) => [p.kind, p.path])).toEqual([
      ['pending_write', `.uploads/${uuid}.json`],
      ['pending_write', `2026/11/.${uuid}_thumb.jpg.a1b2c3d4e5f6.tmp`],
      ['pending_write', `2026/11/${uuid}.jpg`],
    ]);
    expect(recoverMedia(t.db, t.config.mediaPath, MEDIA_OWNERS).sort()).toEqual(
      [files[0], `2026/11/.${uuid}_thumb.jpg.a1b2c3d4e5f6.tmp`, `.uploads/${uuid}.json`].sort(),
    );
    expect(checkMedia(t.db, t.config.mediaPath, MEDIA_OWNERS)).toEqual([]);
  });

  it('keeps a library file without a row when no record proves it debris, and any file nobody owns', () => {
    put('2026/11/0b7c9e1e-0000-4000-8000-000000000000.jpg');
    put('downloads/manual.pdf');
    expect(recoverMedia(t.db, t.config.mediaPath, MEDIA_OWNERS)).toEqual([]);
    expect(exists('2026/11/0b7c9e1e-0000-4000-8000-000000000000.jpg')).toBe(true);
    expect(exists('downloads/manual.pdf')).toBe(true);
    const problems = checkMedia(t.db, t.config.mediaPath, MEDIA_OWNERS);
    expect(problems.map((p) => [p.kind, p.path])).toEqual([
      ['orphan_file', '2026/11/0b7c9e1e-0000-4000-8000-000000000000.jpg'],
      ['orphan_file', 'downloads/manual.pdf'],
    ]);
    expect(problems[0]!.detail).toContain('no row refers to it (kept');
    expect(problems[1]!.detail).toContain('no part of StarPunk owns this file (kept');
  });

  it('a record never removes what another owner names, nor what is not named like a library file', async () => {
    await settingsPictures();
    const icon = t.db.prepare("SELECT value FROM settings WHERE key = 'site.icon'").pluck().get() as string;
    const uuid = '0b7c9e1e-0000-4000-8000-000000000002';
    put('notes-by-hand.txt');
    await recordUploadIntent(t.config.mediaPath, uuid, [
      `2026/11/${uuid}.jpg`,
      `site/icon-${icon}-192.png`,
      'notes-by-hand.txt',
    ]);
    recoverMedia(t.db, t.config.mediaPath, MEDIA_OWNERS);
    expect(exists(`site/icon-${icon}-192.png`)).toBe(true);
    expect(exists('notes-by-hand.txt')).toBe(true);
  });

  it('leaves alone an upload another running process has under way, and forgets the record of one that completed', async () => {
    const media = createMediaService({ db: t.db, mediaPath: t.config.mediaPath, clock: t.clock });
    const done = await media.saveUpload({ bytes: await png(70) });
    const doneUuid = done.filePath
      .split('/')
      .pop()!
      .replace(/\.\w+$/, '');
    // A completed upload whose record was not removed (a crash right after the commit).
    await recordUploadIntent(t.config.mediaPath, doneUuid, [done.filePath]);
    // Another process (this test's parent, alive on this machine) writing an upload right now.
    const busy = '0b7c9e1e-0000-4000-8000-000000000003';
    await writeMediaFile(
      t.config.mediaPath,
      `.uploads/${busy}.json`,
      Buffer.from(
        JSON.stringify({
          main: `2026/11/${busy}.jpg`,
          files: [`2026/11/${busy}.jpg`],
          pid: process.ppid,
          host: (await import('node:os')).hostname(),
        }),
      ),
    );
    put(`2026/11/${busy}.jpg`);
    expect(recoverMedia(t.db, t.config.mediaPath, MEDIA_OWNERS)).toEqual([`.uploads/${doneUuid}.json`]);
    expect(exists(done.filePath)).toBe(true);
    expect(exists(`2026/11/${busy}.jpg`)).toBe(true);
    const busyProblems = checkMedia(t.db, t.config.mediaPath, MEDIA_OWNERS);
    expect(busyProblems.find((p) => p.path === `2026/11/${busy}.jpg`)?.detail).toContain(
      'under way in another process',
    );
  });
});
