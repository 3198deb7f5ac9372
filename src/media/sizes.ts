/**
 * The sizes an upload is stored in. Kept apart from image.ts (which sets up sharp for the server)
 * so the benchmark can ask what the server makes of an image without taking its sharp settings.
 */

/** The long side of the stored main image is capped at this many pixels. */
export const MAX_DIMENSION = 2560;

/** Size variants written beside the main image: name → long side in pixels. */
export const VARIANT_SIZES: Readonly<Record<string, number>> = { thumb: 400, medium: 1280 };

/**
 * A variant is made only for an image at least this many times its size: a 400-pixel thumbnail
 * of a 480-pixel image would save readers a third of the pixels at best, and cost every upload a
 * decode, an encode and a file. (A srcset of 400w and 480w gives a browser no real choice.)
 */
export const VARIANT_MIN_RATIO = 1.25;

/** The variants an image with this long side gets: each at most 1/VARIANT_MIN_RATIO of it. */
export function variantsFor(longSide: number): [name: string, size: number][] {
  return Object.entries(VARIANT_SIZES).filter(([, size]) => longSide >= size * VARIANT_MIN_RATIO);
}
