import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { photoLike, pixelNoise } from '../../test/helpers/images.js';
import { formatFromMagic, MAX_DIMENSION, PNG_TO_JPEG_MIN_BYTES, processImage, sniffImage } from './image.js';

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } });

/** A 3-frame animated image in `format`. */
async function animated(format: 'gif' | 'webp', width: number, height: number): Promise<Buffer> {
  const frames = await Promise.all(
    ['red', 'green', 'blue'].map((background) =>
      sharp({ create: { width, height, channels: 3, background } })
        .png()
        .toBuffer(),
    ),
  );
  const joined = sharp(frames, { join: { animated: true } });
  return (format === 'gif' ? joined.gif({ delay: 100, loop: 0 }) : joined.webp({ delay: 100 })).toBuffer();
}

/** A PNG whose header claims `width`×`height` (IHDR patched, CRC fixed): no decoder ever allocates it. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await solid(4, 4).png().toBuffer());
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)) >>> 0, 29);
  return png;
}

describe('formatFromMagic', () => {
  it('recognises the five accepted formats by their first bytes and nothing else', async () => {
    expect(formatFromMagic(await solid(2, 2).jpeg().toBuffer())).toBe('jpeg');
    expect(formatFromMagic(await solid(2, 2).png().toBuffer())).toBe('png');
    expect(formatFromMagic(await solid(2, 2).gif().toBuffer())).toBe('gif');
    expect(formatFromMagic(await solid(2, 2).webp().toBuffer())).toBe('webp');
    expect(formatFromMagic(await solid(2, 2).avif().toBuffer())).toBe('avif');
    expect(formatFromMagic(await solid(2, 2).tiff().toBuffer())).toBeUndefined();
    expect(formatFromMagic(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(formatFromMagic(Buffer.from('GIF8'))).toBeUndefined();
    expect(formatFromMagic(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('sniffImage', () => {
  it('refuses what is not an accepted image with 415 and says what is accepted', async () => {
    for (const bytes of [
      Buffer.from('just some text, named photo.jpg'),
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
      await solid(10, 10).tiff().toBuffer(),
    ]) {
      await expect(sniffImage(bytes)).rejects.toMatchObject({
        code: 'unsupported_media_type',
        status: 415,
        message: expect.stringContaining('Only JPEG, PNG, GIF, WebP and AVIF'),
      });
    }
  });

  it('names HEIC photos in its refusal', async () => {
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic')]);
    await expect(sniffImage(heic)).rejects.toMatchObject({ message: expect.stringContaining('HEIC') });
  });

  it('answers 400 for a header it cannot read', async () => {
    const png = await solid(20, 20).png().toBuffer();
    await expect(sniffImage(png.subarray(0, 20))).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('refuses decompression bombs (too many pixels) before decoding them', async () => {
    await expect(sniffImage(await pngClaiming(20_000, 20_000))).rejects.toMatchObject({
      code: 'payload_too_large',
      message: expect.stringContaining('20000×20000'),
    });
  });

  it('reports oriented dimensions and frames', async () => {
    const jpg = await solid(300, 200).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await sniffImage(jpg)).toMatchObject({ format: 'jpeg', width: 200, height: 300, pages: 1 });
    expect(await sniffImage(await animated('gif', 60, 40))).toMatchObject({
      format: 'gif',
      width: 60,
      height: 40,
      pages: 3,
    });
  });
});

describe('processImage', () => {
  it('caps the long side, keeps the format and makes only the variants smaller than the original', async () => {
    const big = await processImage(await solid(3000, 1500).webp().toBuffer());
    expect(big.format).toBe('webp');
    expect([big.main.width, big.main.height]).toEqual([MAX_DIMENSION, 1280]);
    expect(Object.keys(big.variants).sort()).toEqual(['medium', 'thumb']);
    expect([big.variants.medium!.width, big.variants.thumb!.width]).toEqual([1280, 400]);
    expect((await sharp(big.variants.thumb!.data).metadata()).format).toBe('webp');

    const mid = await processImage(await solid(800, 600).png().toBuffer());
    expect([mid.main.width, mid.main.height]).toEqual([800, 600]);
    expect(Object.keys(mid.variants)).toEqual(['thumb']);

    const small = await processImage(await solid(400, 300).jpeg().toBuffer());
    expect(small.variants).toEqual({});
  });

  it('makes a variant only for an image at least 1.25 times its size', async () => {
    // A 400-pixel thumbnail of a 480-pixel photo is hardly smaller: the photo serves as its own.
    const near = await processImage(await solid(480, 360).jpeg().toBuffer());
    expect(near.variants).toEqual({});
    const thumbed = await processImage(await solid(360, 500).jpeg().toBuffer());
    expect(Object.keys(thumbed.variants)).toEqual(['thumb']);
    expect([thumbed.variants.thumb!.width, thumbed.variants.thumb!.height]).toEqual([288, 400]);
    const noMedium = await processImage(await solid(1500, 1000).jpeg().toBuffer());
    expect(Object.keys(noMedium.variants)).toEqual(['thumb']);
    const medium = await processImage(await solid(1600, 1000).jpeg().toBuffer());
    expect(Object.keys(medium.variants).sort()).toEqual(['medium', 'thumb']);
  });

  it('keeps GIF and WebP animation, frames resized one by one', async () => {
    for (const format of ['gif', 'webp'] as const) {
      const out = await processImage(await animated(format, 600, 400));
      const meta = await sharp(out.main.data, { animated: true }).metadata();
      expect(meta.format).toBe(format);
      expect(meta.pages).toBe(3);
      expect([out.main.width, out.main.height]).toEqual([600, 400]);
      const thumb = await sharp(out.variants.thumb!.data, { animated: true }).metadata();
      expect([thumb.pages, thumb.width, thumb.pageHeight]).toEqual([3, 400, 267]);
    }
  });

  it('stores AVIF as AVIF', async () => {
    const out = await processImage(await solid(64, 48).avif().toBuffer());
    expect(out.format).toBe('avif');
    const meta = await sharp(out.main.data).metadata();
    expect([meta.format, meta.compression]).toEqual(['heif', 'av1']);
  });

  it('answers 400 for a truncated JPEG', async () => {
    const jpg = await solid(600, 400).jpeg().toBuffer();
    await expect(processImage(jpg.subarray(0, Math.floor(jpg.length / 2)))).rejects.toMatchObject({
      code: 'invalid_request',
      status: 400,
    });
  });
});

describe('processImage with PNG uploads', () => {
  it('stores a large PNG photograph as JPEG, its variants too', async () => {
    const png = await photoLike(1200, 900).png().toBuffer();
    expect(png.length).toBeGreaterThan(PNG_TO_JPEG_MIN_BYTES);
    const out = await processImage(png);
    expect(out.format).toBe('jpeg');
    expect((await sharp(out.main.data).metadata()).format).toBe('jpeg');
    expect([out.main.width, out.main.height]).toEqual([1200, 900]);
    expect(out.main.data.length).toBeLessThan(png.length / 5);
    expect((await sharp(out.variants.thumb!.data).metadata()).format).toBe('jpeg');
  });

  it('keeps PNG for transparency, for graphics JPEG would not shrink, and for small files', async () => {
    const transparent = await processImage(await photoLike(1200, 900, true).png().toBuffer());
    expect(transparent.format).toBe('png');
    expect((await sharp(transparent.main.data).metadata()).hasAlpha).toBe(true);

    const graphic = await pixelNoise(1200, 900).png().toBuffer();
    expect(graphic.length).toBeGreaterThan(PNG_TO_JPEG_MIN_BYTES);
    expect((await processImage(graphic)).format).toBe('png');

    const small = await photoLike(300, 200).png().toBuffer();
    expect(small.length).toBeLessThan(PNG_TO_JPEG_MIN_BYTES);
    expect((await processImage(small)).format).toBe('png');
  });

  it('treats an alpha channel that is opaque everywhere as no transparency', async () => {
    const opaqueAlpha = await photoLike(1200, 900).ensureAlpha(1).png().toBuffer();
    expect((await sharp(opaqueAlpha).metadata()).hasAlpha).toBe(true);
    const out = await processImage(opaqueAlpha);
    expect(out.format).toBe('jpeg');
  });
});
