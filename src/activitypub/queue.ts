/**
 * Fedify's message queue (`MessageQueue`) over our job queue (src/jobs/queue.ts): no second queue.
 * Fedify queues the activities its inbox received (verified, not yet processed) as messages; each
 * becomes one `activitypub.inbox` job in the inbound lane (ADR 0015), whose handler hands the
 * message to the listener Fedify registered with `listen`. The job queue retries a failed message
 * with its own backoff (`nativeRetrial`), so Fedify does not queue it again itself.
 */
import type { MessageQueue, MessageQueueEnqueueOptions, MessageQueueListenOptions } from '@fedify/fedify';
import type { Clock } from '../clock.js';
import type { JobQueue } from '../jobs/queue.js';
import { INBOX_JOB } from './support.js';

/** The job kind that carries Fedify's messages. */

/** A MessageQueue on the job queue, and the job handler that delivers its messages. */
export function createJobMessageQueue(jobs: JobQueue, clock: Clock) {
  let handler: ((message: unknown) => Promise<void> | void) | undefined;
  const queue: MessageQueue = {
    nativeRetrial: true,
    async enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
      const delay = options?.delay?.total({ unit: 'millisecond' }) ?? 0;
      const id = (message as { id?: unknown }).id;
      jobs.enqueue(
        INBOX_JOB,
        { message },
        {
          // Fedify gives every message an id: a message queued twice is one job.
          ...(typeof id === 'string' ? { key: `${INBOX_JOB}:${id}` } : {}),
          runAt: new Date(clock.now().getTime() + Math.max(0, delay)),
          maxAttempts: 5,
        },
      );
    },
    listen(
      h: (message: unknown) => Promise<void> | void,
      options?: MessageQueueListenOptions,
    ): Promise<void> {
      handler = h;
      return new Promise((resolve) => {
        if (!options?.signal) return;
        options.signal.addEventListener('abort', () => {
          if (handler === h) handler = undefined;
          resolve();
        });
      });
    },
  };
  return {
    queue,
    /** Runs one queued message through Fedify's listener (the job's handler). */
    async deliver(message: unknown): Promise<void> {
      if (!handler) throw new Error('the ActivityPub inbox queue is not listening yet');
      await handler(message);
    },
  };
}
