import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.js';
import { photoLike } from '../../test/helpers/images.js';
import { MAX_UPLOAD_BYTES } from './image.js';
import { createMediaService, type MediaService, mediaPathOfUrl, sanitiseOriginalName } from './service.js';

let t: TestApp;
let media: MediaService;
beforeEach(() => {
  t = createTestApp();
  media = createMediaService({ db: t.db, mediaPath: t.config.mediaPath, clock: t.clock });
});
afterEach(() => t.close());

/** Every file under MEDIA_PATH (dot files included), relative and sorted. */
function files(dir = t.config.mediaPath): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(t.config.mediaPath, join(e.parentPath, e.name)))
    .sort();
}

const stored = (rel: string) => readFileSync(join(t.config.mediaPath, rel));

/** A 3000×2000 camera-style JPEG: EXIF orientation 6 (rotate 90° clockwise), camera make and GPS position. */
function cameraJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 3000, height: 2000, channels: 3, background: { r: 30, g: 90, b: 160 } } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExif({
      IFD0: { Make: 'PhoneCam', Copyright: 'Ada' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '51/1 30/1 0/1',
        GPSLongitudeRef: 'W',
        GPSLongitude: '0/1 7/1 0/1',
      },
    })
    .toBuffer();
}

const GPS_IFD_POINTER = Buffer.from([0x25, 0x88]); // tag 0x8825, little-endian as sharp writes EXIF

