// Runs the Webmention jobs of a StarPunk database in its own process, one at a time, until the
// parent kills it. Usage: tsx send-worker.ts <dbPath> <notesPath> <siteUrl> <clockIso> <leaseMs>
import { fixedClock } from '../../src/clock.js';
import { openDatabase } from '../../src/db/open.js';
import { createJobQueue, createJobRunner } from '../../src/jobs/queue.js';
import { createNoteService } from '../../src/notes/service.js';
import { createSafeFetch } from '../../src/outbound/safe-fetch.js';
import { createWebmentionSender } from '../../src/webmention/sender.js';

const [dbPath, notesPath, siteUrl, clockIso, leaseMs] = process.argv.slice(2);
const db = openDatabase(dbPath!);
const clock = fixedClock(clockIso!);
const notes = createNoteService({ db, notesPath: notesPath!, clock });
const jobs = createJobQueue({ db, clock, leaseMs: Number(leaseMs) });
const sender = createWebmentionSender({
  db,
  config: { siteUrl: siteUrl! },
  clock,
  notes,
  jobs,
  fetch: createSafeFetch({ allowedPrivateAddresses: ['127.0.0.1/32'] }),
});
const runner = createJobRunner({ queue: jobs, kinds: sender.jobKinds, concurrency: 1 });
process.stdout.write(`${JSON.stringify({ ready: runner.owner })}\n`);
await runner.drain();
process.stdout.write(`${JSON.stringify({ drained: true })}\n`);
