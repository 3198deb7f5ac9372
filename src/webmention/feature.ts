/** Webmention as two background features: the mentions this site sends, and those it receives. */
import { defineFeature } from '../features/feature.js';
import { createWebmentionReceiver } from './receive.js';
import { createWebmentionSender } from './sender.js';

/** Sends Webmentions when a note changes (sender.ts). */
export const webmentionSending = defineFeature({
  name: 'webmentionsSent',
  purpose: 'Webmention',
  create(deps) {
    const sender = createWebmentionSender(deps);
    return { jobs: sender.jobKinds, noteChanged: sender.noteChanged, service: sender };
  },
});

/** Receives Webmentions: the endpoint's checks, verification jobs, moderation, display (receive.ts). */
export const webmentionReceiving = defineFeature({
  name: 'webmentionsReceived',
  purpose: 'Webmention',
  create(deps) {
    const receiver = createWebmentionReceiver({ ...deps, siteUrl: deps.config.siteUrl });
    return { jobs: receiver.jobKinds, service: receiver };
  },
});