describe('saveUpload', () => {
  it('rotates by EXIF orientation, strips EXIF and GPS, caps at 2560 px and writes thumb and medium', async () => {
    const input = await cameraJpeg();
    const before = await sharp(input).metadata();
    expect(before.orientation).toBe(6);
    expect(before.exif?.includes(GPS_IFD_POINTER)).toBe(true);

    const item = await media.saveUpload({
      bytes: input,
      originalName: 'IMG_0001.JPG',
      declaredType: 'image/jpeg',
      alt: ' A blue square ',
    });

    expect(item.filePath).toMatch(/^2026\/11\/[0-9a-f-]{36}\.jpg$/);
    expect(item.url).toBe(`/media/${item.filePath}`);
    expect(media.urlFor(item)).toBe(item.url);
    expect(item).toMatchObject({
      mimeType: 'image/jpeg',
      width: 1707,
      height: 2560,
      alt: 'A blue square',
      originalName: 'IMG_0001.JPG',
      createdAt: new Date('2026-11-27T12:00:00.000Z'),
    });
    const uuid = item.filePath.slice('2026/11/'.length, -'.jpg'.length);
    expect(item.variants).toEqual({
      thumb: `/media/2026/11/${uuid}_thumb.jpg`,
      medium: `/media/2026/11/${uuid}_medium.jpg`,
    });
    expect(files()).toEqual(
      [item.filePath, `2026/11/${uuid}_medium.jpg`, `2026/11/${uuid}_thumb.jpg`].sort(),
    );

    const main = stored(item.filePath);
    expect(item.size).toBe(main.length);
    expect(item.sha256).toBe(createHash('sha256').update(main).digest('hex'));
    for (const [rel, long] of [
      [item.filePath, 2560],
      [`2026/11/${uuid}_medium.jpg`, 1280],
      [`2026/11/${uuid}_thumb.jpg`, 400],
    ] as const) {
      const meta = await sharp(stored(rel)).metadata();
      // Portrait now: the rotation was applied to the pixels, not left to a tag.
      expect([meta.format, meta.height, meta.height > meta.width]).toEqual(['jpeg', long, true]);
      expect(meta.orientation).toBeUndefined();
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.iptc).toBeUndefined();
      expect(stored(rel).includes('PhoneCam')).toBe(false);
    }

    const row = t.db.prepare('SELECT * FROM media WHERE id = ?').get(item.id) as Record<string, unknown>;
    expect(row).toMatchObject({ file_path: item.filePath, size: main.length, width: 1707, height: 2560 });
    expect(JSON.parse(row.variants as string)).toMatchObject({
      thumb: { path: `2026/11/${uuid}_thumb.jpg`, width: 267, height: 400 },
      medium: { path: `2026/11/${uuid}_medium.jpg`, width: 853, height: 1280 },
    });
  });

  it('keeps a small PNG as a PNG, with its transparency and no variants', async () => {
    const png = await sharp({
      create: { width: 300, height: 200, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    const item = await media.saveUpload({ bytes: png, originalName: 'dot.png' });
    expect(item).toMatchObject({ mimeType: 'image/png', width: 300, height: 200, alt: '', variants: {} });
    expect(item.filePath).toMatch(/\.png$/);
    const meta = await sharp(stored(item.filePath)).metadata();
    expect([meta.format, meta.hasAlpha]).toEqual(['png', true]);
    expect(files()).toEqual([item.filePath]);
  });

  it('stores a large PNG photograph as JPEG (file name, type and variants), keeping its original name', async () => {
    const png = await photoLike(1600, 1200).png().toBuffer();
    const item = await media.saveUpload({
      bytes: png,
      originalName: 'holiday.png',
      declaredType: 'image/png',
    });
    expect(item).toMatchObject({
      mimeType: 'image/jpeg',
      width: 1600,
      height: 1200,
      originalName: 'holiday.png',
    });
    expect(item.filePath).toMatch(/\.jpg$/);
    expect(item.size).toBeLessThan(png.length / 5);
    expect(Object.values(item.variants).every((url) => url.endsWith('.jpg'))).toBe(true);
    for (const rel of files()) expect((await sharp(stored(rel)).metadata()).format, rel).toBe('jpeg');
  });

  it('trusts the bytes, not the name or declared type', async () => {
    const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: 'red' } })
      .png()
      .toBuffer();
    const item = await media.saveUpload({
      bytes: png,
      originalName: 'photo.jpg',
      declaredType: 'image/jpeg',
    });
    expect(item.mimeType).toBe('image/png');
    expect(item.filePath).toMatch(/\.png$/);
  });

  it('refuses text named photo.jpg with 415, an oversized upload with 413, a truncated JPEG with 400', async () => {
    await expect(
      media.saveUpload({
        bytes: Buffer.from('I am not a picture'),
        originalName: 'photo.jpg',
        declaredType: 'image/jpeg',
      }),
    ).rejects.toMatchObject({ code: 'unsupported_media_type', status: 415 });

    const jpeg = await sharp({ create: { width: 800, height: 600, channels: 3, background: 'red' } })
      .jpeg()
      .toBuffer();
    const oversized = Buffer.concat([jpeg, Buffer.alloc(MAX_UPLOAD_BYTES + 1 - jpeg.length)]);
    await expect(media.saveUpload({ bytes: oversized })).rejects.toMatchObject({
      code: 'payload_too_large',
      status: 413,
      message: expect.stringContaining('10.0 MB'),
    });

    await expect(media.saveUpload({ bytes: jpeg.subarray(0, jpeg.length - 200) })).rejects.toMatchObject({
      code: 'invalid_request',
      status: 400,
    });
    await expect(media.saveUpload({ bytes: Buffer.alloc(0) })).rejects.toMatchObject({ status: 400 });
    await expect(media.saveUpload({ bytes: jpeg, alt: 'x'.repeat(1001) })).rejects.toMatchObject({
      status: 400,
    });
    expect(files()).toEqual([]);
    expect(media.countMedia()).toBe(0);
  });

  it('leaves no stray file when the database refuses the row', async () => {
    t.db.exec(
      `CREATE TRIGGER media_refuse BEFORE INSERT ON media BEGIN SELECT RAISE(ABORT, 'disk says no'); END`,
    );
    const jpeg = await sharp({ create: { width: 1600, height: 1000, channels: 3, background: 'red' } })
      .jpeg()
      .toBuffer();
    await expect(media.saveUpload({ bytes: jpeg })).rejects.toThrow(/could not record media/);
    expect(files()).toEqual([]);
    expect(media.countMedia()).toBe(0);
    t.db.exec('DROP TRIGGER media_refuse');
    await media.saveUpload({ bytes: jpeg });
    expect(files()).toHaveLength(3);
  });

  it('makes a month folder again when it was removed since the last upload', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: 'red' } })
      .jpeg()
      .toBuffer();
    const first = await media.saveUpload({ bytes: jpeg });
    rmSync(join(t.config.mediaPath, dirname(first.filePath)), { recursive: true });
    const second = await media.saveUpload({ bytes: jpeg });
    expect(files()).toEqual([second.filePath]);
    expect(stored(second.filePath).length).toBe(second.size);
  });
});

