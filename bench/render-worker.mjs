// Worker thread for bench/seed.ts: renders note Markdown to sanitised HTML and its plain text (the two
// CPU-heavy steps of writing a note) with the app's own code, so that seeding uses every core.
// Plain JavaScript because tsx's loader does not reach worker threads by itself: it is registered here.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { plainText, renderMarkdown } = await import('../src/notes/markdown.ts');

parentPort?.on('message', (/** @type {{ id: number, contents: string[] }} */ job) => {
  const html = job.contents.map((c) => renderMarkdown(c));
  parentPort?.postMessage({ id: job.id, html, text: html.map((h) => plainText(h)) });
});
