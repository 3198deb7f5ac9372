import type http from 'node:http';
import { mf2 } from 'microformats-parser';
import type { Note } from '../../src/notes/types.js';
import { createTestApp, type TestApp } from './app.js';
import { type RemoteSite, startRemote } from './remote.js';

/** A page a source site serves: status, headers and body (or a handler for anything else). */
export type SourcePage =
  | { status?: number; type?: string; body?: string; headers?: Record<string, string> }
  | ((req: http.IncomingMessage, res: http.ServerResponse) => void);

/**
 * A remote site on loopback playing the sources of Webmentions at `http://<host>/…`: its pages
 * can be changed between requests (an update, a 410), and every request is counted.
 */
export interface SourceSite {
  host: string;
  /** Absolute URL on the site's public-looking host. */
  url: (path: string) => string;
  pages: Map<string, SourcePage>;
  /** Paths requested, in order, with the Accept header sent. */
  requests: { path: string; accept: string | undefined }[];
  remote: RemoteSite;
}

/** Starts a source site on loopback for `host` (e.g. "alice.example"). */
export async function startSourceSite(host: string): Promise<SourceSite> {
  const pages = new Map<string, SourcePage>();
  const requests: SourceSite['requests'] = [];
  const remote = await startRemote((req, _body, res) => {
    const path = req.url ?? '/';
    requests.push({ path, accept: req.headers.accept });
    const page = pages.get(path);
    if (!page) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not here');
      return;
    }
    if (typeof page === 'function') {
      page(req, res);
      return;
    }
    res
      .writeHead(page.status ?? 200, {
        'Content-Type': page.type ?? 'text/html; charset=utf-8',
        ...page.headers,
      })
      .end(page.body ?? '');
  });
  return { host, url: (path) => `http://${host}${path}`, pages, requests, remote };
}

/** A test app whose outbound fetch maps each source site's host to its loopback server. */
export function createWebmentionApp(sites: SourceSite[], env: Record<string, string> = {}): TestApp {
  return createTestApp(env, undefined, {
    hosts: Object.fromEntries(sites.map((s) => [s.host, s.remote.url])),
  });
}

/** A published public note; returns it and its absolute URL. */
export function publishNote(
  t: TestApp,
  content = 'A note worth replying to',
  slug?: string,
): Note & { url: string } {
  const note = t.notes.createNote({ content, ...(slug ? { slug } : {}) });
  return { ...note, url: `http://example.test/notes/${encodeURIComponent(note.slug)}` };
}

/** POSTs a Webmention to the test app the way a sender does (form-encoded). */
export function sendWebmention(
  t: TestApp,
  source: string,
  target: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return t.request('/webmention', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ source, target }).toString(),
  });
}

/** Runs queued jobs until none is due. */
export function drain(t: TestApp): Promise<number> {
  return t.app.services.runner.drain();
}

/** The received mention of `target` by `source`, as stored. */
export function storedMention(t: TestApp, source: string, target: string) {
  return t.app.services.webmentionsReceived.store.findWebmention(source, target);
}

/** A reply page in microformats2: an h-entry by `author`, in reply to `target`. */
export function replyPage(
  target: string,
  opts: { content?: string; name?: string; photo?: string; url?: string; prop?: string; extra?: string } = {},
): string {
  const prop = opts.prop ?? 'u-in-reply-to';
  return `<!doctype html><html><head><title>reply</title></head><body>
<article class="h-entry">
  ${opts.url ? `<a class="u-url" href="${opts.url}">permalink</a>` : ''}
  <span class="p-author h-card"><a class="u-url p-name" href="/">${opts.name ?? 'Alice Example'}</a>${opts.photo ? `<img class="u-photo" src="${opts.photo}" alt="">` : ''}</span>
  <a class="${prop}" href="${target}">the post</a>
  <time class="dt-published" datetime="2026-11-27T10:00:00Z">27 Nov</time>
  <div class="e-content">${opts.content ?? 'Great post!'}</div>
  ${opts.extra ?? ''}
</article></body></html>`;
}

/** The mf2 items of a page, as a reader parses them. */
export function microformatsOf(html: string, baseUrl = 'http://example.test/') {
  return mf2(html, { baseUrl }) as unknown as {
    items: Mf2Item[];
    rels: Record<string, string[]>;
  };
}

/** An mf2 item. */
export type Mf2Item = { type: string[]; properties: Record<string, unknown[]>; children?: Mf2Item[] };

/** Approves every waiting mention. */
export function approveAll(t: TestApp): void {
  const { store, moderation } = t.app.services.webmentionsReceived;
  for (const m of store.listWebmentions({
    moderation: 'pending',
    verifiedOnly: true,
    limit: 1000,
    offset: 0,
  }))
    moderation.approve(m.id);
}