describe('sanitiseOriginalName', () => {
  it('keeps the base name only, without control characters, at most 200 characters', () => {
    expect(sanitiseOriginalName('C:\\Users\\ada\\Pictures\\cat.jpg')).toBe('cat.jpg');
    expect(sanitiseOriginalName('../../etc/passwd')).toBe('passwd');
    expect(sanitiseOriginalName('bad\u0000\nname.png')).toBe('badname.png');
    expect(sanitiseOriginalName('dir/..')).toBeNull();
    expect(sanitiseOriginalName('   ')).toBeNull();
    expect(sanitiseOriginalName(undefined)).toBeNull();
    const long = sanitiseOriginalName(`${'é'.repeat(150)}${'🎉'.repeat(100)}.jpg`)!;
    expect(Array.from(long)).toHaveLength(200);
    expect(long.endsWith('🎉')).toBe(true);
  });
});

describe('deleteMedia', () => {
  it('refuses while a note uses the file or a variant, then deletes row and files', async () => {
    const jpeg = await sharp({ create: { width: 900, height: 600, channels: 3, background: 'red' } })
      .jpeg()
      .toBuffer();
    const item = await media.saveUpload({ bytes: jpeg, originalName: 'red.jpg' });
    const other = await media.saveUpload({ bytes: jpeg });
    expect(files()).toHaveLength(4);

    const used = new Set([item.url]);
    expect(() => media.deleteMedia(item.id, (url) => used.has(url))).toThrow(
      expect.objectContaining({
        code: 'conflict',
        message: '"red.jpg" is used by a note; remove it from the note first.',
      }),
    );
    used.clear();
    used.add(item.variants.thumb!);
    expect(() => media.deleteMedia(item.id, (url) => used.has(url))).toThrow(/used by a note/);
    expect(media.getMedia(item.id)).toBeDefined();
    expect(files()).toHaveLength(4);

    media.deleteMedia(item.id, () => false);
    expect(media.getMedia(item.id)).toBeUndefined();
    expect(files()).toEqual([other.filePath, other.filePath.replace('.jpg', '_thumb.jpg')].sort());
    expect(() => media.deleteMedia(item.id, () => false)).toThrow(
      expect.objectContaining({ code: 'not_found' }),
    );
  });

  it('still deletes the row when a file is already gone', async () => {
    const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: 'red' } })
      .png()
      .toBuffer();
    const item = await media.saveUpload({ bytes: png });
    const { unlinkSync } = await import('node:fs');
    unlinkSync(join(t.config.mediaPath, item.filePath));
    media.deleteMedia(item.id, () => false);
    expect(media.getMedia(item.id)).toBeUndefined();
  });
});

describe('listing', () => {
  it('lists newest first with limit and offset, counts, and answers undefined for an unknown id', async () => {
    const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: 'red' } })
      .png()
      .toBuffer();
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await media.saveUpload({ bytes: png, alt: `n${i}` })).id);
      t.clock.advance(60_000);
    }
    // Same instant as the last one: the id decides.
    t.clock.advance(-60_000);
    ids.push((await media.saveUpload({ bytes: png, alt: 'n3' })).id);
    expect(media.listMedia(10, 0).map((m) => m.alt)).toEqual(['n3', 'n2', 'n1', 'n0']);
    expect(media.listMedia(2, 1).map((m) => m.alt)).toEqual(['n2', 'n1']);
    expect(media.countMedia()).toBe(4);
    expect(media.getMedia(ids[0]!)?.alt).toBe('n0');
    expect(media.getMedia(9999)).toBeUndefined();
  });
});

