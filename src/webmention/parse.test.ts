import { describe, expect, it } from 'vitest';
import {
  cleanText,
  linksIn,
  linksTo,
  normaliseUrl,
  parseMention,
  sanitizeContent,
  sourceFormat,
} from './parse.js';

const DOC = 'https://alice.example/posts/1';
const TARGET = 'https://site.example/notes/hello';

describe('normaliseUrl', () => {
  it('parses http(s) URLs, resolves relative ones and drops the fragment', () => {
    expect(normaliseUrl('HTTPS://Site.Example:443/notes/hello#c')).toBe(TARGET);
    expect(normaliseUrl('../x', DOC)).toBe('https://alice.example/x');
    expect(normaliseUrl('javascript:alert(1)')).toBeUndefined();
    expect(normaliseUrl('mailto:a@b.c')).toBeUndefined();
    expect(normaliseUrl('not a url')).toBeUndefined();
  });
});

describe('linksTo (§3.2.2): where a link to the target counts', () => {
  const html = (body: string) => `<!doctype html><html><head></head><body>${body}</body></html>`;
  it.each([
    ['<a href>', `<a href="${TARGET}">x</a>`],
    ['<a href> relative to the base', '<base href="https://site.example/notes/"><a href="hello">x</a>'],
    ['<img src>', `<img src="${TARGET}" alt="">`],
    ['<video src>', `<video src="${TARGET}"></video>`],
    ['<audio src>', `<audio controls src="${TARGET}"></audio>`],
    ['<video><source src>', `<video><source src="${TARGET}"></video>`],
    ['<a href> with a fragment', `<a href="${TARGET}#reply">x</a>`],
    ['<area href>', `<map name="m"><area href="${TARGET}" alt="x"></map>`],
  ])('accepts a target in %s', (_, body) => {
    expect(linksTo(html(body), 'html', DOC, TARGET)).toBe(true);
  });

  it.each([
    ['the URL as text only', `<p>${TARGET}</p>`],
    ['an <a> inside an HTML comment', `<!-- <a href="${TARGET}">x</a> -->`],
    ['an <a> inside a script', `<script>document.write('<a href="${TARGET}">x</a>')</script>`],
    [
      'an <a> inside a style or textarea',
      `<style>a[href="${TARGET}"]{}</style><textarea><a href="${TARGET}"></a></textarea>`,
    ],
    ['a <link> in the head', `<link rel="alternate" href="${TARGET}">`],
    ['a data attribute', `<div data-href="${TARGET}"></div>`],
    [
      'a similar but different URL',
      `<a href="${TARGET}-2">x</a><a href="https://site.example/notes/hello/">y</a>`,
    ],
    ['no link at all', '<p>Nothing here</p>'],
  ])('rejects %s', (_, body) => {
    expect(linksTo(html(body), 'html', DOC, TARGET)).toBe(false);
  });

  it('JSON: a string value equal to the target; text: the URL itself', () => {
    expect(linksTo(JSON.stringify({ a: [{ b: TARGET }] }), 'json', DOC, TARGET)).toBe(true);
    expect(linksTo(JSON.stringify({ a: `${TARGET}x` }), 'json', DOC, TARGET)).toBe(false);
    expect(linksTo(`I wrote about ${TARGET}.`, 'text', DOC, TARGET)).toBe(true);
    expect(linksTo(`See ${TARGET}-other`, 'text', DOC, TARGET)).toBe(false);
  });

  it('knows the formats it reads', () => {
    expect(sourceFormat('text/html; charset=utf-8')).toBe('html');
    expect(sourceFormat('application/xhtml+xml')).toBe('html');
    expect(sourceFormat('application/activity+json')).toBe('json');
    expect(sourceFormat('text/plain')).toBe('text');
    expect(sourceFormat('image/png')).toBeUndefined();
    expect(sourceFormat(null)).toBeUndefined();
  });

  it('reads a large document in linear time', () => {
    const big = html(`${'<p><a href="/x">x</a></p>'.repeat(40_000)}<a href="${TARGET}">t</a>`);
    const started = performance.now();
    expect(linksIn(big, DOC).has(TARGET)).toBe(true);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('sanitizeContent', () => {
  it('keeps text structure and links, with rel="nofollow ugc", and nothing that runs or loads', () => {
    const dirty = `<p onclick="x()">Hi <strong>there</strong> <a href="/p" class="c" target="_blank" rel="me">me</a>
<script>alert(1)</script><img src="https://t.example/pixel.gif" onerror="x()"><iframe src="https://evil.example"></iframe>
<a href="javascript:alert(1)">js</a><style>body{display:none}</style><svg><script>alert(2)</script></svg>
<form action="https://evil.example"><input name="p"></form><h1>Big</h1></p>`;
    const clean = sanitizeContent(dirty, DOC);
    expect(clean).toContain('<strong>there</strong>');
    expect(clean).toContain('<a href="https://alice.example/p" rel="nofollow ugc">me</a>');
    expect(clean).toContain('<a rel="nofollow ugc">js</a>');
    for (const bad of [
      '<script',
      'alert',
      'onclick',
      'onerror',
      '<img',
      '<iframe',
      '<style',
      '<svg',
      '<form',
      '<input',
      'class=',
      'target=',
      'javascript:',
      'rel="me"',
      '<h1',
    ])
      expect(clean).not.toContain(bad);
    expect(clean).toContain('Big');
  });

  it('cleans text: control characters out, white space collapsed, bounded', () => {
    expect(cleanText('a\u0000b\n\n c', 100)).toBe('ab c');
    expect(cleanText('x'.repeat(50), 10)).toHaveLength(10);
  });
});

describe('parseMention: microformats of the source', () => {
  const page = (entry: string, extra = '') => `<html><body>${extra}${entry}</body></html>`;

  it('a reply: author h-card (name, photo, url), published, content, in-reply-to', () => {
    const m = parseMention(
      page(`<article class="h-entry"><a class="u-url" href="/posts/1">#</a>
        <div class="p-author h-card"><a class="p-name u-url" href="https://alice.example/">Alice</a><img class="u-photo" src="/me.jpg" alt=""></div>
        <a class="u-in-reply-to" href="${TARGET}">re</a>
        <time class="dt-published" datetime="2026-11-27 10:00:00+0100">then</time>
        <div class="e-content"><p>Nice <em>post</em></p><script>alert(1)</script></div></article>`),
      DOC,
      DOC,
      TARGET,
    );
    expect(m).toMatchObject({
      kind: 'reply',
      url: DOC,
      author_name: 'Alice',
      author_url: 'https://alice.example/',
      author_photo: 'https://alice.example/me.jpg',
      published_at: '2026-11-27T09:00:00.000Z',
      content_html: '<p>Nice <em>post</em></p>',
      content_text: 'Nice post',
    });
    expect(JSON.parse(m.in_reply_to)).toEqual([TARGET]);
  });

  it.each([
    ['u-like-of', 'like'],
    ['u-repost-of', 'repost'],
    ['u-bookmark-of', 'bookmark'],
    ['u-mention-of', 'mention'],
    ['u-url', 'mention'],
  ])('%s of the target is a %s', (cls, kind) => {
    const m = parseMention(
      page(`<div class="h-entry"><a class="${cls}" href="${TARGET}">t</a></div>`),
      DOC,
      DOC,
      TARGET,
    );
    expect(m.kind).toBe(kind);
  });

  it('an in-reply-to given as an h-cite, and an RSVP', () => {
    const m = parseMention(
      page(`<div class="h-entry"><div class="u-in-reply-to h-cite"><a class="u-url" href="${TARGET}">t</a></div>
        <data class="p-rsvp" value="YES">going</data></div>`),
      DOC,
      DOC,
      TARGET,
    );
    expect(m).toMatchObject({ kind: 'rsvp', rsvp: 'yes' });
  });

  it('a like of another page that mentions the target is a mention, not a like', () => {
    const m = parseMention(
      page(
        `<div class="h-entry"><a class="u-like-of" href="https://other.example/">o</a> <a href="${TARGET}">t</a></div>`,
      ),
      DOC,
      DOC,
      TARGET,
    );
    expect(m.kind).toBe('mention');
  });

  it('an author given as a URL is matched to the page h-card; without any, the first h-card', () => {
    const card =
      '<div class="h-card"><a class="p-name u-url" href="https://alice.example/">Alice Card</a></div>';
    const byUrl = parseMention(
      page(
        `<div class="h-entry"><a class="u-author" href="https://alice.example/">me</a><a class="u-in-reply-to" href="${TARGET}">t</a></div>`,
        card,
      ),
      DOC,
      DOC,
      TARGET,
    );
    expect(byUrl.author_name).toBe('Alice Card');
    const fallback = parseMention(
      page(`<div class="h-entry"><a class="u-in-reply-to" href="${TARGET}">t</a></div>`, card),
      DOC,
      DOC,
      TARGET,
    );
    expect(fallback.author_name).toBe('Alice Card');
  });

  it('prefers the h-entry whose url is the source in a feed of several', () => {
    const m = parseMention(
      page(`<div class="h-feed">
        <div class="h-entry"><a class="u-url" href="/posts/0">0</a><a class="u-like-of" href="${TARGET}">t</a></div>
        <div class="h-entry"><a class="u-url" href="/posts/1">1</a><a class="u-repost-of" href="${TARGET}">t</a></div></div>`),
      DOC,
      DOC,
      TARGET,
    );
    expect(m.kind).toBe('repost');
  });

  it('keeps the source as the URL when the entry claims a URL on another site', () => {
    const m = parseMention(
      page(
        `<div class="h-entry"><a class="u-url" href="https://bank.example/">x</a><a class="u-in-reply-to" href="${TARGET}">t</a></div>`,
      ),
      DOC,
      DOC,
      TARGET,
    );
    expect(m.url).toBe(DOC);
  });

  it('a page without microformats is a plain mention; a relative <base> does not break parsing', () => {
    expect(parseMention(page(`<a href="${TARGET}">t</a>`), DOC, DOC, TARGET)).toMatchObject({
      kind: 'mention',
      author_name: null,
      content_html: null,
    });
    const m = parseMention(
      `<html><head><base href="/notes/"></head><body><div class="h-entry"><a class="u-like-of" href="${TARGET}">t</a></div></body></html>`,
      DOC,
      DOC,
      TARGET,
    );
    expect(m.kind).toBe('like');
  });

  it('bounds what it keeps: long names, long content, non-http photos', () => {
    const m = parseMention(
      page(`<div class="h-entry"><div class="p-author h-card"><span class="p-name">${'N'.repeat(500)}</span>
        <img class="u-photo" src="javascript:alert(1)" alt=""></div><a class="u-in-reply-to" href="${TARGET}">t</a>
        <div class="e-content">${'<p>long text</p>'.repeat(5000)}</div></div>`),
      DOC,
      DOC,
      TARGET,
    );
    expect(m.author_name!.length).toBeLessThanOrEqual(100);
    expect(m.author_photo).toBeNull();
    expect(m.content_html).toBeNull();
    expect(m.content_text!.length).toBeLessThanOrEqual(2000);
  });
});
