import { raw } from 'hono/html';
import type { Note } from '../notes/types.js';
import { responseTitle } from '../reply-context/kinds.js';
import { AuthorData, authorCardOf } from './author.js';
import { Entry } from './entry.js';
import { Layout, type PageMeta, type PageSite, renderDocument, renderInLayout } from './layout.js';

/** What list pages need to link notes and tags. */
export interface ListLinks {
  note: (slug: string) => string;
  tag: (key: string) => string;
}

/** The link to the next page of a list, when there is one (the empty span keeps it on the right). */
function Pager(props: { older?: string; label?: string }) {
  return props.older ? (
    <nav class="pagination" aria-label="Pages">
      <span />
      <a href={props.older} rel="next">
        {props.label ?? 'Older notes →'}
      </a>
    </nav>
  ) : null;
}

/** One note as an entry of a list page (home, tag pages): HTML to reuse while the note is unchanged. */
export function renderListEntry(note: Note, links: ListLinks, responses?: string, timeZone?: string): string {
  return (
    <Entry
      timeZone={timeZone}
      note={note}
      url={links.note(note.slug)}
      tagUrl={links.tag}
      standalone={false}
      responses={responses}
    />
  ).toString();
}

/** The home page: an h-feed of notes with its author h-card; `entries` from renderListEntry. */
export function renderHomePage(p: {
  site: PageSite;
  entries: string[];
  older?: string;
  isFirst: boolean;
}): string {
  const author = authorCardOf(p.site);
  return renderInLayout(
    {
      title: p.isFirst ? p.site.name : `Older notes · ${p.site.name}`,
      site: p.site,
      canonical: p.isFirst ? p.site.url : undefined,
    },
    <>
      <div class="h-feed">
        <h1 class="p-name visually-hidden">{p.site.name}</h1>
        {/* The feed's author for microformats parsers only: hidden, and holding no link, so
            keyboard focus never lands on something invisible (WCAG 2.4.7). People see the
            author's card in the footer. */}
        <div class="p-author h-card" hidden>
          <AuthorData card={author} withName={true} />
        </div>
        {p.entries.length === 0 ? (
          <p class="notice">{p.isFirst ? 'Nothing published yet.' : 'No older notes.'}</p>
        ) : (
          raw(p.entries.join(''))
        )}
      </div>
      <Pager older={p.older} />
    </>,
  );
}

/** One note's page: an h-entry with its author. */
export function renderNotePage(p: {
  site: PageSite;
  note: Note;
  url: string;
  links: ListLinks;
  excerpt: string;
  /** The note's received responses (views/responses.tsx). */
  responses?: string;
  /** Link-preview meta (site/link-preview.ts); its title is the note's title. */
  meta?: PageMeta;
}): string {
  // An untitled like, bookmark, repost or reply is named after what it responds to.
  const title = p.note.name ?? responseTitle(p.note) ?? (p.excerpt || 'Note');
  return renderInLayout(
    {
      title: `${title} · ${p.site.name}`,
      site: p.site,
      canonical: p.url,
      description: p.excerpt,
      meta: p.meta && { ...p.meta, title },
    },
    <Entry
      note={p.note}
      url={p.url}
      tagUrl={p.links.tag}
      standalone={true}
      author={authorCardOf(p.site)}
      timeZone={p.site.timeZone}
      responses={p.responses}
    />,
  );
}

/** A tag's page: an h-feed of the notes carrying it; `entries` from renderListEntry. */
export function renderTagPage(p: {
  site: PageSite;
  tagName: string;
  entries: string[];
  older?: string;
}): string {
  return renderInLayout(
    { title: `#${p.tagName} · ${p.site.name}`, site: p.site },
    <>
      <div class="h-feed">
        <h1 class="p-name">Notes tagged “{p.tagName}”</h1>
        {p.entries.length === 0 ? <p class="notice">No notes with this tag.</p> : raw(p.entries.join(''))}
      </div>
      <Pager older={p.older} />
    </>,
  );
}

/** One search result as the page shows it; `excerptHtml` holds only escaped text and <mark>. */
export interface SearchResultView {
  url: string;
  title: string;
  excerptHtml: string;
  published: Date;
}

/** The search page: the form, then results or a friendly message. */
export function renderSearchPage(p: {
  site: PageSite;
  query: string;
  message?: string;
  results: SearchResultView[];
  total: number;
  next?: string;
}): string {
  return renderDocument(
    <Layout title={p.query ? `Search: ${p.query} · ${p.site.name}` : `Search · ${p.site.name}`} site={p.site}>
      <h1>Search</h1>
      <search>
        <form class="search-form" method="get" action="/search">
          <label class="visually-hidden" for="q">
            Search notes
          </label>
          <input
            id="q"
            name="q"
            type="search"
            value={p.query}
            maxlength={200}
            placeholder={'Words, a "phrase", or pre*'}
          />
          <button type="submit">Search</button>
        </form>
      </search>
      {p.message && (
        <p class="notice" role="status">
          {p.message}
        </p>
      )}
      {p.query && !p.message && (
        <p role="status">
          {p.total === 0
            ? 'No notes match.'
            : `${p.total} ${p.total === 1 ? 'note matches' : 'notes match'}.`}
        </p>
      )}
      {p.results.map((r) => (
        <article class="entry">
          <h2 class="entry-title">
            <a href={r.url}>{raw(r.title)}</a>
          </h2>
          <p>{raw(r.excerptHtml)}</p>
        </article>
      ))}
      <Pager older={p.next} label="More results →" />
    </Layout>,
  );
}
