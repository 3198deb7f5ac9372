/** Reply context as a background feature: reads the pages a like, bookmark, repost or reply cites. */
import { defineFeature } from '../features/feature.js';
import { createReplyContextService } from './service.js';

export const replyContexts = defineFeature({
  name: 'replyContexts',
  purpose: 'reply context',
  create(deps) {
    const service = createReplyContextService(deps);
    return { jobs: service.jobKinds, noteChanged: service.noteChanged, service };
  },
});
