/**
 * Two `starpunk serve` processes started at the same moment on one fresh data directory: the
 * migrations run once (by one of them), both serve, and writes through both at once are
 * serialised: every created note is stored once, slugs never collide, `starpunk doctor` is clean.
 * FAULT_TWIN_ROUNDS (default 1) repeats it on fresh directories.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, mintToken, ROOT, runCli, type Server, startStarpunk } from './harness.js';
import { inspectData } from './inspect.js';

const ROUNDS = Number(process.env.FAULT_TWIN_ROUNDS ?? 1);
const MIGRATIONS = readdirSync(join(ROOT, 'src', 'db', 'migrations'))
  .filter((f) => f.endsWith('.sql'))
  .sort();

const dirs: string[] = [];
afterAll(async () => {
  await killAll();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * The migration runner's report in a server's start-up log (LOG_LEVEL=debug): the outcome per file
 * from the debug line, and when the run ended and how long it took from the one info line.
 */
function migrationReport(server: Server): { outcomes: Map<string, string>; start: number; end: number } {
  const lines = server.output().split('\n');
  const line = lines.find((l) => /"msg":"database (migrated|up to date)/.test(l));
  const detail = lines.find((l) => /"msg":"migrations"/.test(l));
  expect(line, `start-up log:\n${server.output()}`).toBeDefined();
  expect(detail, `start-up log:\n${server.output()}`).toBeDefined();
  const report = JSON.parse(line!) as { time: string; durationMs: number };
  const { migrations } = JSON.parse(detail!) as { migrations: string[] };
  const end = Date.parse(report.time);
  return {
    outcomes: new Map(migrations.map((s) => s.split(': ') as [string, string])),
    start: end - report.durationMs,
    end,
  };
}

describe('two servers on one data directory', () => {
  it(
    `migrate once, both serve, writes through both are serialised (${ROUNDS} round(s))`,
    async () => {
      const jpeg = await sharp({ create: { width: 200, height: 150, channels: 3, background: '#933' } })
        .jpeg()
        .toBuffer();
      for (let round = 0; round < ROUNDS; round++) {
        const dir = mkdtempSync(join(tmpdir(), 'starpunk-twins-'));
        dirs.push(dir);
        // Both load their code first, then leave a shared barrier together: their migration runners start
        // within milliseconds of each other on the same empty directory.
        const barrier = mkdtempSync(join(tmpdir(), 'starpunk-twins-barrier-'));
        dirs.push(barrier);
        const [a, b] = await Promise.all([
          startStarpunk({ DATA_PATH: dir, LOG_LEVEL: 'debug' }, { barrier }),
          startStarpunk({ DATA_PATH: dir, LOG_LEVEL: 'debug' }, { barrier }),
        ]);

        // Migrations: each ran (or was adopted) in exactly one process; the other found it applied.
        const reports = [migrationReport(a), migrationReport(b)];
        const outcomes = reports.map((r) => r.outcomes);
        const overlapped = reports[0]!.start < reports[1]!.end && reports[1]!.start < reports[0]!.end;
        for (const name of MIGRATIONS) {
          const states = outcomes.map((o) => o.get(name));
          const doers = states.filter((s) => s === 'ran' || s === 'adopted-now').length;
          expect(doers, `${name}: ${JSON.stringify(states)}`).toBe(1);
          for (const s of states) expect(['ran', 'adopted-now', 'applied', 'adopted']).toContain(s);
        }
        const recorded = inspectData(dir).migrations;
        expect(recorded).toEqual(MIGRATIONS);

        for (const s of [a, b]) expect((await fetch(`${s.url}/health`)).status).toBe(200);
        const token = await mintToken(dir, 'create update media');
        const auth = { Authorization: `Bearer ${token}` };
        const form = (server: Server, fields: Record<string, string>) =>
          fetch(`${server.url}/micropub`, {
            method: 'POST',
            headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams(fields),
          });

        const shared = await form(a, { h: 'entry', content: 'shared note' });
        expect(shared.status).toBe(201);
        const sharedUrl = shared.headers.get('location')!;
        const sent = new Map<string, string>(); // marker → content
        const locations: string[] = [];
        const edits: string[] = [];
        const failures: string[] = [];

        const writer = async (server: Server, who: string, lane: number) => {
          for (let i = 0; i < 8; i++) {
            const marker = `r${round}${who}${lane}n${i}`;
            // Every other note has the same title in both processes: the slug is chosen under the write lock.
            const fields: Record<string, string> = { h: 'entry', content: `${marker} from ${who}` };
            if (i % 2 === 0) fields.name = 'Same title everywhere';
            sent.set(marker, fields.content!);
            const res = await form(server, fields);
            if (res.status === 201) locations.push(res.headers.get('location')!);
            else failures.push(`create ${who}: ${res.status} ${await res.text()}`);
            const edit = `${marker} edit of the shared note`;
            const up = await fetch(`${server.url}/micropub`, {
              method: 'POST',
              headers: { ...auth, 'Content-Type': 'application/json' },
              body: JSON.stringify({ action: 'update', url: sharedUrl, replace: { content: [edit] } }),
            });
            if (up.status === 204) edits.push(edit);
            else failures.push(`update ${who}: ${up.status} ${await up.text()}`);
          }
          const upload = new FormData();
          upload.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'twin.jpg');
          const res = await fetch(`${server.url}/micropub/media`, {
            method: 'POST',
            headers: auth,
            body: upload,
          });
          if (res.status !== 201) failures.push(`upload ${who}: ${res.status} ${await res.text()}`);
        };
        await Promise.all([0, 1, 2].flatMap((lane) => [writer(a, 'a', lane), writer(b, 'b', lane)]));

        expect(failures).toEqual([]);
        expect(new Set(locations).size, 'every create got its own URL').toBe(locations.length);
        const stored = inspectData(dir);
        expect(stored.notes.length).toBe(locations.length + 1);
        for (const [marker, content] of sent) {
          const found = stored.notes.filter((n) => n.file === content);
          expect(found.length, `${marker} stored exactly once`).toBe(1);
        }
        const sharedNote = stored.notes.find((n) => n.slug === new URL(sharedUrl).pathname.split('/').pop());
        expect(edits, 'the shared note holds one of the edits, whole').toContain(sharedNote?.file);
        for (const n of stored.notes) expect(stored.hashOf(n.file ?? '')).toBe(n.contentHash);
        expect(stored.media.length).toBe(6);
        for (const m of stored.media) expect(m.whole).toBe(true);
        const sameTitle = stored.notes
          .filter((n) => n.slug.startsWith('same-title-everywhere'))
          .map((n) => n.slug);
        // 3 lanes × 2 servers × every other of 8 notes.
        expect(sameTitle.length).toBe(24);
        expect(new Set(sameTitle).size).toBe(24);

        for (const s of [a, b]) expect((await fetch(`${s.url}/health`)).status).toBe(200);
        const doctor = await runCli(['doctor'], { DATA_PATH: dir });
        expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
        await Promise.all([a.stop(), b.stop()]);
        expect([a.child.exitCode, b.child.exitCode]).toEqual([0, 0]);
        const ranBy = MIGRATIONS.map((m) => (outcomes[0]!.get(m) === 'applied' ? 'b' : 'a'));
        console.log(
          `two servers, round ${round}: migrations run by ${[...new Set(ranBy)].join('+')} ` +
            `(the two runners ${overlapped ? 'overlapped in time' : 'did not overlap'}), ` +
            `${locations.length} creates and ${edits.length} edits through both, 0 lost, doctor clean`,
        );
      }
    },
    60_000 + ROUNDS * 60_000,
  );
});
