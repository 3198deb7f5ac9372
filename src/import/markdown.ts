/**
 * HTML → Markdown for every import source, with turndown (a maintained converter) and its GFM
 * plugin (tables, strikethrough, task lists): one converter, so a post reads the same whichever
 * platform it came from. What the Markdown renders to is sanitised again when the note is written.
 */
import { createRequire } from 'node:module';
import TurndownService from 'turndown';

// The GFM plugin ships CommonJS without types.
type Plugin = (service: TurndownService) => void;
const require = createRequire(import.meta.url);
const gfm = (require('turndown-plugin-gfm') as { gfm: Plugin }).gfm;

let service: TurndownService | undefined;

function converter(): TurndownService {
  if (service) return service;
  const s = new TurndownService({
    headingStyle: 'atx',
    codeBlockStyle: 'fenced',
    bulletListMarker: '-',
    emDelimiter: '_',
    hr: '---',
  });
  s.use(gfm);
  // Text that looks like a tag (`<b>` written as text in a post about HTML) stays text: our
  // renderer reads raw HTML in Markdown, so turndown's escaping alone would make it markup.
  const turndownEscape = s.escape.bind(s);
  s.escape = (text: string) => turndownEscape(text).replace(/<(?=[A-Za-z/!?])/g, '\\<');
  // markdown-it (our renderer) reads two tildes as strikethrough; the plugin writes one.
  s.addRule('strikethrough', {
    filter: (node) => ['DEL', 'S', 'STRIKE'].includes(node.nodeName),
    replacement: (content) => `~~${content}~~`,
  });
  // Nothing of these is text a reader should see.
  s.remove(['script', 'style', 'noscript', 'template']);
  // An embedded frame (a video player) becomes a link to what it showed.
  s.addRule('iframe', {
    filter: 'iframe',
    replacement: (_content, node) => {
      const src = (node as unknown as { getAttribute(n: string): string | null }).getAttribute('src');
      return src && /^https?:\/\//i.test(src) ? `\n\n<${src}>\n\n` : '';
    },
  });
  service = s;
  return s;
}

/** The Markdown a fragment of HTML reads as. */
export function htmlToMarkdown(html: string): string {
  if (html.trim() === '') return '';
  return converter()
    .turndown(html)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
