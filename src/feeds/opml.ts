import { absoluteUrl, cleanText, escapeXml, formatRfc822, siteTitle } from './common.js';
import type { FeedLinks, FeedSite } from './types.js';

/** Renders an OPML 2.0 subscription list holding the site's RSS feed. */
export function renderOpml(site: FeedSite, links: FeedLinks, updated: Date): string {
  const title = escapeXml(siteTitle(site));
  const author = cleanText(site.author).trim();
  const outline = [
    'type="rss"',
    'version="RSS2"',
    `text="${title}"`,
    `title="${title}"`,
    `xmlUrl="${escapeXml(absoluteUrl(links.rss, site.url))}"`,
    `htmlUrl="${escapeXml(absoluteUrl(links.html, site.url))}"`,
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<opml version="2.0">',
    '  <head>',
    `    <title>${title}</title>`,
    `    <dateCreated>${formatRfc822(updated)}</dateCreated>`,
    ...(author === '' ? [] : [`    <ownerName>${escapeXml(author)}</ownerName>`]),
    '  </head>',
    '  <body>',
    `    <outline ${outline.join(' ')}/>`,
    '  </body>',
    '</opml>',
    '',
  ];
  return lines.join('\n');
}
