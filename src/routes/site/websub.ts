/**
 * WebSub discovery (W3C WebSub §4): the home page and the feeds name the hub and their own
 * canonical URL (the topic) in HTTP `Link` headers, added to whatever links the page already has.
 */
import type { MiddlewareHandler } from 'hono';
import type { SiteUrls } from '../../lib/site-urls.js';

/** Adds `rel="hub"` and `rel="self"` links to successful GET/HEAD answers of the topics. */
export function advertiseWebsub(urls: SiteUrls, hub: string): MiddlewareHandler {
  const byType: [string, string][] = [
    ['application/rss+xml', urls.feeds.rss],
    ['application/atom+xml', urls.feeds.atom],
    ['application/feed+json', urls.feeds.json],
    ['text/html', urls.home],
  ];
  return async (c, next) => {
    await next();
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return;
    if (c.res.status !== 200 && c.res.status !== 304) return;
    // The topic is the canonical address of the format served (/feed.xml and /feed are aliases).
    const type = c.res.headers.get('content-type') ?? '';
    const self = c.req.path === '/' ? urls.home : byType.find(([t]) => type.startsWith(t))?.[1];
    if (!self) return;
    c.res.headers.append('Link', `<${hub}>; rel="hub", <${self}>; rel="self"`);
  };
}
