// Leases one job of kind "slow" in its own process and never finishes it: the parent kills it.
// Usage: tsx worker-lease.ts <dbPath> <leaseMs>
import { systemClock } from '../../src/clock.js';
import { openDatabase } from '../../src/db/open.js';
import { createJobQueue } from '../../src/jobs/queue.js';

const [dbPath, leaseMs] = process.argv.slice(2);
const db = openDatabase(dbPath!);
const queue = createJobQueue({ db, clock: systemClock, leaseMs: Number(leaseMs) });
const job = queue.lease(['slow'], 'doomed-worker');
process.stdout.write(`${JSON.stringify({ leased: job?.id ?? null })}\n`);
setInterval(() => {}, 1000);
