/**
 * The one registration loop of background features (feature.ts): the runner comes first, so no
 * feature needs a forward reference to it; each feature is built from the shared dependencies
 * (its fetch naming it in the User-Agent), its job kinds join the runner's table (a kind declared
 * twice stops the start), and its note listener is given to the note service, which calls it
 * inside each write's transaction.
 */
import { createJobRunner, type JobRunner } from '../jobs/queue.js';
import { userAgent, withUserAgent } from '../outbound/policy.js';
import type { FeatureDefinition, FeatureDeps, ServicesOf } from './feature.js';

/** What the features share; each one's `fetch` and the runner are made here. */
export type SharedDeps = Omit<FeatureDeps, 'runner'>;

/** Builds every feature in `definitions`, in order; returns their services by name and the runner. */
export function registerFeatures<const Fs extends readonly FeatureDefinition[]>(
  definitions: Fs,
  shared: SharedDeps,
): { services: ServicesOf<Fs>; runner: JobRunner } {
  const runner = createJobRunner({ queue: shared.jobs, logger: shared.logger });
  const services: Record<string, unknown> = {};
  for (const definition of definitions) {
    if (definition.name in services) throw new Error(`Two features are named ${definition.name}.`);
    const agent = userAgent(shared.version, definition.purpose, shared.config.siteUrl);
    const feature = definition.create({ ...shared, runner, fetch: withUserAgent(shared.fetch, agent) });
    runner.register(feature.jobs);
    // A quiet write (an import not announced, NoteCommands.quiet) is told to no feature.
    if (feature.noteChanged)
      shared.notes.onChange((change) => {
        if (!change.commands?.quiet) feature.noteChanged!(change);
      });
    services[definition.name] = feature.service;
  }
  return { services: services as ServicesOf<Fs>, runner };
}
