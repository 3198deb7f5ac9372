/**
 * Imports the owner starts from the admin's Import screen, run by the job queue (`import.run`).
 * The screen stages the file (staging.ts) and queues a job; the job reads it with the format's
 * reader and applies it with the one engine (engine.ts), exactly as `starpunk import` does.
 *
 * The engine's batch holds the database's write lock (BEGIN IMMEDIATE) from the first item to
 * COMMIT, across awaits, and every statement on its connection belongs to the batch: so the job
 * opens a connection of its own to the same file and builds the note, media and page services
 * over it. Readers go on meanwhile (WAL): the site keeps serving pages. Writers cannot: a write on
 * the site's connection waits for the lock for its busy_timeout (5 s), on this same thread (so the
 * import waits too), then fails with "database is locked". So the job kind is `exclusive` (the
 * runner starts no other job while it runs), and the screen says that nothing else can be saved
 * until the import finishes. All or nothing stays the engine's promise: one batch, one COMMIT.
 */
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { fixedClock } from '../clock.js';
import { holdBulkWrite } from '../db/bulk-write.js';
import { openDatabase } from '../db/open.js';
import { importedItemsStore } from '../db/store/imported-items.js';
import { defineFeature, type FeatureDeps } from '../features/feature.js';
import { type Job, JobError, jobKind } from '../jobs/queue.js';
import { toDbTime } from '../lib/db-time.js';
import { createMediaService } from '../media/service.js';
import { createNoteService } from '../notes/service.js';
import { createPageService } from '../pages/service.js';
import { type ImportEvent, ImportSourceError, type SourceReader } from './contract.js';
import { type ImportProgress, type ImportReport, runImport } from './engine.js';
import { detectFormat, FORMATS, formatNamed } from './formats.js';
import {
  IMPORT_JOB_KIND,
  importJobKey,
  newImportId,
  removeStaged,
  stagedPath,
  stageStream,
  TooLargeError,
} from './staging.js';

/** What an import job is asked to do. */
const importPayload = z.object({
  /** The staged file's id (staging.ts). */
  id: z.string().regex(/^[0-9a-f-]{36}$/),
  /** How the owner named the source: the uploaded file's name, or the feed's address. */
  source: z.string().max(500),
  /** The format the owner chose; absent: told from the file. */
  from: z.string().max(50).optional(),
  /** A feed address to fetch (through the SSRF-safe fetch) into the staged file. */
  url: z.url().optional(),
  dryRun: z.boolean(),
  announce: z.boolean(),
});

/** An import job's payload. */
export type ImportJobPayload = z.infer<typeof importPayload>;

/** What a finished import job stores as its result. */
export interface ImportJobResult {
  format: string;
  formatTitle: string;
  source: string;
  report: ImportReport;
}

/** One import as the screen shows it: its dry run and its import for real, and how far it got. */
export interface ImportStatus {
  id: string;
  source: string;
  from?: string;
  url?: string;
  announce: boolean;
  dry?: Job<ImportJobPayload>;
  real?: Job<ImportJobPayload>;
  /** The latest job of the two. */
  latest: Job<ImportJobPayload>;
  /** Progress of the job running now, if one is. */
  progress?: ImportProgress;
  /** The staged file is still there (an import for real can follow the dry run). */
  staged: boolean;
}

/** The longest an import may run (its job's time limit). */
const IMPORT_TIMEOUT_MS = 6 * 3600_000;