describe('findImages', () => {
  it('finds stored images by relative or absolute URL, with every size narrowest first, in one call', async () => {
    const item = await media.saveUpload({ bytes: await photoLike(1600, 1200).jpeg().toBuffer() });
    const absolute = `http://example.test${item.url}`;
    const found = media.findImages(
      [item.url, absolute, 'https://elsewhere.example/media/x.jpg', '/media/2026/11/unknown.jpg'],
      'http://example.test/',
    );
    expect([...found.keys()]).toEqual([item.url, absolute]);
    expect(found.get(absolute)).toEqual({
      url: item.url,
      width: 1600,
      height: 1200,
      mimeType: 'image/jpeg',
      size: item.size,
      sources: [
        { url: item.variants.thumb, width: 400, height: 300 },
        { url: item.variants.medium, width: 1280, height: 960 },
        { url: item.url, width: 1600, height: 1200 },
      ],
    });
  });

  it('uses the size variants a Python StarPunk recorded, skipping those without dimensions', () => {
    const variants = {
      thumb: { path: '2024/01/a_thumb.jpg', width: 150, height: 100, size: 9 },
      small: { path: '2024/01/a_small.jpg', width: null, height: null, size: 9 },
      medium: { path: '2024/01/a_medium.jpg', width: 640, height: 427, size: 9 },
      original: { path: '2024/01/a.jpg', width: 1200, height: 800, size: 9 },
    };
    t.db
      .prepare(
        `INSERT INTO media (file_path, mime_type, size, width, height, original_name, alt, sha256, variants, created_at)
         VALUES ('2024/01/a.jpg', 'image/jpeg', 1000, 1200, 800, NULL, '', '', ?, '2024-01-01 00:00:00')`,
      )
      .run(JSON.stringify(variants));
    const found = media.findImages(['/media/2024/01/a.jpg'], 'http://example.test/');
    expect(found.get('/media/2024/01/a.jpg')?.sources).toEqual([
      { url: '/media/2024/01/a_thumb.jpg', width: 150, height: 100 },
      { url: '/media/2024/01/a_medium.jpg', width: 640, height: 427 },
      { url: '/media/2024/01/a.jpg', width: 1200, height: 800 },
    ]);
  });
});

describe('mediaPathOfUrl', () => {
  it("names the file under MEDIA_PATH for this site's media URLs only", () => {
    const site = 'https://example.com/blog/';
    expect(mediaPathOfUrl('/blog/media/2026/11/a%20b.jpg', site)).toBe('2026/11/a b.jpg');
    expect(mediaPathOfUrl('https://example.com/blog/media/2026/11/a.jpg', site)).toBe('2026/11/a.jpg');
    expect(mediaPathOfUrl('/media/2026/11/a.jpg', site)).toBeUndefined();
    expect(mediaPathOfUrl('https://other.example/blog/media/a.jpg', site)).toBeUndefined();
    // Dot segments are resolved as a browser would before anything is looked up.
    expect(mediaPathOfUrl('/blog/media/2026/%2e%2e/a.jpg', site)).toBe('a.jpg');
    expect(mediaPathOfUrl('/blog/media/', site)).toBeUndefined();
    expect(mediaPathOfUrl('/blog/media/2026/a%2Fb.jpg', site)).toBeUndefined();
    expect(mediaPathOfUrl('/blog/media/%E0%A4%A.jpg', site)).toBeUndefined();
    expect(mediaPathOfUrl('http://[bad', site)).toBeUndefined();
  });
});
