/**
 * ActivityPub as a background feature: the site as a fediverse account. Fedify (service.ts) is
 * loaded on first use — the first ActivityPub request or job — so sites and tests that never
 * federate do not pay for it, and never on a Node.js it cannot run on (support.ts): there the
 * feature is off, and says why.
 */
import { z } from 'zod';
import { activityPubStore } from '../db/store/activitypub.js';
import { defineFeature, type FeatureDeps } from '../features/feature.js';
import { type JobKinds, jobKind } from '../jobs/queue.js';
import { AppError } from '../lib/errors.js';
import type { NoteChange } from '../notes/service.js';
import type { ActivityPubService } from './service.js';
import { createActivityPubSettings } from './settings.js';
import { activityPubSupport, DELIVER_JOB, INBOX_JOB, PUBLISH_JOB } from './support.js';

/** Builds the feature's service over the shared dependencies. */
export function createActivityPubFeature(deps: FeatureDeps, support = activityPubSupport()) {
  const store = activityPubStore(deps.db);
  const settings = createActivityPubSettings({ db: deps.db, clock: deps.clock });
  const site = new URL(deps.config.siteUrl);
  let loading: Promise<ActivityPubService> | undefined;
  const reason = support.enabled ? undefined : support.reason;

  /** Fedify and the federation, loaded once. */
  function load(): Promise<ActivityPubService> {
    if (reason) return Promise.reject(new AppError('not_found', reason));
    loading ??= import('./service.js').then((m) => m.createActivityPub({ ...deps, settings }));
    return loading;
  }

  /** Queues the publish job for a note write (inside its transaction; no Fedify needed). */
  function noteChanged(change: NoteChange): void {
    const note = deps.notes.getNoteById(change.id);
    const known = store.findFederatedNote(change.id);
    const scheduled = note !== undefined && deps.notes.isScheduled(note);
    if (!known && !(note && (deps.notes.isPublic(note) || scheduled))) return;
    const key = `${PUBLISH_JOB}:${change.id}:${change.revision}:${change.event}`;
    deps.jobs.enqueue(PUBLISH_JOB, { note: change.id }, { key, maxAttempts: 8 });
    // Nothing is written when a scheduled note goes live: its Create is queued for that moment.
    if (scheduled && note)
      deps.jobs.enqueue(
        PUBLISH_JOB,
        { note: change.id },
        { key: `${key}:live`, runAt: note.publishedAt, maxAttempts: 8 },
      );
  }

  const jobs: JobKinds = {
    // Verified activities Fedify queued: processed in the inbound lane, apart from the owner's work.
    [INBOX_JOB]: jobKind({
      lane: 'inbound',
      payload: z.object({ message: z.record(z.string(), z.unknown()) }),
      handle: async (job) => {
        await (await load()).runQueued(job.payload.message);
        return { processed: true };
      },
    }),
    [PUBLISH_JOB]: jobKind({
      payload: z.object({ note: z.number().int() }),
      handle: async (job) => (await load()).publish(job.payload.note),
    }),
    [DELIVER_JOB]: jobKind({
      payload: z.object({ activity: z.string(), inbox: z.url() }),
      handle: async (job, signal) => (await load()).deliver(job.payload, signal),
    }),
  };

  const service = {
    /** False on a Node.js Fedify cannot run on; `reason` says so. */
    enabled: reason === undefined,
    reason,
    settings,
    store,
    /** The handle people search for (`@user@host`), or undefined while the feature is off. */
    handle: (): string | undefined => (reason ? undefined : `@${settings.current().username}@${site.host}`),
    /** The federation (loaded on first call). */
    load,
    /** Answers an ActivityPub request, or undefined (the HTML page answers, or nothing does). */
    respond: async (request: Request): Promise<Response | undefined> =>
      reason ? undefined : (await load()).respond(request),
    approveFollower: async (actorId: string) => (await load()).approveFollower(actorId),
    removeFollower: async (actorId: string) => (await load()).removeFollower(actorId),
    block: async (input: string) => (await load()).block(input),
    unblock: (target: string) => store.deleteBlock(target),
    moveTo: async (target: string) => (await load()).moveTo(target),
    reviveServer: (host: string) => store.reviveServer(host),
  };
  return { jobs: reason ? {} : jobs, noteChanged: reason ? undefined : noteChanged, service };
}

/** The feature's service type (`app.services.activityPub`). */
export type ActivityPubFeature = ReturnType<typeof createActivityPubFeature>['service'];

/** Followable from the fediverse: publishes public notes, receives replies, likes and boosts. */
export const activityPub = defineFeature({
  name: 'activityPub',
  purpose: 'ActivityPub',
  create(deps) {
    const built = createActivityPubFeature(deps);
    if (!built.service.enabled) deps.logger.warn(built.service.reason);
    return built.noteChanged
      ? { ...built, noteChanged: built.noteChanged }
      : { jobs: built.jobs, service: built.service };
  },
});
