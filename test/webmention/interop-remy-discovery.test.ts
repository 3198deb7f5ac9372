/**
 * Interop (#15): the loopback replay of webmention.rocks (rocks.ts) is our own fixture, so an
 * independent, published sender checks it: @remy/webmention's endpoint discovery must find, on
 * every one of the 23 replayed pages, the endpoint the replay says is right. Where it and StarPunk
 * part ways on the forms the suite leaves out, the spec sides with StarPunk (see discovery.test.ts).
 *
 * `@remy/webmention@1.5.0` is a devDependency: loading it is part of the test, never skipped.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROCKS_CASES, startRocks } from './rocks.js';

type Endpoint = (url: string) => Promise<{ endpoint?: { type: string; url: string } | null }>;

const remy = createRequire(import.meta.url)('@remy/webmention/shared/lib/endpoint.js') as Endpoint;

describe('@remy/webmention agrees with the webmention.rocks replay (#15)', () => {
  let rocks: Awaited<ReturnType<typeof startRocks>>;
  beforeAll(async () => {
    rocks = await startRocks(ROCKS_CASES);
  });
  afterAll(() => rocks.close());

  for (const c of ROCKS_CASES) {
    it(`discovery test #${c.id}: ${c.name}`, async () => {
      const found = await remy!(rocks.pageUrl(c));
      expect(found.endpoint).toEqual({ type: 'webmention', url: new URL(c.expect!, rocks.url).toString() });
    });
  }
});
