/**
 * The entry point of an untrusted-HTML worker thread (piscina calls its default export with each
 * task). Built to dist/src/html-worker/worker.js; from the sources, worker-source.mjs loads it.
 */
import { type HtmlTask, runHtmlTask } from './tasks.js';

export default function work(task: HtmlTask) {
  return runHtmlTask(task);
}
