/**
 * Interop (#15): a published, third-party Webmention sender, `@remy/webmention`, talks to a running
 * StarPunk as a real client would: it discovers the endpoint from the note page over HTTP, sends
 * the mention, and StarPunk verifies the source in the background and shows the reply.
 */

import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { createWebmentionApp, replyPage, type SourceSite, startSourceSite } from '../helpers/webmention.js';

type Endpoint = { type: string; url: string };
const require = createRequire(import.meta.url);
const findEndpoint = require('@remy/webmention/shared/lib/endpoint.js') as (
  url: string,
) => Promise<{ endpoint?: Endpoint | null }>;
const sendMention = require('@remy/webmention/shared/lib/send/index.js') as (m: {
  source: string;
  target: string;
  endpoint: Endpoint;
}) => Promise<{ status: number; error: string | null }>;

/** A port nothing listens on now: StarPunk's SITE_URL must name the port it serves on. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

let alice: SourceSite;
let t: TestApp;
let server: ReturnType<typeof serve>;
let base: string;
beforeAll(async () => {
  alice = await startSourceSite('alice.example');
  const port = await freePort();
  base = `http://127.0.0.1:${port}/`;
  t = createWebmentionApp([alice], { SITE_URL: base });
  server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  t.app.services.runner.start();
});
afterAll(async () => {
  await t.app.services.runner.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  t.close();
  await alice.remote.close();
});

describe('@remy/webmention sending to a running StarPunk', () => {
  it('discovers the endpoint, sends, and the reply appears under the note', async () => {
    t.app.services.webmentionsReceived.moderation.setAutoApprove(true);
    const note = t.notes.createNote({ content: 'Tell me what you think', slug: 'what-you-think' });
    const target = `${base}notes/${note.slug}`;
    alice.pages.set('/reply', { body: replyPage(target, { content: 'Sent by a third-party client' }) });

    const { endpoint } = await findEndpoint(target);
    expect(endpoint).toEqual({ type: 'webmention', url: `${base}webmention` });
    const sent = await sendMention({ source: alice.url('/reply'), target, endpoint: endpoint! });
    expect(sent).toMatchObject({ status: 201, error: null });

    let page = '';
    for (let i = 0; i < 100 && !page.includes('Sent by a third-party client'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      page = await (await fetch(target)).text();
    }
    expect(page).toContain('Sent by a third-party client');
    expect(page).toMatch(/class="p-comment h-cite/);
  });

  it('a mention of a page that is not a note is refused, and the client is told why', async () => {
    const { endpoint } = await findEndpoint(`${base}notes/what-you-think`);
    const sent = await sendMention({
      source: alice.url('/reply'),
      target: `${base}admin`,
      endpoint: endpoint!,
    });
    expect(sent.status).toBe(400);
    expect(sent.error).toMatch(/target/i);
  });
});
