import sharp, { type Metadata } from 'sharp';
import { AppError } from '../lib/errors.js';
import { createWeightedGate } from '../lib/gate.js';
import { MAX_DIMENSION, variantsFor } from './sizes.js';

// Every upload is a new image: libvips' operation cache (up to 50 MB by default) would only hold
// memory, and one worker thread per image keeps a burst of uploads from multiplying its buffers
// (images are processed side by side instead, within PIXELS_AT_ONCE).
sharp.cache(false);
sharp.concurrency(1);

/** The image formats StarPunk stores, by the name sharp gives them (AVIF is sharp's "heif" + AV1). */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'avif';

/** MIME type, file extension and a readable name of each accepted format. */
export const IMAGE_FORMATS: Readonly<Record<ImageFormat, { mimeType: string; ext: string; label: string }>> =
  {
    jpeg: { mimeType: 'image/jpeg', ext: 'jpg', label: 'JPEG' },
    png: { mimeType: 'image/png', ext: 'png', label: 'PNG' },
    gif: { mimeType: 'image/gif', ext: 'gif', label: 'GIF' },
    webp: { mimeType: 'image/webp', ext: 'webp', label: 'WebP' },
    avif: { mimeType: 'image/avif', ext: 'avif', label: 'AVIF' },
  };

/** The largest upload accepted, in bytes (10 MB). */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** The most pixels (all frames together) an upload may decode to: a guard against decompression bombs. */
export const MAX_INPUT_PIXELS = 100_000_000;

export { MAX_DIMENSION, VARIANT_MIN_RATIO, VARIANT_SIZES, variantsFor } from './sizes.js';

/**
 * The most pixels (all frames) being processed at once. Small images go side by side, on every
 * core; a large photo goes alone, so the memory a burst of uploads takes stays that of one large
 * image (50 parallel uploads processed without a bound took the process from 130 to 180 MB).
 */
export const PIXELS_AT_ONCE = 12_000_000;

/** What sniffing an upload found. */
export interface SniffedImage {
  format: ImageFormat;
  /** Width and height after EXIF orientation; for an animation, of one frame. */
  width: number;
  height: number;
  /** Frames (1 for a still image). */
  pages: number;
  isPalette: boolean;
  /** The image has an alpha channel (it may still be fully opaque). */
  hasAlpha: boolean;
}

/** One encoded output: the bytes and their dimensions (of one frame for an animation). */
export interface EncodedImage {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * A PNG upload whose stored main image is at least this large is a candidate for JPEG: below it,
 * the bytes saved are not worth the change of format.
 */
export const PNG_TO_JPEG_MIN_BYTES = 200 * 1024;

/**
 * A PNG becomes JPEG only when the JPEG is at most this fraction of the PNG's size: a photograph
 * shrinks to a fifth or less, while a screenshot or drawing (flat colours, sharp edges, text) does
 * not shrink that much and would only gain JPEG's smudges.
 */
export const PNG_TO_JPEG_MAX_RATIO = 0.5;

/** A cleaned main image and its size variants, all in one format (the upload's, or JPEG for a PNG photo). */
export interface ProcessedImage {
  format: ImageFormat;
  main: EncodedImage;
  variants: Record<string, EncodedImage>;
}

const ACCEPTED = 'Only JPEG, PNG, GIF, WebP and AVIF images can be uploaded';

function ascii(bytes: Buffer, start: number, end: number): string {
  return bytes.subarray(start, end).toString('latin1');
}

/** The ISO-BMFF brands (major and compatible) of an `ftyp` box at the start of the file. */
function ftypBrands(bytes: Buffer): string[] {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return [];
  const size = Math.min(bytes.readUInt32BE(0), bytes.length, 4096);
  const brands = [ascii(bytes, 8, 12)];
  for (let at = 16; at + 4 <= size; at += 4) brands.push(ascii(bytes, at, at + 4));
  return brands;
}

/**
 * The format the first bytes announce, or undefined. Checked before any decoder sees the data, so
 * SVG, PDF, TIFF and the other formats sharp could parse never reach their parsers.
 */
export function formatFromMagic(bytes: Buffer): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (
    bytes.length >= 8 &&
    bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]))
  ) {
    return 'png';
  }
  const head = ascii(bytes, 0, 6);
  if (head === 'GIF87a' || head === 'GIF89a') return 'gif';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  const brands = ftypBrands(bytes);
  if (brands.includes('avif') || brands.includes('avis')) return 'avif';
  return undefined;
}

