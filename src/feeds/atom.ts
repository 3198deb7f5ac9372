import {
  absoluteUrl,
  cleanText,
  escapeXml,
  FEED_STYLESHEET_PI,
  formatRfc3339,
  GENERATOR,
  itemContentHtml,
  itemInReplyTo,
  itemSubjects,
  itemTags,
  itemTitle,
  photoLength,
  photoType,
  siteDescription,
  siteLanguage,
  siteTitle,
  THREAD_NS,
} from './common.js';
import type { FeedItem, FeedLinks, FeedSite } from './types.js';

function renderEntry(site: FeedSite, item: FeedItem): string {
  const url = escapeXml(absoluteUrl(item.url, site.url));
  const lines = [
    '  <entry>',
    `    <id>${url}</id>`,
    `    <title type="text">${escapeXml(itemTitle(item))}</title>`,
    `    <link rel="alternate" type="text/html" href="${url}"/>`,
    `    <published>${formatRfc3339(item.published)}</published>`,
    `    <updated>${formatRfc3339(item.updated ?? item.published)}</updated>`,
    `    <content type="html">${escapeXml(itemContentHtml(item, site.url))}</content>`,
  ];
  // RFC 4685 §3: `ref` is the identity of what is replied to, `href` where to read it; both the URL.
  for (const ref of itemInReplyTo(item)) {
    lines.push(`    <thr:in-reply-to ref="${escapeXml(ref)}" href="${escapeXml(ref)}"/>`);
  }
  // What a like, bookmark or repost is about (RFC 4287 §4.2.7.2 "related").
  for (const href of itemSubjects(item)) lines.push(`    <link rel="related" href="${escapeXml(href)}"/>`);
  for (const tag of itemTags(item)) lines.push(`    <category term="${escapeXml(tag)}"/>`);
  for (const photo of item.photos) {
    const attrs = [
      'rel="enclosure"',
      `type="${escapeXml(photoType(photo))}"`,
      `href="${escapeXml(absoluteUrl(photo.url, site.url))}"`,
    ];
    const length = photoLength(photo);
    if (length !== undefined) attrs.push(`length="${length}"`);
    const alt = cleanText(photo.alt).trim();
    if (alt !== '') attrs.push(`title="${escapeXml(alt)}"`);
    lines.push(`    <link ${attrs.join(' ')}/>`);
  }
  lines.push('  </entry>');
  return lines.join('\n');
}

/** Renders an Atom 1.0 (RFC 4287) document for the items, keeping their order (newest first). */
export function renderAtom(site: FeedSite, links: FeedLinks, items: FeedItem[], updated: Date): string {
  const description = cleanText(site.description).trim();
  // RFC 4287 §4.1.1: a feed needs an author unless every entry has one, so give one at feed level.
  const author = cleanText(site.author).trim() || siteTitle(site);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    FEED_STYLESHEET_PI,
    `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="${THREAD_NS}" xml:lang="${escapeXml(siteLanguage(site))}">`,
    `  <id>${escapeXml(absoluteUrl(site.url, site.url))}</id>`,
    `  <title type="text">${escapeXml(siteTitle(site))}</title>`,
    ...(description === '' ? [] : [`  <subtitle type="text">${escapeXml(siteDescription(site))}</subtitle>`]),
    `  <updated>${formatRfc3339(updated)}</updated>`,
    `  <author><name>${escapeXml(author)}</name></author>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(absoluteUrl(links.atom, site.url))}"/>`,
    `  <link rel="alternate" type="text/html" href="${escapeXml(absoluteUrl(links.html, site.url))}"/>`,
    ...(links.hub ? [`  <link rel="hub" href="${escapeXml(links.hub)}"/>`] : []),
    `  <generator>${GENERATOR}</generator>`,
    ...items.map((item) => renderEntry(site, item)),
    '</feed>',
    '',
  ];
  return lines.join('\n');
}
