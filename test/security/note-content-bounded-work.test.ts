/**
 * Issue 22, the promise that nothing a request sends stalls the event loop, applied to note
 * content (Micropub clients the owner approved, and the editor):
 * - A generated slug was read from the whole content with expressions that backtrack
 *   quadratically on long runs of "`", "<", "[" or line breaks: 60 KB of backticks held the
 *   process for seconds (1 MB for an hour). Only the first 2,048 characters are read now.
 * - The sanitiser's cost grows with elements × nesting depth: HTML nested 20,000 deep (raw HTML in
 *   Markdown, or Micropub's `{"html": …}`) stalled it the same way. Content that nests elements
 *   more than 256 deep is refused with a 400 naming the problem, measured by the linear tokenizer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSlug } from '../../src/notes/slug.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { watchEventLoop } from '../helpers/event-loop.js';

const STALL_BOUND_MS = 250;

let t: TestApp;
let token: string;
beforeEach(() => {
  t = createTestApp();
  token = t.app.services.tokens.mintToken({
    me: t.config.adminMe,
    clientId: 'https://client.example/',
    scope: 'create',
    expiresInSeconds: null,
  }).token;
});
afterEach(() => t.close());

/** Creates a note through Micropub (JSON) while watching the event loop. */
async function create(content: unknown): Promise<{ res: Response; body: string; maxStallMs: number }> {
  const { result, maxStallMs } = await watchEventLoop(async () => {
    const res = await t.request('/micropub', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: ['h-entry'], properties: { content: [content] } }),
    });
    return { res, body: await res.text() };
  });
  return { ...result, maxStallMs };
}

describe('a generated slug', () => {
  for (const [name, content] of [
    ['60 KB of backticks', '`'.repeat(60_000)],
    ['60 KB of "<"', '<'.repeat(60_000)],
    ['runs of "![" and "["', '!['.repeat(15_000) + '['.repeat(30_000)],
    ['60 KB of line breaks', `${'\n'.repeat(60_000)}x`],
  ] as const) {
    it(`is made without stalling from content the Markdown-stripping expressions backtrack on: ${name}`, async () => {
      const { result, maxStallMs } = await watchEventLoop(async () =>
        generateSlug({ content, now: new Date('2026-11-27T12:00:00Z') }),
      );
      expect(result).toMatch(/^[a-z0-9-]+$/);
      expect(maxStallMs).toBeLessThan(STALL_BOUND_MS);
    });
  }

  it('still comes from the first words', async () => {
    const res = await t.request('/micropub', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: ['h-entry'],
        properties: { content: [`Hello [there](https://x.example/) world ${'`'.repeat(60_000)}`] },
      }),
    });
    expect(res.status).toBe(201);
    expect(new URL(res.headers.get('location')!).pathname).toBe('/notes/hello-there-world');
  });
});

describe('content nested deeper than the sanitiser’s budget', () => {
  for (const [name, content] of [
    ['raw HTML in Markdown', '<div>'.repeat(20_000)],
    ['Micropub HTML content', { html: '<span>'.repeat(20_000) }],
  ] as const) {
    it(`is refused with a 400 naming the problem, without stalling: ${name}`, async () => {
      const { res, body, maxStallMs } = await create(content);
      expect(res.status).toBe(400);
      expect(JSON.parse(body)).toMatchObject({
        error: 'invalid_request',
        error_description: 'The content nests elements more than 256 deep.',
      });
      expect(maxStallMs).toBeLessThan(STALL_BOUND_MS);
    });
  }

  it('content nested 200 deep is fine', async () => {
    const { res } = await create(`${'<div>'.repeat(200)}deep${'</div>'.repeat(200)}`);
    expect(res.status).toBe(201);
  });
});
