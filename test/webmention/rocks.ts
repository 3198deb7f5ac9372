/**
 * A loopback replay of webmention.rocks' 23 discovery tests (https://webmention.rocks/, the list
 * in its lib/Rocks/DiscoveryTestData.php), plus the forms the suite does not cover but the spec
 * implies: redirects of every kind, a <link> in the body, rel on elements that are not links,
 * markup inside <script> and <template>, non-HTML documents, character references.
 *
 * Each case is a page at /test/<id>; its right endpoint is `expect` (path and query). Every POST
 * the server receives is recorded, at right and wrong endpoints alike.
 */
import type http from 'node:http';
import { type RemoteSite, startRemote } from '../helpers/remote.js';

/** One discovery case: how its page advertises the endpoint, and where the Webmention must go. */
export interface RocksCase {
  id: string;
  name: string;
  /** Response headers of the page (several values: several header lines). */
  headers?: (base: string) => [string, string | string[]][];
  head?: (base: string) => string;
  body?: (base: string) => string;
  contentType?: string;
  /** The page redirects with this status to `${page}/final/page`, which carries the markup. */
  redirect?: 301 | 302 | 303 | 307 | 308;
  /** The endpoint path and query the Webmention must reach, or null when there is none to find. */
  expect: string | null;
}

const T = (n: number) => `/test/${n}`;