/** The service behind the Import screen (`app.services.imports`). */
export function createImports(deps: FeatureDeps) {
  const { config, jobs } = deps;
  const progress = new Map<string, ImportProgress>();

  async function handle(job: Job<ImportJobPayload>, signal: AbortSignal): Promise<ImportJobResult> {
    const p = job.payload;
    const file = stagedPath(config.dataPath, p.id);
    const done = (remove: boolean) => {
      if (remove) removeStaged(config.dataPath, p.id);
    };
    try {
      if (p.url && !existsSync(file)) await fetchFeed(p.id, p.url, signal);
      if (!existsSync(file))
        throw new JobError(
          'The file to import is gone (removed, or left from before a restart); upload it again.',
          {
            retryable: false,
          },
        );
      const format = p.from !== undefined ? formatNamed(p.from) : detectFormat(file);
      if (!format) {
        done(true);
        throw new JobError(
          `Cannot tell what ${p.source} is. Choose its format (${FORMATS.map((f) => f.title).join(', ')}) and try again.`,
          { retryable: false },
        );
      }
      const now = new Date(deps.clock.now().getTime());
      const report = await importOnOwnConnection(format.open(file, readerOptions(p)), p, now, signal);
      if (p.announce && !p.dryRun) {
        // The batch ran on its own connection, which has no listeners: the site's own note
        // service tells them now, once the lock is released.
        const ids = importedItemsStore(deps.db).listTargetsImportedAt(format.name, 'note', toDbTime(now));
        deps.notes.tellCreated(ids);
      }
      done(!p.dryRun);
      return { format: format.name, formatTitle: format.title, source: p.source, report };
    } catch (err) {
      if (err instanceof ImportSourceError) {
        // A file that cannot be read will not be read on a second try either.
        done(true);
        throw new JobError(`${err.message} — nothing was imported: the site is as it was.`, {
          retryable: false,
          cause: err,
        });
      }
      if (err instanceof TooLargeError) throw new JobError(err.message, { retryable: false });
      if (!(err instanceof JobError)) done(!p.dryRun);
      throw err;
    } finally {
      progress.delete(p.id);
    }
  }

  function readerOptions(p: ImportJobPayload) {
    return { ...(p.url ? { sourceUrl: p.url } : {}), fetch: deps.fetch };
  }

  /** Fetches a feed (or any export at an address) into the staged file, at most IMPORT_MAX_MB. */
  async function fetchFeed(id: string, url: string, signal: AbortSignal): Promise<void> {
    const res = await deps.fetch(url, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(10 * 60_000)]),
    });
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new JobError(`${url} answered ${res.status}.`, {
        retryable: res.status >= 500 || res.status === 429,
      });
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > config.importMaxBytes) {
      await res.body.cancel();
      throw new TooLargeError(config.importMaxBytes);
    }
    await stageStream(
      config.dataPath,
      id,
      Readable.fromWeb(res.body as WebReadableStream),
      config.importMaxBytes,
    );
  }

  /**
   * Runs the engine over a second connection to the site's database (see the module comment), with
   * services of its own built over it; the connection is closed whatever happens.
   */
  async function importOnOwnConnection(
    reader: SourceReader,
    p: ImportJobPayload,
    now: Date,
    signal: AbortSignal,
  ): Promise<ImportReport> {
    const db = openDatabase(config.databasePath);
    const clock = fixedClock(now);
    const notes = createNoteService({ db, notesPath: config.notesPath, clock, logger: deps.logger });
    // For real, the batch holds the write lock until it ends: the site refuses writes meanwhile
    // (503 at once) instead of stalling on the lock (src/db/bulk-write.ts).
    const release = p.dryRun ? () => {} : holdBulkWrite(config.databasePath);
    try {
      return await runImport(
        abortable(reader, signal),
        {
          db,
          notes,
          media: createMediaService({ db, mediaPath: config.mediaPath, clock, logger: deps.logger }),
          pages: createPageService({ db, clock }),
          siteUrl: config.siteUrl,
          mediaPath: config.mediaPath,
          clock,
          fetch: deps.fetch,
        },
        {
          dryRun: p.dryRun,
          announce: p.announce,
          now,
          onProgress: (x) => progress.set(p.id, x),
        },
      );
    } finally {
      release();
      await notes.settle();
      db.close();
    }
  }

  function present(id: string): ImportStatus | undefined {
    const dry = jobs.getByKey(importJobKey(id, true)) as Job<ImportJobPayload> | undefined;
    const real = jobs.getByKey(importJobKey(id, false)) as Job<ImportJobPayload> | undefined;
    const latest = real ?? dry;
    if (!latest) return undefined;
    const p = latest.payload;
    let staged = false;
    try {
      staged = existsSync(stagedPath(config.dataPath, id));
    } catch {}
    return {
      id,
      source: p.source,
      ...(p.from ? { from: p.from } : {}),
      ...(p.url ? { url: p.url } : {}),
      announce: p.announce,
      ...(dry ? { dry } : {}),
      ...(real ? { real } : {}),
      latest,
      ...(progress.has(id) ? { progress: progress.get(id)! } : {}),
      staged,
    };
  }

  const service = {
    /** The largest upload or fetched file (IMPORT_MAX_MB), in bytes. */
    maxBytes: config.importMaxBytes,
    /** The formats the screen offers. */
    formats: () => FORMATS.map((f) => ({ name: f.name, title: f.title })),
    /**
     * Streams an upload to a new staged file (at most `maxBytes`); returns its id. A larger one
     * throws TooLargeError and leaves nothing behind.
     */
    async stage(source: Readable | AsyncIterable<Uint8Array>): Promise<string> {
      const id = newImportId();
      await stageStream(config.dataPath, id, source, config.importMaxBytes);
      return id;
    },
    /** A new id for an import that fetches its source (a feed address) in its job. */
    newId: newImportId,
    /**
     * Queues the job of import `id`: its dry run, or the import for real (once per staged file;
     * asking again returns the same job).
     */
    start(payload: ImportJobPayload): Job<ImportJobPayload> {
      return jobs.enqueue(IMPORT_JOB_KIND, importPayload.parse(payload), {
        key: importJobKey(payload.id, payload.dryRun),
        maxAttempts: 1,
      });
    },
    /** Import `id` as the screen shows it, or undefined. */
    status: present,
    /** The latest imports, newest first. */
    list(limit = 10): ImportStatus[] {
      const seen = new Set<string>();
      const out: ImportStatus[] = [];
      for (const j of jobs.list({ kind: IMPORT_JOB_KIND, limit: limit * 2 })) {
        const id = (j.payload as { id?: unknown }).id;
        if (typeof id !== 'string' || seen.has(id)) continue;
        seen.add(id);
        const s = present(id);
        if (s) out.push(s);
        if (out.length >= limit) break;
      }
      return out;
    },
    /** Throws the staged file of import `id` away (after a dry run, instead of importing). */
    discard(id: string): void {
      const s = present(id);
      if (s && (s.latest.state === 'queued' || s.latest.state === 'running'))
        throw new Error('an import job still needs the file');
      removeStaged(config.dataPath, id);
    },
  };
  return { service, jobKinds: { [IMPORT_JOB_KIND]: importJob(handle) } };
}

function importJob(handle: (job: Job<ImportJobPayload>, signal: AbortSignal) => Promise<ImportJobResult>) {
  return jobKind({ payload: importPayload, exclusive: true, timeoutMs: IMPORT_TIMEOUT_MS, handle });
}

/** A reader whose events stop (ImportSourceError is not it: the job's time is up) once `signal` aborts. */
function abortable(reader: SourceReader, signal: AbortSignal): SourceReader {
  return {
    format: reader.format,
    get siteUrl() {
      return reader.siteUrl;
    },
    async *events(): AsyncIterable<ImportEvent> {
      for await (const ev of reader.events()) {
        if (signal.aborted)
          throw new JobError('the import was stopped: its time was up; nothing was imported');
        yield ev;
      }
    },
  };
}

/** The import service's type. */
export type Imports = ReturnType<typeof createImports>['service'];

/** Imports started from the admin's Import screen, run as `import.run` jobs. */
export const imports = defineFeature({
  name: 'imports',
  purpose: 'import',
  create(deps) {
    const { service, jobKinds } = createImports(deps);
    return { jobs: jobKinds, service };
  },
});