function damaged(err: unknown): AppError {
  return new AppError('invalid_request', 'The image could not be read: it looks damaged or incomplete.', {
    cause: err,
  });
}

/**
 * Identifies an upload from its bytes alone (never its name or declared type): the magic number
 * must name an accepted format and sharp must read the header as that same format.
 */
export async function sniffImage(bytes: Buffer): Promise<SniffedImage> {
  const magic = formatFromMagic(bytes);
  if (!magic) {
    const heic = ftypBrands(bytes).some((b) => ['heic', 'heix', 'hevc', 'mif1'].includes(b));
    throw new AppError(
      'unsupported_media_type',
      heic
        ? `${ACCEPTED}; this is a HEIC photo: export or share it as JPEG first.`
        : `${ACCEPTED}; this file is not one of them.`,
    );
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw damaged(err);
  }
  const format: string = meta.format === 'heif' && meta.compression === 'av1' ? 'avif' : meta.format;
  if (format !== magic) {
    throw new AppError(
      'unsupported_media_type',
      `${ACCEPTED}; this file claims to be ${IMAGE_FORMATS[magic].label} but is not.`,
    );
  }
  const pages = meta.pages ?? 1;
  const frameHeight = meta.pageHeight ?? meta.height;
  if (!meta.width || !frameHeight) throw damaged(new Error('image reports no dimensions'));
  if (meta.width * frameHeight * pages > MAX_INPUT_PIXELS) {
    const frames = pages > 1 ? ` × ${pages} frames` : '';
    throw new AppError(
      'payload_too_large',
      `This image is ${meta.width}×${frameHeight} pixels${frames}; images may have at most ` +
        `${MAX_INPUT_PIXELS / 1_000_000} million pixels.`,
    );
  }
  const swapped = (meta.orientation ?? 1) >= 5;
  return {
    format: magic,
    width: swapped ? frameHeight : meta.width,
    height: swapped ? meta.width : frameHeight,
    pages,
    isPalette: meta.isPalette,
    hasAlpha: meta.hasAlpha,
  };
}

/**
 * Re-encodes one output in `format`: oriented, bounded by `longSide`, every metadata block dropped
 * but the ICC profile.
 */
async function encode(
  bytes: Buffer,
  image: SniffedImage,
  longSide: number,
  format: ImageFormat = image.format,
): Promise<EncodedImage> {
  // autoOrient applies and removes the EXIF orientation; sharp writes no EXIF, XMP or IPTC unless
  // asked, and keepIccProfile keeps only the colour profile (CMYK and the like become sRGB).
  let pipeline = sharp(bytes, {
    animated: image.pages > 1 && (image.format === 'gif' || image.format === 'webp'),
    autoOrient: true,
    // 'error' refuses truncated or corrupt pixel data but tolerates the harmless warnings many
    // cameras' JPEGs trigger ("extraneous bytes before marker").
    failOn: 'error',
    limitInputPixels: MAX_INPUT_PIXELS,
  })
    .resize({ width: longSide, height: longSide, fit: 'inside', withoutEnlargement: true })
    .keepIccProfile();
  switch (format) {
    case 'jpeg':
      // Only an opaque image is ever turned into JPEG; flattening drops its (all-opaque) alpha.
      if (image.hasAlpha) pipeline = pipeline.flatten({ background: '#ffffff' });
      pipeline = pipeline.jpeg({ quality: 85 });
      break;
    case 'png':
      pipeline = pipeline.png({ palette: image.isPalette });
      break;
    case 'gif':
      pipeline = pipeline.gif();
      break;
    case 'webp':
      pipeline = pipeline.webp({ quality: 85 });
      break;
    case 'avif':
      pipeline = pipeline.avif({ quality: 60 });
      break;
  }
  try {
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.pageHeight ?? info.height };
  } catch (err) {
    throw damaged(err);
  }
}

