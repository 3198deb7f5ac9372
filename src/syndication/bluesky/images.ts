/**
 * Photos for Bluesky: a PDS refuses blobs over 1,000,000 bytes in an app.bsky.embed.images
 * (the lexicon's `maxSize`), so larger photos are re-encoded as JPEG, smaller step by step,
 * until they fit. Images the PDS accepts as they are (JPEG, PNG, WebP under the limit) are sent
 * unchanged, keeping the author's bytes.
 */
import sharp, { type Metadata } from 'sharp';
import { JobError } from '../../jobs/queue.js';
import { MAX_INPUT_PIXELS } from '../../media/image.js';

/** The largest blob an app.bsky.embed.images image may be, in bytes. */
export const MAX_BLOB_BYTES = 1_000_000;

/** The most images one post embeds (app.bsky.embed.images `maxLength`). */
export const MAX_IMAGES = 4;

const AS_IS = new Set(['image/jpeg', 'image/png', 'image/webp']);

/** A photo ready to upload: bytes within the limit, their type and dimensions. */
export interface BlobImage {
  data: Buffer;
  type: string;
  width: number;
  height: number;
}

/** Fits one photo within `maxBytes` (JPEG, long side 2000 px first, then smaller and lower quality). */
export async function fitImage(input: Buffer, type: string, maxBytes = MAX_BLOB_BYTES): Promise<BlobImage> {
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  } catch (err) {
    throw new JobError(`a photo could not be read: ${(err as Error).message}`, { retryable: false });
  }
  const rotated = (meta.orientation ?? 1) >= 5;
  const width = (rotated ? meta.height : meta.width) ?? 1;
  const height = (rotated ? meta.width : meta.height) ?? 1;
  if (input.byteLength <= maxBytes && AS_IS.has(type) && (meta.orientation ?? 1) === 1)
    return { data: input, type, width, height };
  let side = 2000;
  let quality = 85;
  for (let i = 0; i < 12; i++) {
    const { data, info } = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS })
      .rotate()
      .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
    if (data.byteLength <= maxBytes)
      return { data, type: 'image/jpeg', width: info.width, height: info.height };
    if (quality > 60) quality -= 10;
    else side = Math.round(side * 0.8);
  }
  throw new JobError('a photo could not be made small enough for Bluesky', { retryable: false });
}
