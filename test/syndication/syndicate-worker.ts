// Runs the syndication jobs of a StarPunk database in its own process until the parent kills it.
// Usage: tsx syndicate-worker.ts <dbPath> <notesPath> <mediaPath> <siteUrl> <clockIso> <leaseMs> <secret>
import { fixedClock } from '../../src/clock.js';
import { openDatabase } from '../../src/db/open.js';
import { createJobQueue, createJobRunner } from '../../src/jobs/queue.js';
import { legacySealingKey } from '../../src/lib/secret-box.js';
import { createNoteService } from '../../src/notes/service.js';
import { createSafeFetch } from '../../src/outbound/safe-fetch.js';
import { createMastodonAdapter } from '../../src/syndication/mastodon/adapter.js';
import { createSyndication } from '../../src/syndication/service.js';

const [dbPath, notesPath, mediaPath, siteUrl, clockIso, leaseMs, secret] = process.argv.slice(2);
const db = openDatabase(dbPath!);
const clock = fixedClock(clockIso!);
const notes = createNoteService({ db, notesPath: notesPath!, clock });
const jobs = createJobQueue({ db, clock, leaseMs: Number(leaseMs) });
const fetch = createSafeFetch({ allowedPrivateAddresses: ['127.0.0.1/32'] });
const syndication = createSyndication({
  db,
  config: { siteUrl: siteUrl!, mediaPath: mediaPath! },
  clock,
  notes,
  jobs,
  fetch,
  // The key the in-process test app seals with (built without keys: derived from its secret).
  sealingKey: legacySealingKey(secret!),
  adapters: [createMastodonAdapter({ fetch, pollMs: 5 })],
});
const runner = createJobRunner({ queue: jobs, kinds: syndication.jobKinds, concurrency: 1 });
process.stdout.write(`${JSON.stringify({ ready: runner.owner })}\n`);
await runner.drain();
process.stdout.write(`${JSON.stringify({ drained: true })}\n`);