/**
 * Turns an accepted upload into what is stored: the main image (oriented, stripped, at most
 * MAX_DIMENSION on its long side, animation kept) and each variant smaller than the original.
 */
export async function processImage(bytes: Buffer): Promise<ProcessedImage> {
  // The header alone is read first (cheap, and it refuses what is not an accepted image); the
  // pixels are decoded within the budget of pixels at once.
  const image = await sniffImage(bytes);
  return processing.run(image.width * image.height * image.pages, () => processSniffed(bytes, image));
}

const processing = createWeightedGate(PIXELS_AT_ONCE);

/** An image of at most this many pixels has its outputs encoded side by side. */
const SIDE_BY_SIDE_PIXELS = 2_000_000;

/** True when every pixel of the image is fully opaque (no alpha channel, or one that is all 255). */
async function isOpaque(bytes: Buffer, image: SniffedImage): Promise<boolean> {
  if (!image.hasAlpha) return true;
  try {
    return (await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).stats()).isOpaque;
  } catch (err) {
    throw damaged(err);
  }
}

/**
 * The main image, and the format to store: a large, opaque, full-colour PNG whose JPEG is much
 * smaller is a photograph saved as PNG, and is stored as JPEG. PNGs with transparency, palette
 * PNGs and those JPEG barely shrinks (screenshots, drawings) stay PNG.
 */
async function mainImage(
  bytes: Buffer,
  image: SniffedImage,
): Promise<{ format: ImageFormat; main: EncodedImage }> {
  const main = await encode(bytes, image, MAX_DIMENSION);
  if (image.format !== 'png' || image.pages > 1 || image.isPalette) return { format: image.format, main };
  if (main.data.length < PNG_TO_JPEG_MIN_BYTES || !(await isOpaque(bytes, image)))
    return { format: 'png', main };
  const jpeg = await encode(bytes, image, MAX_DIMENSION, 'jpeg');
  return jpeg.data.length <= main.data.length * PNG_TO_JPEG_MAX_RATIO
    ? { format: 'jpeg', main: jpeg }
    : { format: 'png', main };
}

async function processSniffed(bytes: Buffer, image: SniffedImage): Promise<ProcessedImage> {
  const wanted = variantsFor(Math.max(image.width, image.height));
  const pixels = image.width * image.height * image.pages;
  if (image.format !== 'png' && (wanted.length === 0 || pixels <= SIDE_BY_SIDE_PIXELS)) {
    // The format is the upload's: a small image's outputs are encoded side by side (a large one's
    // one after another, each decoding the image anew, so its memory is that of one decode).
    const [main, ...variants] = await Promise.all([
      encode(bytes, image, MAX_DIMENSION),
      ...wanted.map(([, size]) => encode(bytes, image, size)),
    ]);
    return {
      format: image.format,
      main: main!,
      variants: Object.fromEntries(wanted.map(([name], i) => [name, variants[i]!])),
    };
  }
  // A PNG's variants follow the format its main image settles on (see mainImage).
  const { format, main } = await mainImage(bytes, image);
  const variants: EncodedImage[] = [];
  for (const [, size] of wanted) variants.push(await encode(bytes, image, size, format));
  return {
    format,
    main,
    variants: Object.fromEntries(wanted.map(([name], i) => [name, variants[i]!])),
  };
}
