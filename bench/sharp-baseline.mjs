// The baseline of the upload load in bench/http.ts: the same image processing done by sharp alone,
// at sharp's own settings, in a process of its own (so nothing else of the bench shares its event
// loop or thread pool). Reads the image from argv[2]; argv[3] is JSON: { sizes, inFlight, warmupS,
// durationS }. Each image is re-encoded once per size (long side within it, oriented, colour profile
// kept, JPEG quality 85, as the server stores it). Prints { rps } as JSON: images per second after
// the warm-up.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';

const image = readFileSync(process.argv[2]);
const { sizes, inFlight, warmupS, durationS } = JSON.parse(process.argv[3]);

const processOne = () =>
  Promise.all(
    sizes.map((size) =>
      sharp(image, { autoOrient: true })
        .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true })
        .keepIccProfile()
        .jpeg({ quality: 85 })
        .toBuffer(),
    ),
  );

const from = performance.now() + warmupS * 1000;
const until = from + durationS * 1000;
let done = 0;
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (performance.now() < until) {
      await processOne();
      if (performance.now() >= from) done++;
    }
  }),
);
process.stdout.write(`${JSON.stringify({ rps: done / ((performance.now() - from) / 1000) })}\n`);