/** The 23 discovery tests of webmention.rocks, as they advertise their endpoints. */
export const ROCKS_CASES: RocksCase[] = [
  {
    id: '1',
    name: 'HTTP Link header, unquoted rel, relative URL',
    headers: () => [['Link', `<${T(1)}/webmention>; rel=webmention`]],
    expect: `${T(1)}/webmention`,
  },
  {
    id: '2',
    name: 'HTTP Link header, unquoted rel, absolute URL',
    headers: (b) => [['Link', `<${b}test/2/webmention>; rel=webmention`]],
    expect: `${T(2)}/webmention`,
  },
  {
    id: '3',
    name: 'HTML <link> tag, relative URL',
    head: () => `<link rel="webmention" href="${T(3)}/webmention">`,
    expect: `${T(3)}/webmention`,
  },
  {
    id: '4',
    name: 'HTML <link> tag, absolute URL',
    head: (b) => `<link href="${b}test/4/webmention" rel="webmention">`,
    expect: `${T(4)}/webmention`,
  },
  {
    id: '5',
    name: 'HTML <a> tag, relative URL',
    body: () =>
      `This post advertises its <a rel="webmention" href="${T(5)}/webmention">Webmention endpoint</a>.`,
    expect: `${T(5)}/webmention`,
  },
  {
    id: '6',
    name: 'HTML <a> tag, absolute URL',
    body: (b) =>
      `This post advertises its <a href="${b}test/6/webmention" rel="webmention">Webmention endpoint</a>.`,
    expect: `${T(6)}/webmention`,
  },
  {
    id: '7',
    name: 'HTTP Link header with strange casing',
    headers: (b) => [['LinK', `<${b}test/7/webmention>; rel=webmention`]],
    expect: `${T(7)}/webmention`,
  },
  {
    id: '8',
    name: 'HTTP Link header, quoted rel',
    headers: (b) => [['Link', `<${b}test/8/webmention>; rel="webmention"`]],
    expect: `${T(8)}/webmention`,
  },
  {
    id: '9',
    name: 'Multiple rel values on a <link> tag',
    head: (b) => `<link rel="webmention somethingelse" href="${b}test/9/webmention">`,
    expect: `${T(9)}/webmention`,
  },
  {
    id: '10',
    name: 'Multiple rel values on a Link header',
    headers: (b) => [['Link', `<${b}test/10/webmention>; rel="webmention somethingelse"`]],
    expect: `${T(10)}/webmention`,
  },
  {
    id: '11',
    name: 'Multiple Webmention endpoints advertised: Link, <link>, <a>',
    headers: () => [['Link', `<${T(11)}/webmention>; rel="webmention"`]],
    head: () => `<link rel="webmention" href="${T(11)}/webmention/error">`,
    body: () => `as well as an <a href="${T(11)}/webmention/error" rel="webmention">&lt;a&gt; tag</a>.`,
    expect: `${T(11)}/webmention`,
  },
  {
    id: '12',
    name: 'Checking for exact match of rel=webmention',
    head: () => `<link rel="not-webmention" href="${T(12)}/webmention/error">`,
    body: () => `There is also a <a href="${T(12)}/webmention" rel="webmention">correct endpoint</a>.`,
    expect: `${T(12)}/webmention`,
  },
  {
    id: '13',
    name: 'False endpoint inside an HTML comment',
    body: () =>
      `This post contains an HTML comment <!-- <a href="${T(13)}/webmention/error" rel="webmention"></a> --> ` +
      `There is also a <a href="${T(13)}/webmention" rel="webmention">correct endpoint</a>.`,
    expect: `${T(13)}/webmention`,
  },
  {
    id: '14',
    name: 'False endpoint in escaped HTML',
    body: () =>
      `Sample code: <code>&lt;a href="${T(14)}/webmention/error" rel="webmention"&gt;&lt;/a&gt;</code> ` +
      `There is also a <a href="${T(14)}/webmention" rel="webmention">correct endpoint</a>.`,
    expect: `${T(14)}/webmention`,
  },
  {
    id: '15',
    name: 'Webmention href is an empty string',
    head: () => '<link rel="webmention" href="">',
    expect: T(15),
  },
  {
    id: '16',
    name: 'Multiple Webmention endpoints advertised: <a>, <link>',
    body: () =>
      `An HTML <a href="${T(16)}/webmention" rel="webmention">&lt;a&gt; tag</a>, followed by a later ` +
      `definition in a &lt;link&gt; tag. <link rel="webmention" href="${T(16)}/webmention/error">`,
    expect: `${T(16)}/webmention`,
  },
  {
    id: '17',
    name: 'Multiple Webmention endpoints advertised: <link>, <a>',
    body: () =>
      `An HTML &lt;link&gt; tag <link rel="webmention" href="${T(17)}/webmention"> followed by a later ` +
      `definition in an <a href="${T(17)}/webmention/error" rel="webmention">&lt;a&gt; tag</a>.`,
    expect: `${T(17)}/webmention`,
  },
  {
    id: '18',
    name: 'Multiple HTTP Link headers',
    headers: (b) => [
      ['Link', [`<${b}test/18/webmention/error>; rel="other"`, `<${b}test/18/webmention>; rel="webmention"`]],
    ],
    expect: `${T(18)}/webmention`,
  },
  {
    id: '19',
    name: 'Single HTTP Link header with multiple values',
    headers: (b) => [
      ['Link', `<${b}test/19/webmention/error>; rel="other", <${b}test/19/webmention>; rel="webmention"`],
    ],
    expect: `${T(19)}/webmention`,
  },
  {
    id: '20',
    name: 'Link tag with no href attribute',
    body: () =>
      `This post has a &lt;link&gt; tag <link rel="webmention"> which has no href attribute. Send the ` +
      `webmention to <a href="${T(20)}/webmention" rel="webmention">this endpoint</a> instead.`,
    expect: `${T(20)}/webmention`,
  },
  {
    id: '21',
    name: 'Webmention endpoint has query string parameters',
    head: () => `<link rel="webmention" href="${T(21)}/webmention?query=yes">`,
    expect: `${T(21)}/webmention?query=yes`,
  },
  {
    id: '22',
    name: 'Webmention endpoint is relative to the path',
    head: () => '<link rel="webmention" href="22/webmention">',
    expect: `${T(22)}/webmention`,
  },
  {
    id: '23',
    name: 'Webmention target is a redirect and the endpoint is relative',
    redirect: 302,
    head: () => '<link rel="webmention" href="webmention-endpoint/rAnd0m">',
    // Resolved against the page it was redirected to (/test/23/final/page), not /test/23.
    expect: `${T(23)}/final/webmention-endpoint/rAnd0m`,
  },
];

