import type { Citation, Mf2Properties, Note } from './types.js';

/** The four ways a note can respond to another page, with the words each is shown with. */
export const RESPONSE_KINDS = [
  { property: 'in-reply-to', cls: 'u-in-reply-to', label: 'In reply to', title: 'Reply to', noun: 'Reply' },
  { property: 'like-of', cls: 'u-like-of', label: 'Liked', title: 'Liked', noun: 'Like' },
  { property: 'repost-of', cls: 'u-repost-of', label: 'Reposted', title: 'Reposted', noun: 'Repost' },
  {
    property: 'bookmark-of',
    cls: 'u-bookmark-of',
    label: 'Bookmarked',
    title: 'Bookmarked',
    noun: 'Bookmark',
  },
] as const;

/** The mf2 property of a response kind (Micropub and microformats spelling). */
export type ResponseProperty = (typeof RESPONSE_KINDS)[number]['property'];

/** True when `name` is one of the response properties. */
export function isResponseProperty(name: string): name is ResponseProperty {
  return RESPONSE_KINDS.some((k) => k.property === name);
}

const HTTP = /^https?:\/\//i;

/** The first http(s) URL among a property's values: a URL, or an h-cite's value or url. */
export function firstUrl(values: unknown[] | undefined): string | undefined {
  for (const v of values ?? []) {
    if (typeof v === 'string' && HTTP.test(v)) return v;
    if (v && typeof v === 'object') {
      const o = v as { value?: unknown; properties?: { url?: unknown[] } };
      if (typeof o.value === 'string' && HTTP.test(o.value)) return o.value;
      const u = o.properties?.url?.[0];
      if (typeof u === 'string' && HTTP.test(u)) return u;
    }
  }
  return undefined;
}

function firstText(values: unknown[] | undefined): string | undefined {
  const v = values?.[0];
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as { value?: unknown; properties?: { name?: unknown[] } };
    if (typeof o.value === 'string') return o.value;
    const name = o.properties?.name?.[0];
    if (typeof name === 'string') return name;
  }
  return undefined;
}

/** What a client sent about the page itself, when it sent an h-cite rather than a bare URL. */
function citationFromValue(url: string, values: unknown[] | undefined): Citation | undefined {
  const v = values?.[0];
  if (!v || typeof v !== 'object') return undefined;
  const props = (v as { properties?: Mf2Properties }).properties;
  const name = firstText(props?.name);
  if (!name) return undefined;
  const author = props?.author?.[0];
  let authorName: string | null = null;
  let authorUrl: string | null = null;
  if (typeof author === 'string') {
    if (HTTP.test(author)) authorUrl = author;
    authorName = author;
  } else if (author && typeof author === 'object') {
    const ap = (author as { properties?: Mf2Properties }).properties;
    authorName = firstText(ap?.name) ?? null;
    const u = ap?.url?.[0];
    authorUrl = typeof u === 'string' && HTTP.test(u) ? u : null;
  }
  return { url, name, authorName: authorName ?? (authorUrl ? authorUrl : null), authorUrl };
}

/** One thing a note responds to: its kind, the URL, and what is known about that page. */
export interface NoteResponse {
  kind: (typeof RESPONSE_KINDS)[number];
  url: string;
  /** Title and author of the page, when fetched (or sent by the client); else the URL is all. */
  citation?: Citation;
}

/** What a note responds to, one per kind that it has (first URL of each), in display order. */
export function responsesOf(note: Pick<Note, 'properties' | 'citations'>): NoteResponse[] {
  const out: NoteResponse[] = [];
  for (const kind of RESPONSE_KINDS) {
    const values = note.properties[kind.property];
    const url = firstUrl(values);
    if (!url) continue;
    const fetched = note.citations?.find((c) => c.url === url);
    const citation = fetched ?? citationFromValue(url, values);
    out.push(citation ? { kind, url, citation } : { kind, url });
  }
  return out;
}

/** The URLs a published note responds to, to fetch their context (first URL of each kind). */
export function responseUrls(properties: Mf2Properties): string[] {
  const urls: string[] = [];
  for (const kind of RESPONSE_KINDS) {
    const url = firstUrl(properties[kind.property]);
    if (url && !urls.includes(url)) urls.push(url);
  }
  return urls;
}

/**
 * The title of an untitled like, bookmark, repost or reply: "Liked <title of the page or its
 * URL>"; undefined for a note that responds to nothing.
 */
export function responseTitle(note: Pick<Note, 'properties' | 'citations'>): string | undefined {
  const first = responsesOf(note)[0];
  if (!first) return undefined;
  return `${first.kind.title} ${first.citation?.name ?? first.url}`;
}
