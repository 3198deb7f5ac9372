import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { FeedItem, FeedLinks, FeedSite } from './index.js';
import { FEED_CONTENT_TYPES, renderAtom, renderJsonFeed, renderOpml, renderRss } from './index.js';

const SITE: FeedSite = {
  url: 'https://example.com/',
  name: 'Example Notes',
  author: 'Ada Lovelace',
  description: 'Short notes on engines.',
};

const LINKS: FeedLinks = {
  rss: 'https://example.com/feed.xml',
  atom: 'https://example.com/feed.atom',
  json: 'https://example.com/feed.json',
  html: 'https://example.com/',
};

const BUILT = new Date('2026-11-27T19:03:39.456Z');

const RFC_822 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/;
const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
// Anything outside XML 1.0 §2.2 Char (lone surrogates included, thanks to the `u` flag).
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point.
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/u;

function makeItem(slug: string, overrides: Partial<FeedItem> = {}): FeedItem {
  return {
    url: `https://example.com/notes/${slug}`,
    name: null,
    contentHtml: `<p>Body of ${slug}</p>`,
    textForTitle: `Body of ${slug}`,
    published: new Date('2026-11-20T08:00:00Z'),
    updated: null,
    tags: [],
    photos: [],
    ...overrides,
  };
}

/** Five notes, newest first, as the note service hands them over. */
function newestFirst(): FeedItem[] {
  return [5, 4, 3, 2, 1].map((day) =>
    makeItem(`day-${day}`, { published: new Date(Date.UTC(2026, 10, day, 12, day, day)) }),
  );
}

// What a reader gets out of any of the three formats, so shared cases can compare like with like.
interface ReadMedia {
  url: string;
  type: string;
  length: number | undefined;
  title: string | undefined;
}
interface ReadItem {
  id: string;
  url: string;
  title: string | undefined;
  content: string;
  published: string;
  tags: string[];
  media: ReadMedia[];
}
interface ReadFeed {
  title: string;
  home: string;
  self: string;
  items: ReadItem[];
}

interface Format {
  name: 'rss' | 'atom' | 'json';
  render(site: FeedSite, items: FeedItem[]): string;
  read(out: string): ReadFeed;
  parseDate(value: string): Date;
  /** JSON Feed leaves untitled notes without a title; XML formats need one. */
  titlesUntitled: boolean;
  /** RSS allows one enclosure per item. */
  allPhotos: boolean;
}

const ARRAY_TAGS = new Set(['item', 'entry', 'category', 'enclosure', 'outline', 'atom:link']);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  // RSS has one <link> per channel and item; Atom has several per feed and entry.
  isArray: (name, jPath) => ARRAY_TAGS.has(name) || (name === 'link' && String(jPath).startsWith('feed.')),
});

type Node = Record<string, unknown>;

function parseXml(xml: string): Node {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml) as Node;
}

function text(node: unknown): string {
  if (typeof node === 'string') return node;
  if (node !== null && typeof node === 'object' && '#text' in node) return String(node['#text']);
  if (node !== null && typeof node === 'object') return '';
  throw new Error(`no text in ${JSON.stringify(node)}`);
}

function attr(node: unknown, name: string): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const value = (node as Node)[`@_${name}`];
  return value === undefined ? undefined : String(value);
}

function list(value: unknown): Node[] {
  return (value ?? []) as Node[];
}

