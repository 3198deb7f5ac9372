/**
 * Reads a WordPress eXtended RSS file (WXR 1.0, 1.1, 1.2, as wp-admin/includes/export.php writes
 * it) as a stream of plain records, one per `<item>`, with saxes: the file is never held whole.
 * Element names are read by namespace, not by the prefix the file happens to use, and the
 * namespace URI's version and scheme vary (http://wordpress.org/export/1.0/ …
 * https://wordpress.org/export/1.2/). Text and CDATA read alike.
 */
import { createReadStream } from 'node:fs';
import { SaxesParser } from 'saxes';
import { ImportSourceError } from '../contract.js';

/** A `<category>` of an item: its taxonomy (`domain`), slug (`nicename`) and name. */
export interface WxrTerm {
  domain: string;
  nicename: string;
  name: string;
}

/** A `<wp:comment>`: its fields by name without the prefix (`comment_id`, `comment_content`…). */
export type WxrComment = Record<string, string>;

/** One `<item>` as read: its simple fields by qualified name (`wp:post_id`), its terms, meta and comments. */
export interface WxrRecord {
  fields: Record<string, string>;
  terms: WxrTerm[];
  meta: Record<string, string>;
  comments: WxrComment[];
  /** Where it starts in the file. */
  line: number;
  column: number;
}

/** What the channel says about the site. */
export interface WxrChannel {
  /** `wp:wxr_version` (1.0, 1.1, 1.2), when present. */
  version?: string;
  link?: string;
  baseBlogUrl?: string;
  baseSiteUrl?: string;
  title?: string;
}

const CANONICAL: [RegExp, string][] = [
  [/^https?:\/\/wordpress\.org\/export\/\d+\.\d+\/excerpt\/?$/, 'excerpt'],
  [/^https?:\/\/wordpress\.org\/export\/\d+\.\d+\/?$/, 'wp'],
  [/^http:\/\/purl\.org\/rss\/1\.0\/modules\/content\/?$/, 'content'],
  [/^http:\/\/purl\.org\/dc\/elements\/1\.1\/?$/, 'dc'],
];

/**
 * Streams the records of a WXR file to `onItem` (awaited between chunks of the file, so a slow
 * consumer slows the reading) and returns the channel's facts. Throws ImportSourceError naming the
 * line and column of malformed XML.
 */
export async function* readWxr(path: string, channel: WxrChannel = {}): AsyncGenerator<WxrRecord> {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const prefixes = new Map<string, string>();
  const stack: string[] = [];
  let sawRss = false;
  let item: WxrRecord | undefined;
  let comment: WxrComment | undefined;
  let metaKey: string | undefined;
  let metaValue: string | undefined;
  let term: { domain: string; nicename: string } | undefined;
  let text = '';
  const ready: WxrRecord[] = [];
  let failure: ImportSourceError | undefined;

  const qualify = (name: string): string => {
    const i = name.indexOf(':');
    if (i < 0) return name;
    const prefix = name.slice(0, i);
    return `${prefixes.get(prefix) ?? prefix}:${name.slice(i + 1)}`;
  };

  parser.on('error', (err) => {
    // saxes puts the place first; it is said once, by ImportSourceError.
    const bare = err.message.replace(/^[^:]*:\d+:\d+: /, '');
    failure ??= new ImportSourceError(path, { line: parser.line, column: parser.column }, bare);
  });
  parser.on('opentag', (tag) => {
    if (stack.length === 0) {
      for (const [k, v] of Object.entries(tag.attributes)) {
        if (!k.startsWith('xmlns:')) continue;
        const canonical = CANONICAL.find(([re]) => re.test(String(v)))?.[1];
        if (canonical) prefixes.set(k.slice(6), canonical);
      }
      if (tag.name !== 'rss') {
        failure ??= new ImportSourceError(
          path,
          { line: parser.line, column: parser.column },
          `not a WordPress export: the document is <${tag.name}>, not <rss>`,
        );
      }
      sawRss = true;
    }
    const name = qualify(tag.name);
    stack.push(name);
    text = '';
    const depth = stack.length;
    if (name === 'item' && depth === 3) {
      item = { fields: {}, terms: [], meta: {}, comments: [], line: parser.line, column: parser.column };
    } else if (item && depth === 4 && name === 'wp:comment') {
      comment = {};
    } else if (item && depth === 4 && name === 'wp:postmeta') {
      metaKey = undefined;
      metaValue = undefined;
    } else if (item && depth === 4 && name === 'category') {
      const a = tag.attributes as Record<string, string>;
      term = { domain: a.domain ?? 'category', nicename: a.nicename ?? '' };
    }
  });
  const addText = (t: string) => {
    // Only leaves within an item or the channel's own fields are kept: bounded by one item.
    if (item || stack.length === 3) text += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', () => {
    const name = stack.pop() ?? '';
    const depth = stack.length + 1;
    if (!item) {
      if (depth === 3 && stack[1] === 'channel') {
        const v = text.trim();
        if (name === 'wp:wxr_version') channel.version = v;
        else if (name === 'link') channel.link = v;
        else if (name === 'wp:base_blog_url') channel.baseBlogUrl = v;
        else if (name === 'wp:base_site_url') channel.baseSiteUrl = v;
        else if (name === 'title') channel.title = v;
      }
      text = '';
      return;
    }
    if (depth === 3 && name === 'item') {
      ready.push(item);
      item = undefined;
    } else if (depth === 4) {
      if (name === 'wp:comment' && comment) {
        item.comments.push(comment);
        comment = undefined;
      } else if (name === 'wp:postmeta') {
        if (metaKey !== undefined) item.meta[metaKey] = metaValue ?? '';
      } else if (name === 'category' && term) {
        item.terms.push({ ...term, name: text.trim() });
        term = undefined;
      } else {
        item.fields[name] = text;
      }
    } else if (depth === 5) {
      if (comment && name.startsWith('wp:')) comment[name.slice(3)] = text;
      else if (stack[3] === 'wp:postmeta') {
        if (name === 'wp:meta_key') metaKey = text.trim();
        else if (name === 'wp:meta_value') metaValue = text;
      }
    }
    text = '';
  });

  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of stream) {
      parser.write(chunk as string);
      if (failure) throw failure;
      while (ready.length > 0) yield ready.shift()!;
    }
    parser.close();
    if (failure) throw failure;
    if (!sawRss) throw new ImportSourceError(path, undefined, 'the file is empty or holds no XML document');
    while (ready.length > 0) yield ready.shift()!;
  } finally {
    stream.destroy();
  }
}
