import type http from 'node:http';
import { type RemoteSite, startRemote } from '../helpers/remote.js';

/** A Webmention a loopback receiver got. */
export interface Received {
  page: string;
  path: string;
  source: string | null;
  target: string | null;
  contentType: string | undefined;
}

/**
 * A loopback site of pages /page/<name>, each advertising /wm/<name> in a Link header, and an
 * endpoint that records every POST. `endpoint` may answer differently per page (status, headers).
 */
export async function startReceiver(
  endpoint: (name: string, req: http.IncomingMessage, res: http.ServerResponse) => boolean = () => false,
): Promise<RemoteSite & { received: Received[]; page: (name: string) => string; reset: () => void }> {
  const received: Received[] = [];
  const site = await startRemote((req, body, res) => {
    const path = req.url ?? '/';
    const page = /^\/page\/([^/?#]+)/.exec(path);
    if (req.method === 'GET' && page) {
      res.writeHead(200, { 'Content-Type': 'text/html', Link: `</wm/${page[1]}>; rel="webmention"` });
      return res.end(`<!doctype html><title>${page[1]}</title><p>A page.</p>`);
    }
    const wm = /^\/wm\/([^/?#]+)/.exec(path);
    if (req.method === 'POST' && wm) {
      const form = new URLSearchParams(body);
      received.push({
        page: wm[1]!,
        path,
        source: form.get('source'),
        target: form.get('target'),
        contentType: req.headers['content-type'],
      });
      if (endpoint(wm[1]!, req, res)) return;
      res.writeHead(202, { 'Content-Type': 'text/plain' });
      return res.end('Accepted');
    }
    res.writeHead(404);
    res.end();
  });
  return Object.assign(site, {
    received,
    page: (name: string) => `${site.url}page/${name}`,
    reset: () => {
      received.length = 0;
    },
  });
}
