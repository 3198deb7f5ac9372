import sharp from 'sharp';

/** A pseudo-random generator with a fixed seed, so the test images are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

/**
 * A photograph-like image: smooth gradients and shading with sensor-like noise (PNG stores it
 * poorly, JPEG well). With `transparent`, an alpha channel that fades from left to right.
 */
export function photoLike(width: number, height: number, transparent = false) {
  const channels = transparent ? 4 : 3;
  const raw = Buffer.alloc(width * height * channels);
  const random = seeded(1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      const noise = (random() - 0.5) * 24;
      raw[i] = (x / width) * 200 + 30 + noise;
      raw[i + 1] = (y / height) * 180 + 40 + noise;
      raw[i + 2] = 128 + 60 * Math.sin(x / 40) * Math.cos(y / 30) + noise;
      if (transparent) raw[i + 3] = (x / width) * 255;
    }
  }
  return sharp(raw, { raw: { width, height, channels } });
}

/** A graphic JPEG cannot shrink: random black and white pixels, sharp edges everywhere. */
export function pixelNoise(width: number, height: number) {
  const raw = Buffer.alloc(width * height * 3);
  const random = seeded(7);
  for (let p = 0; p < width * height; p++) raw.fill(random() < 0.5 ? 0 : 255, p * 3, p * 3 + 3);
  return sharp(raw, { raw: { width, height, channels: 3 } });
}