function num(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

function readRss(xml: string): ReadFeed {
  const channel = (parseXml(xml).rss as Node).channel as Node;
  const self = list(channel['atom:link']).find((l) => attr(l, 'rel') === 'self');
  return {
    title: text(channel.title),
    home: text(channel.link),
    self: attr(self, 'href') ?? '',
    items: list(channel.item).map((item) => ({
      id: text(item.guid),
      url: text(item.link),
      title: item.title === undefined ? undefined : text(item.title),
      content: text(item.description),
      published: text(item.pubDate),
      tags: list(item.category).map(text),
      media: list(item.enclosure).map((e) => ({
        url: attr(e, 'url') ?? '',
        type: attr(e, 'type') ?? '',
        length: num(attr(e, 'length')),
        title: undefined,
      })),
    })),
  };
}

function readAtom(xml: string): ReadFeed {
  const feed = parseXml(xml).feed as Node;
  const link = (links: Node[], rel: string) => links.find((l) => attr(l, 'rel') === rel);
  return {
    title: text(feed.title),
    home: attr(link(list(feed.link), 'alternate'), 'href') ?? '',
    self: attr(link(list(feed.link), 'self'), 'href') ?? '',
    items: list(feed.entry).map((entry) => ({
      id: text(entry.id),
      url: attr(link(list(entry.link), 'alternate'), 'href') ?? '',
      title: entry.title === undefined ? undefined : text(entry.title),
      content: text(entry.content),
      published: text(entry.published),
      tags: list(entry.category).map((c) => attr(c, 'term') ?? ''),
      media: list(entry.link)
        .filter((l) => attr(l, 'rel') === 'enclosure')
        .map((l) => ({
          url: attr(l, 'href') ?? '',
          type: attr(l, 'type') ?? '',
          length: num(attr(l, 'length')),
          title: attr(l, 'title'),
        })),
    })),
  };
}

interface JsonAttachment {
  url: string;
  mime_type: string;
  size_in_bytes?: number;
  title?: string;
}
interface JsonItem {
  id: string;
  url: string;
  title?: string;
  content_html: string;
  date_published: string;
  date_modified?: string;
  tags?: string[];
  image?: string;
  attachments?: JsonAttachment[];
}
interface JsonFeed {
  version: string;
  title: string;
  home_page_url: string;
  feed_url: string;
  description?: string;
  language?: string;
  authors?: { name: string }[];
  items: JsonItem[];
}

function readJson(json: string): ReadFeed {
  const feed = JSON.parse(json) as JsonFeed;
  return {
    title: feed.title,
    home: feed.home_page_url,
    self: feed.feed_url,
    items: feed.items.map((item) => ({
      id: item.id,
      url: item.url,
      title: item.title,
      content: item.content_html,
      published: item.date_published,
      tags: item.tags ?? [],
      media: (item.attachments ?? []).map((a) => ({
        url: a.url,
        type: a.mime_type,
        length: a.size_in_bytes,
        title: a.title,
      })),
    })),
  };
}

const FORMATS: Format[] = [
  {
    name: 'rss',
    render: (site, items) => renderRss(site, LINKS, items, BUILT),
    read: readRss,
    parseDate: (value) => new Date(value),
    titlesUntitled: true,
    allPhotos: false,
  },
  {
    name: 'atom',
    render: (site, items) => renderAtom(site, LINKS, items, BUILT),
    read: readAtom,
    parseDate: (value) => new Date(value),
    titlesUntitled: true,
    allPhotos: true,
  },
  {
    name: 'json',
    render: (site, items) => renderJsonFeed(site, LINKS, items),
    read: readJson,
    parseDate: (value) => new Date(value),
    titlesUntitled: false,
    allPhotos: true,
  },
];

const SELF: Record<Format['name'], string> = { rss: LINKS.rss, atom: LINKS.atom, json: LINKS.json };

describe.each(FORMATS)('$name feed (shared cases)', (format) => {
  it('keeps the items newest first, in the order given', () => {
    const items = newestFirst();
    const feed = format.read(format.render(SITE, items));
    expect(feed.items.map((i) => i.id)).toEqual(items.map((i) => i.url));
    expect(feed.items[0]?.id).toBe('https://example.com/notes/day-5');
    const times = feed.items.map((i) => format.parseDate(i.published).getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(times).size).toBe(times.length);
  });

  it('does not reorder or change the array it is given', () => {
    const items = newestFirst();
    const before = items.map((i) => i.url);
    format.render(SITE, items);
    expect(items.map((i) => i.url)).toEqual(before);
  });

  it('writes each published date to the second, in UTC', () => {
    const published = new Date('2026-11-27T19:03:39.999Z');
    const [read] = format.read(format.render(SITE, [makeItem('a', { published })])).items;
    expect(format.parseDate(read?.published ?? '').toISOString()).toBe('2026-11-27T19:03:39.000Z');
  });

  it('uses the note name as its title', () => {
    const [read] = format.read(format.render(SITE, [makeItem('a', { name: 'On Engines' })])).items;
    expect(read?.title).toBe('On Engines');
  });

  it('builds a title of at most 80 characters, cut at a word, for an untitled note', () => {
    // 73 characters; with the next word it would pass the 79 left beside the ellipsis.
    const words = 'The analytical engine weaves algebraic patterns just as the Jacquard loom';
    const textForTitle = `${words} weaves flowers and leaves, and it might act upon other things besides number.`;
    const [read] = format.read(format.render(SITE, [makeItem('a', { textForTitle })])).items;
    if (!format.titlesUntitled) {
      expect(read?.title).toBeUndefined();
      return;
    }
    const title = read?.title ?? '';
    expect(Array.from(title).length).toBeLessThanOrEqual(80);
    expect(title.endsWith('…')).toBe(true);
    const head = title.slice(0, -1);
    expect(textForTitle.startsWith(head)).toBe(true);
    // Cut at a word boundary: the next character of the text is a space.
    expect(textForTitle[head.length]).toBe(' ');
    expect(head).toBe(words);
  });

  it('uses a short untitled text whole, and the date when there is no text at all', () => {
    const items = [
      makeItem('short', { textForTitle: '  Just   a thought  ' }),
      makeItem('photo-only', { textForTitle: ' \n ', published: new Date('2026-11-03T23:59:59Z') }),
      makeItem('blank-name', { name: '   ', textForTitle: 'Named blank' }),
    ];
    const feed = format.read(format.render(SITE, items));
    const titles = feed.items.map((i) => i.title);
    if (format.titlesUntitled) {
      expect(titles).toEqual(['Just a thought', 'Note of 2026-11-03', 'Named blank']);
    } else {
      expect(titles).toEqual([undefined, undefined, undefined]);
    }
  });

  it('writes each tag as a category, and none for an untagged note', () => {
    const items = [makeItem('a', { tags: ['engines', 'Ada Lovelace', ''] }), makeItem('b')];
    const feed = format.read(format.render(SITE, items));
    expect(feed.items[0]?.tags).toEqual(['engines', 'Ada Lovelace']);
    expect(feed.items[1]?.tags).toEqual([]);
  });

  it('writes photos as enclosures with their type and length', () => {
    const photos = [
      { url: 'https://example.com/media/a.webp', alt: 'First', type: 'image/webp', length: 1234 },
      { url: 'https://example.com/media/b.PNG?v=2', alt: '' },
      { url: 'https://example.com/media/c', alt: 'No extension' },
    ];
    const feed = format.read(format.render(SITE, [makeItem('a', { photos }), makeItem('b')]));
    const media = feed.items[0]?.media ?? [];
    expect(media[0]).toMatchObject({ url: photos[0]?.url, type: 'image/webp', length: 1234 });
    if (format.allPhotos) {
      expect(media).toHaveLength(3);
      expect(media[1]).toMatchObject({ url: photos[1]?.url, type: 'image/png', length: undefined });
      expect(media[2]).toMatchObject({ url: photos[2]?.url, type: 'image/jpeg', length: undefined });
    } else {
      expect(media).toHaveLength(1);
    }
    expect(feed.items[1]?.media).toEqual([]);
  });

  it('escapes hostile text so it reads back exactly', () => {
    const hostile = `</title><script>alert("x")</script> & 'quotes' ]]> <![CDATA[ x ]]>`;
    const site = { ...SITE, name: `Ada's </title><script>`, description: 'a ]]> b & c' };
    const item = makeItem('a', {
      name: hostile,
      contentHtml: `<p>${hostile}</p><pre>]]&gt;]]></pre>`,
      tags: [`<b>"&'</b>`],
      photos: [{ url: 'https://example.com/media/a.jpg?x=1&y="2"', alt: `"alt" <&>` }],
    });
    const out = format.render(site, [item]);
    const feed = format.read(out);
    expect(feed.title).toBe(site.name);
    const [read] = feed.items;
    expect(read?.title).toBe(hostile);
    // The text as given, then the photo (feeds show photos in the content too).
    expect(read?.content).toBe(
      `${item.contentHtml}<p><img src="https://example.com/media/a.jpg?x=1&amp;y=%222%22" alt="&quot;alt&quot; &lt;&amp;&gt;" /></p>`,
    );
    expect(read?.tags).toEqual([`<b>"&'</b>`]);
    expect(read?.media[0]?.url).toBe('https://example.com/media/a.jpg?x=1&y=%222%22');
    if (format.name !== 'json') {
      expect(out).not.toContain('<script>');
      expect(out).not.toContain(']]>');
    }
  });

  it('names what a response responds to, escaped, and never links anything but http(s)', () => {
    const words = { label: 'Bookmarked', title: 'Bookmarked' } as const;
    const item = makeItem('a', {
      responses: [
        // Not a web page: left out entirely.
        {
          kind: 'like-of',
          url: 'javascript:alert(1)',
          label: 'Liked',
          title: 'Liked',
          name: 'x',
          authorName: null,
          authorUrl: null,
        },
        {
          kind: 'bookmark-of',
          url: 'https://x.example/a?b=1&c=2',
          ...words,
          name: '</title><script>"&',
          authorName: 'Eve <e>',
          authorUrl: 'javascript:alert(1)',
        },
      ],
    });
    const [read] = format.read(format.render(SITE, [item])).items;
    expect(read?.title).toBe('Bookmarked </title><script>"&');
    expect(read?.content).toBe(
      '<p>Bookmarked <a href="https://x.example/a?b=1&amp;c=2">&lt;/title&gt;&lt;script&gt;&quot;&amp;</a> by Eve &lt;e&gt;</p><p>Body of a</p>',
    );
    // Untitled pages are named by their address, without the scheme.
    const bare = makeItem('b', {
      textForTitle: '',
      contentHtml: '',
      responses: [{ ...item.responses![1]!, name: null }],
    });
    const [plain] = format.read(format.render(SITE, [bare])).items;
    expect(plain?.title).toBe('Bookmarked x.example/a?b=1&c=2');
    expect(plain?.content).toBe(
      '<p>Bookmarked <a href="https://x.example/a?b=1&amp;c=2">https://x.example/a?b=1&amp;c=2</a></p>',
    );
  });

  it('strips characters that XML 1.0 forbids from every value', () => {
    const dirty = 'a\u0000b\u0008c\u000Bd\u001Fe\uFFFEf\uFFFFg\uD800h\uDC00i';
    const site = { ...SITE, name: `Site${dirty}`, author: `Me${dirty}`, description: `D${dirty}` };
    const item = makeItem('a', {
      name: `T${dirty}`,
      contentHtml: `<p>${dirty}\t\n\r😀</p>`,
      tags: [`t${dirty}`],
      photos: [{ url: 'https://example.com/media/a.jpg', alt: `A${dirty}` }],
    });
    const out = format.render(site, [item, makeItem('b', { textForTitle: `x${dirty}` })]);
    expect(out).not.toMatch(XML_ILLEGAL);
    const feed = format.read(out);
    expect(feed.title).toBe('Siteabcdefghi');
    expect(feed.items[0]?.title).toBe('Tabcdefghi');
    expect(feed.items[0]?.content).toContain('abcdefghi');
    expect(feed.items[0]?.content).toContain('😀');
    expect(feed.items[0]?.tags).toEqual(['tabcdefghi']);
    if (format.titlesUntitled) expect(feed.items[1]?.title).toBe('xabcdefghi');
  });

  it('makes every URL in the content absolute, resolved against the note itself', () => {
    const contentHtml =
      '<p>A claim<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>, ' +
      '<a href="/notes/other">another note</a>, <a href="../up?a=1&amp;b=2">up</a>, ' +
      '<a href="https://elsewhere.example/x">out</a>, <a href="mailto:ada@example.com">mail</a>.</p>' +
      '<p><img src="/media/2026/11/a.jpg" alt="" srcset="/media/2026/11/a_thumb.jpg 400w, /media/2026/11/a.jpg 1600w" /></p>' +
      '<blockquote cite="/notes/quoted"><p>q</p></blockquote>' +
      '<p>Text that says href="/not/a/link" stays text.</p>' +
      '<section class="footnotes"><ol class="footnotes-list"><li id="fn1" class="footnote-item"><p>Source ' +
      '<a href="#fnref1" class="footnote-backref">↩︎</a></p></li></ol></section>';
    const [read] = format.read(format.render(SITE, [makeItem('a', { contentHtml })])).items;
    const content = read?.content ?? '';
    const tags = [...content.matchAll(/<[a-z][^<>]*>/g)].map((m) => m[0]).join('');
    const urls = [...tags.matchAll(/\s(?:href|src|cite)="([^"]*)"/g)].map((m) => m[1]);
    expect(urls).toEqual([
      'https://example.com/notes/a#fn1',
      'https://example.com/notes/other',
      'https://example.com/up?a=1&amp;b=2',
      'https://elsewhere.example/x',
      'mailto:ada@example.com',
      'https://example.com/media/2026/11/a.jpg',
      'https://example.com/notes/quoted',
      'https://example.com/notes/a#fnref1',
    ]);
    expect(content).toContain(
      'srcset="https://example.com/media/2026/11/a_thumb.jpg 400w, https://example.com/media/2026/11/a.jpg 1600w"',
    );
    expect(content).toContain('Text that says href="/not/a/link" stays text.');
  });

  it('shows the photos in the content too, the smaller copy with its size when there is one', () => {
    const photos = [
      {
        url: '/media/2026/11/p.jpg',
        alt: 'A loom',
        length: 5000,
        width: 2560,
        height: 1920,
        display: { url: '/media/2026/11/p_medium.jpg', width: 1280, height: 960 },
      },
      { url: 'https://photos.example/q.png', alt: '' },
      // Already in the text: not shown twice.
      { url: 'https://example.com/media/2026/11/r.jpg', alt: 'R' },
    ];
    const contentHtml = '<p>Look <img src="/media/2026/11/r.jpg" alt="R" /></p>';
    const [read] = format.read(format.render(SITE, [makeItem('a', { contentHtml, photos })])).items;
    expect(read?.content).toBe(
      '<p>Look <img src="https://example.com/media/2026/11/r.jpg" alt="R" /></p>' +
        '<p><img src="https://example.com/media/2026/11/p_medium.jpg" alt="A loom" width="1280" height="960" /></p>' +
        '<p><img src="https://photos.example/q.png" alt="" /></p>',
    );
    // The enclosures still name the files themselves.
    expect(read?.media[0]?.url).toBe('https://example.com/media/2026/11/p.jpg');
  });

  it('writes only absolute links, resolving any relative one against the site', () => {
    const items = [
      makeItem('a', { photos: [{ url: '/media/rel.gif', alt: '' }] }),
      makeItem('b', { url: 'notes/b' }),
    ];
    const feed = format.read(format.render(SITE, items));
    expect(feed.home).toBe(LINKS.html);
    for (const item of feed.items) {
      expect(item.id).toMatch(/^https:\/\/example\.com\//);
      expect(item.url).toBe(item.id);
      for (const m of item.media) expect(m.url).toMatch(/^https:\/\/example\.com\//);
    }
    expect(feed.items[0]?.media[0]).toMatchObject({
      url: 'https://example.com/media/rel.gif',
      type: 'image/gif',
    });
    expect(feed.items[1]?.id).toBe('https://example.com/notes/b');
  });

  it('points its self link at its own URL', () => {
    expect(format.read(format.render(SITE, [])).self).toBe(SELF[format.name]);
  });

  it('is still a valid feed with no items', () => {
    const feed = format.read(format.render(SITE, []));
    expect(feed.items).toEqual([]);
    expect(feed.title).toBe('Example Notes');
  });
});

describe('RSS 2.0', () => {
  const render = (items: FeedItem[], site: FeedSite = SITE) => renderRss(site, LINKS, items, BUILT);
  const channelOf = (xml: string) => (parseXml(xml).rss as Node).channel as Node;

  it('starts with the XML declaration and the rss element with the Atom namespace', () => {
    const xml = render([]);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    const rss = parseXml(xml).rss as Node;
    expect(attr(rss, 'version')).toBe('2.0');
    expect(attr(rss, 'xmlns:atom')).toBe('http://www.w3.org/2005/Atom');
  });

  it('has the required channel elements plus language, lastBuildDate, generator and self link', () => {
    const channel = channelOf(render(newestFirst()));
    expect(text(channel.title)).toBe('Example Notes');
    expect(text(channel.link)).toBe(LINKS.html);
    expect(text(channel.description)).toBe('Short notes on engines.');
    expect(text(channel.language)).toBe('en');
    expect(text(channel.lastBuildDate)).toBe('Fri, 27 Nov 2026 19:03:39 +0000');
    expect(text(channel.generator)).toBe('StarPunk');
    const [self] = list(channel['atom:link']);
    expect(attr(self, 'rel')).toBe('self');
    expect(attr(self, 'type')).toBe('application/rss+xml');
  });

  it('falls back to "Notes from <name>" for an empty description and honours the language', () => {
    const channel = channelOf(render([], { ...SITE, description: '  ', language: 'de' }));
    expect(text(channel.description)).toBe('Notes from Example Notes');
    expect(text(channel.language)).toBe('de');
  });

  it('writes RFC 822 dates with a four-digit year and +0000', () => {
    const items = [
      makeItem('a', { published: new Date('2026-01-05T03:04:05Z') }),
      makeItem('b', { published: new Date('0099-12-31T23:59:59Z') }),
    ];
    const channel = channelOf(render(items));
    const dates = [text(channel.lastBuildDate), ...list(channel.item).map((i) => text(i.pubDate))];
    for (const d of dates) expect(d).toMatch(RFC_822);
    expect(dates.slice(1)).toEqual(['Mon, 05 Jan 2026 03:04:05 +0000', 'Thu, 31 Dec 0099 23:59:59 +0000']);
  });

  it('gives every item a title, link, permalink guid, pubDate and description', () => {
    for (const item of list(channelOf(render(newestFirst())).item)) {
      expect(text(item.title)).not.toBe('');
      expect(attr(item.guid, 'isPermaLink')).toBe('true');
      expect(text(item.guid)).toBe(text(item.link));
      expect(text(item.pubDate)).toMatch(RFC_822);
      expect(text(item.description)).toMatch(/^<p>Body of day-\d<\/p>$/);
    }
  });

  it('writes no author element and a length of 0 for an enclosure of unknown size', () => {
    const xml = render([makeItem('a', { photos: [{ url: 'https://example.com/m/a.avif', alt: '' }] })]);
    expect(xml).not.toContain('<author');
    const [enclosure] = list(list(channelOf(xml).item)[0]?.enclosure);
    expect(attr(enclosure, 'length')).toBe('0');
    expect(attr(enclosure, 'type')).toBe('image/avif');
  });
});

describe('Atom 1.0', () => {
  const render = (items: FeedItem[], site: FeedSite = SITE) => renderAtom(site, LINKS, items, BUILT);
  const feedOf = (xml: string) => parseXml(xml).feed as Node;

  it('has the required feed elements: id, title, updated, author, self and alternate links', () => {
    const xml = render(newestFirst());
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    const feed = feedOf(xml);
    expect(attr(feed, 'xmlns')).toBe('http://www.w3.org/2005/Atom');
    expect(text(feed.id)).toBe(SITE.url);
    expect(text(feed.title)).toBe('Example Notes');
    expect(text(feed.subtitle)).toBe('Short notes on engines.');
    expect(text(feed.updated)).toBe('2026-11-27T19:03:39Z');
    expect(text((feed.author as Node).name)).toBe('Ada Lovelace');
    expect(text(feed.generator)).toBe('StarPunk');
    const links = list(feed.link);
    expect(links.find((l) => attr(l, 'rel') === 'self')).toMatchObject({
      '@_href': LINKS.atom,
      '@_type': 'application/atom+xml',
    });
    expect(links.find((l) => attr(l, 'rel') === 'alternate')).toMatchObject({ '@_href': LINKS.html });
  });

  it('names the site as author when there is none and leaves out an empty subtitle', () => {
    const feed = feedOf(render([], { ...SITE, author: '', description: '' }));
    expect(text((feed.author as Node).name)).toBe('Example Notes');
    expect(feed.subtitle).toBeUndefined();
  });

  it('writes RFC 3339 dates, with updated falling back to published', () => {
    const items = [
      makeItem('edited', {
        published: new Date('2026-11-02T10:00:00Z'),
        updated: new Date('2026-11-04T11:12:13.5Z'),
      }),
      makeItem('plain', { published: new Date('2026-11-01T09:00:00Z') }),
    ];
    const [edited, plain] = list(feedOf(render(items)).entry);
    for (const entry of [edited, plain]) {
      expect(text(entry?.published)).toMatch(RFC_3339);
      expect(text(entry?.updated)).toMatch(RFC_3339);
    }
    expect(text(edited?.updated)).toBe('2026-11-04T11:12:13Z');
    expect(text(plain?.updated)).toBe('2026-11-01T09:00:00Z');
  });

  it('gives every entry an id, a non-empty title, updated and html content', () => {
    const items = [...newestFirst(), makeItem('empty', { textForTitle: '' })];
    for (const entry of list(feedOf(render(items)).entry)) {
      expect(text(entry.id)).toMatch(/^https:\/\/example\.com\/notes\//);
      expect(text(entry.title)).not.toBe('');
      expect(text(entry.updated)).toMatch(RFC_3339);
      expect(attr(entry.content, 'type')).toBe('html');
    }
  });

  it('writes a photo alt text as the enclosure title', () => {
    const photos = [{ url: 'https://example.com/m/a.jpg', alt: 'A loom', length: 10 }];
    const [entry] = list(feedOf(render([makeItem('a', { photos })])).entry);
    const enclosure = list(entry?.link).find((l) => attr(l, 'rel') === 'enclosure');
    expect(enclosure).toMatchObject({ '@_title': 'A loom', '@_length': '10', '@_type': 'image/jpeg' });
  });
});

describe('JSON Feed 1.1', () => {
  const render = (items: FeedItem[], site: FeedSite = SITE) =>
    JSON.parse(renderJsonFeed(site, LINKS, items)) as JsonFeed;

  it('has the 1.1 version URL, title, links, description, language and authors', () => {
    const feed = render([]);
    expect(feed).toEqual({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'Example Notes',
      home_page_url: LINKS.html,
      feed_url: LINKS.json,
      description: 'Short notes on engines.',
      language: 'en',
      authors: [{ name: 'Ada Lovelace' }],
      items: [],
    });
  });

  it('leaves out description and authors when the site has none', () => {
    const feed = render([], { ...SITE, author: '', description: '', language: 'fr' });
    expect(feed).not.toHaveProperty('description');
    expect(feed).not.toHaveProperty('authors');
    expect(feed.language).toBe('fr');
  });

  it('gives every item a string id and RFC 3339 dates, with date_modified only when edited', () => {
    const items = [
      makeItem('edited', { updated: new Date('2026-11-21T00:00:00Z'), name: 'Edited' }),
      makeItem('plain'),
    ];
    const [edited, plain] = render(items).items;
    for (const item of [edited, plain]) {
      expect(typeof item?.id).toBe('string');
      expect(item?.date_published).toMatch(RFC_3339);
    }
    expect(edited?.date_modified).toBe('2026-11-21T00:00:00Z');
    expect(plain).not.toHaveProperty('date_modified');
    expect(plain).not.toHaveProperty('title');
    expect(plain).not.toHaveProperty('tags');
    expect(plain).not.toHaveProperty('image');
    expect(plain).not.toHaveProperty('attachments');
  });

  it('uses the first photo as the item image and lists every photo as an attachment', () => {
    const photos = [
      { url: 'https://example.com/m/a.png', alt: 'A', length: 5 },
      { url: 'https://example.com/m/b.jpeg', alt: '' },
    ];
    const [item] = render([makeItem('a', { photos })]).items;
    expect(item?.image).toBe('https://example.com/m/a.png');
    expect(item?.attachments).toEqual([
      { url: 'https://example.com/m/a.png', mime_type: 'image/png', size_in_bytes: 5, title: 'A' },
      { url: 'https://example.com/m/b.jpeg', mime_type: 'image/jpeg' },
    ]);
  });
});

describe('OPML 2.0', () => {
  it('lists the RSS feed with its title, date and owner', () => {
    const xml = renderOpml(SITE, LINKS, BUILT);
    const opml = parseXml(xml).opml as Node;
    expect(attr(opml, 'version')).toBe('2.0');
    const head = opml.head as Node;
    expect(text(head.title)).toBe('Example Notes');
    expect(text(head.dateCreated)).toMatch(RFC_822);
    expect(text(head.ownerName)).toBe('Ada Lovelace');
    const outlines = list((opml.body as Node).outline);
    expect(outlines).toHaveLength(1);
    expect(outlines[0]).toMatchObject({
      '@_type': 'rss',
      '@_text': 'Example Notes',
      '@_title': 'Example Notes',
      '@_xmlUrl': LINKS.rss,
      '@_htmlUrl': LINKS.html,
    });
  });

  it('escapes the site name and leaves out an empty owner', () => {
    const xml = renderOpml({ ...SITE, name: `A "b" & <c>\u0001`, author: '' }, LINKS, BUILT);
    expect(xml).not.toMatch(XML_ILLEGAL);
    const opml = parseXml(xml).opml as Node;
    expect((opml.head as Node).ownerName).toBeUndefined();
    expect(list((opml.body as Node).outline)[0]).toMatchObject({ '@_text': 'A "b" & <c>' });
  });
});

describe('feed plumbing', () => {
  it('names a content type for each format', () => {
    expect(FEED_CONTENT_TYPES).toEqual({
      rss: 'application/rss+xml; charset=utf-8',
      atom: 'application/atom+xml; charset=utf-8',
      json: 'application/feed+json; charset=utf-8',
      opml: 'text/x-opml; charset=utf-8',
    });
  });

  it('uses an XML validator that does reject broken XML', () => {
    expect(XMLValidator.validate('<a><b></a>')).not.toBe(true);
    expect(XMLValidator.validate('<a>x & y</a>')).not.toBe(true);
  });
});
