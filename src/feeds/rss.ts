import {
  absoluteUrl,
  escapeXml,
  FEED_STYLESHEET_PI,
  formatRfc822,
  GENERATOR,
  itemContentHtml,
  itemInReplyTo,
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

function renderItem(site: FeedSite, item: FeedItem): string {
  const url = absoluteUrl(item.url, site.url);
  const lines = [
    '    <item>',
    `      <title>${escapeXml(itemTitle(item))}</title>`,
    `      <link>${escapeXml(url)}</link>`,
    `      <guid isPermaLink="true">${escapeXml(url)}</guid>`,
    `      <pubDate>${formatRfc822(item.published)}</pubDate>`,
    // Escaped text rather than CDATA: no `]]>` splitting to get wrong.
    `      <description>${escapeXml(itemContentHtml(item, site.url))}</description>`,
  ];
  for (const tag of itemTags(item)) lines.push(`      <category>${escapeXml(tag)}</category>`);
  // RSS 2.0 has no element for a reply; the thread extension (RFC 4685) is read in RSS as in Atom.
  for (const ref of itemInReplyTo(item)) {
    lines.push(`      <thr:in-reply-to ref="${escapeXml(ref)}" href="${escapeXml(ref)}"/>`);
  }
  // RSS 2.0 allows one enclosure per item, and the validator requires url, length and type.
  const photo = item.photos[0];
  if (photo !== undefined) {
    const href = escapeXml(absoluteUrl(photo.url, site.url));
    const length = photoLength(photo) ?? 0;
    lines.push(`      <enclosure url="${href}" length="${length}" type="${escapeXml(photoType(photo))}"/>`);
  }
  lines.push('    </item>');
  return lines.join('\n');
}

/** Renders an RSS 2.0 document for the items, keeping their order (newest first). */
export function renderRss(site: FeedSite, links: FeedLinks, items: FeedItem[], updated: Date): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    FEED_STYLESHEET_PI,
    `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:thr="${THREAD_NS}">`,
    '  <channel>',
    `    <title>${escapeXml(siteTitle(site))}</title>`,
    `    <link>${escapeXml(absoluteUrl(links.html, site.url))}</link>`,
    `    <description>${escapeXml(siteDescription(site))}</description>`,
    `    <language>${escapeXml(siteLanguage(site))}</language>`,
    `    <lastBuildDate>${formatRfc822(updated)}</lastBuildDate>`,
    `    <generator>${GENERATOR}</generator>`,
    `    <atom:link href="${escapeXml(absoluteUrl(links.rss, site.url))}" rel="self" type="application/rss+xml"/>`,
    ...(links.hub ? [`    <atom:link href="${escapeXml(links.hub)}" rel="hub"/>`] : []),
    ...items.map((item) => renderItem(site, item)),
    '  </channel>',
    '</rss>',
    '',
  ];
  return lines.join('\n');
}
