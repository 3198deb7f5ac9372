/**
 * A background feature: something that reacts to note writes and does its work in jobs —
 * Webmentions sent and received, WebSub pings, syndication copies, reply contexts; next perhaps
 * ActivityPub or backfeed. Each one is a `FeatureDefinition` in its own folder, and `src/app.ts`
 * lists them (FEATURES); `registerFeatures` (register.ts) builds them all from one shared set of
 * dependencies, hands their job kinds to one runner and their note listeners to the note service.
 * docs/architecture.md, "Background features", says how to add one.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Db } from '../db/open.js';
import type { JobKinds, JobQueue, JobRunner } from '../jobs/queue.js';
import type { Logger } from '../logger.js';
import type { NoteChange, NoteService } from '../notes/service.js';
import type { FetchLike } from '../outbound/safe-fetch.js';

/** What every feature is built from: one object, the same for all but its `fetch`. */
export interface FeatureDeps {
  db: Db;
  /** The configuration at start (site URL, paths, the WebSub hub…). */
  config: Config;
  clock: Clock;
  logger: Logger;
  /** The running version. */
  version: string;
  notes: NoteService;
  /** The persistent queue. A job queued here wakes the runner: nobody calls it by hand. */
  jobs: JobQueue;
  /** The runner of every feature's jobs (`drain` for tests and the CLI; `serve` starts it). */
  runner: JobRunner;
  /**
   * Outbound HTTP: the app's SSRF-safe fetch, every request carrying this feature's User-Agent
   * (`StarPunk/<version> (<purpose>; +<site>)`, src/outbound/policy.ts).
   */
  fetch: FetchLike;
  /** The site's key for secrets kept at rest (DATA_PATH/keys/sealing.key). */
  sealingKey: Buffer;
}

/** A feature as built: its job kinds, its note listener, and what the rest of the app uses of it. */
export interface Feature<S = unknown> {
  /** Its job kinds by name (`webmention.send`): lane, payload schema, handler (jobs/queue.ts). */
  jobs: JobKinds;
  /**
   * Told about every note write (create, update, delete, undelete, purge) INSIDE the write's
   * transaction, in a savepoint of its own: what it queues commits with the note or not at all,
   * and if it throws, only its own work is rolled back (the note is saved). It must be quick and
   * synchronous — database reads and `jobs.enqueue`; anything that talks to another site belongs
   * in a job. (There is no transaction handle to pass: the database is one connection, so every
   * read and write made here is inside the note's transaction.)
   */
  noteChanged?(change: NoteChange): void;
  /** What routes, the admin, the CLI and tests use: `app.services.<name>`. */
  service: S;
}

/** A feature as listed in src/app.ts. */
export interface FeatureDefinition<N extends string = string, S = unknown> {
  /** Its name among the app's services (`app.services.<name>`). */
  readonly name: N;
  /** What its requests are for, in their User-Agent: "Webmention", "WebSub"… */
  readonly purpose: string;
  /** Builds it; called once, before any job runs or any note is written. */
  create(deps: FeatureDeps): Feature<S>;
}

/** Declares a feature (keeps its name's literal type, so `app.services.<name>` is typed). */
export function defineFeature<const N extends string, S>(definition: FeatureDefinition<N, S>) {
  return definition;
}

/** The services of a list of features, by name. */
export type ServicesOf<Fs extends readonly FeatureDefinition[]> = {
  [F in Fs[number] as F['name']]: ReturnType<F['create']>['service'];
};