/** Forms the suite does not test but the spec implies; each id is a path segment under /test/. */
export const EXTRA_CASES: RocksCase[] = [
  ...([301, 302, 303, 307, 308] as const).map(
    (status): RocksCase => ({
      id: `redirect-${status}`,
      name: `the page is a ${status} redirect; the endpoint is relative to where it led`,
      redirect: status,
      head: () => '<link rel="webmention" href="wm">',
      expect: `/test/redirect-${status}/final/wm`,
    }),
  ),
  {
    id: 'body-link',
    name: 'a <link> in the body, after other content',
    body: () => '<p>Some text.</p><link rel="webmention" href="/test/body-link/webmention">',
    expect: '/test/body-link/webmention',
  },
  {
    id: 'not-a-link',
    name: 'rel=webmention on an element that is not <link> or <a> is ignored',
    body: () =>
      '<b rel="webmention" href="/test/not-a-link/error">bold</b> <area rel="webmention" href="/test/not-a-link/error">' +
      '<abbr rel="webmention" href="/test/not-a-link/error">x</abbr> <a rel="webmention" href="/test/not-a-link/webmention">ok</a>',
    expect: '/test/not-a-link/webmention',
  },
  {
    id: 'script',
    name: 'markup inside <script>, <style>, <textarea> and <template> is not the document',
    body: () =>
      `<script>var x = '<a rel="webmention" href="/test/script/error">';</script>` +
      `<style>/* <link rel="webmention" href="/test/script/error"> */</style>` +
      `<textarea><link rel="webmention" href="/test/script/error"></textarea>` +
      `<template><link rel="webmention" href="/test/script/error"></template>` +
      `<a rel="webmention" href="/test/script/webmention">ok</a>`,
    expect: '/test/script/webmention',
  },
  {
    id: 'comments',
    name: 'comments that hold ">" and "-- >", one closed by "--!>", are comments to their real end',
    body: () =>
      '<!-- 1 > 0 <a rel="webmention" href="/test/comments/error">x</a> --><!---->' +
      '<!-- -- > still inside <link rel="webmention" href="/test/comments/error"> --!>' +
      '<a rel="webmention" href="/test/comments/webmention">ok</a>',
    expect: '/test/comments/webmention',
  },
  {
    id: 'casing',
    name: 'upper-case tag, attribute names and rel value, unquoted and single-quoted values',
    head: () => `<LINK REL=WebMention HREF='/test/casing/webmention'>`,
    expect: '/test/casing/webmention',
  },
  {
    id: 'entities',
    name: 'character references in the href are decoded, the query kept',
    head: () => '<link rel="webmention" href="/test/entities/webmention?a=1&amp;b=&#x32;">',
    expect: '/test/entities/webmention?a=1&b=2',
  },
  {
    id: 'plain-text',
    name: 'a document that is not HTML is not searched for markup',
    contentType: 'text/plain; charset=utf-8',
    body: () => '<link rel="webmention" href="/test/plain-text/error">',
    expect: null,
  },
  {
    id: 'json-with-header',
    name: 'a document that is not HTML still has its Link header',
    contentType: 'application/json',
    headers: () => [['Link', '</test/json-with-header/webmention>; rel="webmention"']],
    body: () => '{"note": "not html"}',
    expect: '/test/json-with-header/webmention',
  },
  {
    id: 'none',
    name: 'a page that advertises no endpoint',
    body: () => '<a href="/elsewhere" rel="me">me</a>',
    expect: null,
  },
];

/** A POST the loopback rocks server received. */
export interface ReceivedPost {
  path: string;
  contentType: string | undefined;
  body: string;
}

/** Starts the rocks server; `answer` chooses the status of endpoint POSTs (default 202). */
export async function startRocks(
  cases: RocksCase[] = [...ROCKS_CASES, ...EXTRA_CASES],
  answer: (req: http.IncomingMessage) => number = () => 202,
): Promise<RemoteSite & { posts: ReceivedPost[]; pageUrl: (c: RocksCase) => string }> {
  const posts: ReceivedPost[] = [];
  let base = '';
  const byPath = new Map(cases.map((c) => [`/test/${c.id}`, c]));
  const site = await startRemote((req, body, res) => {
    const path = req.url ?? '/';
    if (req.method === 'POST') {
      posts.push({ path, contentType: req.headers['content-type'], body });
      res.writeHead(answer(req), { 'Content-Type': 'text/plain' });
      return res.end('Accepted');
    }
    const redirected = /^(\/test\/[^/]+)\/final\/page$/.exec(path);
    const c = byPath.get(redirected ? redirected[1]! : path);
    if (!c) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('not found');
    }
    if (c.redirect && !redirected) {
      res.writeHead(c.redirect, { Location: `${path}/final/page` });
      return res.end();
    }
    const headers: http.OutgoingHttpHeaders = { 'Content-Type': c.contentType ?? 'text/html; charset=utf-8' };
    for (const [name, value] of c.headers?.(base) ?? []) headers[name] = value;
    res.writeHead(200, headers);
    if (c.contentType) return res.end(c.body?.(base) ?? '');
    res.end(
      `<!doctype html><html><head><meta charset="utf-8"><title>Discovery Test #${c.id}</title>` +
        `<link rel="stylesheet" href="/style.css">${c.head?.(base) ?? ''}</head>` +
        `<body><article class="h-entry"><h1 class="p-name">${c.name.replace(/</g, '&lt;')}</h1>` +
        `<div class="e-content">${c.body?.(base) ?? ''}</div></article></body></html>`,
    );
  });
  base = site.url;
  return Object.assign(site, { posts, pageUrl: (c: RocksCase) => `${site.url}test/${c.id}` });
}
