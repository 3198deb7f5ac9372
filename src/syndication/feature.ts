/** Syndication (POSSE) as a background feature: copies of notes on Mastodon and Bluesky. */
import { defineFeature } from '../features/feature.js';
import { createBlueskyAdapter } from './bluesky/index.js';
import { createMastodonAdapter } from './mastodon/adapter.js';
import { createSyndication } from './service.js';

export const syndication = defineFeature({
  name: 'syndication',
  purpose: 'syndication',
  create(deps) {
    const service = createSyndication({
      ...deps,
      adapters: [
        createMastodonAdapter({ fetch: deps.fetch }),
        // A refreshed Bluesky session is stored (sealed) for the next job.
        createBlueskyAdapter({
          fetch: deps.fetch,
          logger: deps.logger,
          onSecrets: (account, secrets) => {
            service.connectAccount({
              service: 'bluesky',
              uid: account.uid,
              name: account.name,
              user: account.user,
              secrets,
            });
          },
        }),
      ],
    });
    return { jobs: service.jobKinds, noteChanged: service.noteChanged, service };
  },
});
