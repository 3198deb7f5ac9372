import { mf2 } from 'microformats-parser';

/** What the microformats parser yields: items and rels. */
export type ParsedMicroformats = ReturnType<typeof mf2>;

const NOTHING: ParsedMicroformats = { items: [], rels: {}, 'rel-urls': {} };

/**
 * Microformats and rels of an HTML page fetched from elsewhere, never throwing. The parser refuses
 * a page whose <body> holds no element (an empty page, or one that only has <link>s in its head,
 * which is how many IndieAuth pages look), so such a page is parsed again with an empty element
 * added after it (the HTML parser puts it in the body); anything else it chokes on reads as empty.
 */
export function parseMicroformats(html: string, baseUrl: string): ParsedMicroformats {
  try {
    return mf2(html, { baseUrl });
  } catch {
    try {
      return mf2(`${html}<i></i>`, { baseUrl });
    } catch {
      return NOTHING;
    }
  }
}
