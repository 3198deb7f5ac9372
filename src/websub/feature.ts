/** WebSub as a background feature: pings the configured hub when what the topics show changes. */
import { defineFeature } from '../features/feature.js';
import { createWebsubPublisher } from './publisher.js';

export const websub = defineFeature({
  name: 'websub',
  purpose: 'WebSub',
  create(deps) {
    const publisher = createWebsubPublisher(deps);
    return { jobs: publisher.jobKinds, noteChanged: publisher.noteChanged, service: publisher };
  },
});
