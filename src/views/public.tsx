import { raw } from 'hono/html';
import { responseTitle } from '../notes/response-kinds.js';
import type { Note } from '../notes/types.js';
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

// Where a list page's entries and pager go, in its frame (site data holds no NUL characters).
const ENTRIES_SLOT = '\u0000starpunk-entries\u0000';
const PAGER_SLOT = '\u0000starpunk-pager\u0000';

/** A list page as bytes around its entries and its pager. */
type ListFrame = readonly [Buffer, Buffer, Buffer];

// Frames per site facts (a new object per version) and page kind; bounded (tag names vary).
const listFrames = new WeakMap<PageSite, Map<string, ListFrame>>();

/**
 * The bytes of a list page before its entries, between them and its pager, and after: the page
 * rendered once with markers where those go, then split. A page is then one copy of these and of
 * its entries' bytes (cached per note revision), with no markup rendered or text encoded per request.
 */
function listFrame(
  site: PageSite,
  kind: string,
  render: (entries: string, pager: string) => string,
): ListFrame {
  let bySite = listFrames.get(site);
  if (!bySite) {
    bySite = new Map();
    listFrames.set(site, bySite);
  }
  let frame = bySite.get(kind);
  if (!frame) {
    const whole = render(ENTRIES_SLOT, PAGER_SLOT);
    const at = whole.indexOf(ENTRIES_SLOT);
    const pagerAt = whole.indexOf(PAGER_SLOT, at);
    frame = [
      Buffer.from(whole.slice(0, at)),
      Buffer.from(whole.slice(at + ENTRIES_SLOT.length, pagerAt)),
      Buffer.from(whole.slice(pagerAt + PAGER_SLOT.length)),
    ];
    if (bySite.size >= 512) bySite.clear();
    bySite.set(kind, frame);
  }
  return frame;
}

/** A list page's bytes: its frame around its entries (or a notice when there are none) and pager. */
function listPage(
  frame: ListFrame,
  entries: readonly Uint8Array[],
  notice: string,
  older?: string,
): Buffer<ArrayBuffer> {
  const pager = older ? String(<Pager older={older} />) : '';
  return Buffer.concat([
    frame[0],
    ...(entries.length === 0 ? [Buffer.from(String(<p class="notice">{notice}</p>))] : entries),
    frame[1],
    Buffer.from(pager),
    frame[2],
  ]);
}

/** The home page's markup, with its entries' and pager's HTML as given. */
function homePageHtml(site: PageSite, isFirst: boolean, entries: string, pager: string): string {
  const author = authorCardOf(site);
  return renderInLayout(
    {
      title: isFirst ? site.name : `Older notes · ${site.name}`,
      site,
      canonical: isFirst ? site.url : undefined,
    },
    <>
      <div class="h-feed">
        <h1 class="p-name visually-hidden">{site.name}</h1>
        {/* The site's description (settings), where a new reader looks first: the home page. */}
        {isFirst && site.description !== '' && <p class="p-summary site-description">{site.description}</p>}
        {/* The feed's author for microformats parsers only: hidden, and holding no link, so
            keyboard focus never lands on something invisible (WCAG 2.4.7). People see the
            author's card in the footer. */}
        <div class="p-author h-card" hidden>
          <AuthorData card={author} withName={true} />
        </div>
        {raw(entries)}
      </div>
      {raw(pager)}
    </>,
  );
}

/**
 * The home page: an h-feed of notes with its author h-card, as bytes; `entries` are the UTF-8 of
 * renderListEntry's HTML.
 */
export function renderHomePage(p: {
  site: PageSite;
  entries: readonly Uint8Array[];
  older?: string;
  isFirst: boolean;
}): Buffer<ArrayBuffer> {
  const frame = listFrame(p.site, p.isFirst ? 'home' : 'home:older', (entries, pager) =>
    homePageHtml(p.site, p.isFirst, entries, pager),
  );
  return listPage(frame, p.entries, p.isFirst ? 'Nothing published yet.' : 'No older notes.', p.older);
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
      editUrl={`/admin/edit/${p.note.id}`}
    />,
  );
}

/** A tag's page: an h-feed of the notes carrying it, as bytes; `entries` as for renderHomePage. */
export function renderTagPage(p: {
  site: PageSite;
  tagName: string;
  entries: readonly Uint8Array[];
  older?: string;
}): Buffer<ArrayBuffer> {
  const frame = listFrame(p.site, `tag:${p.tagName}`, (entries, pager) =>
    renderInLayout(
      { title: `#${p.tagName} · ${p.site.name}`, site: p.site },
      <>
        <div class="h-feed">
          <h1 class="p-name">Notes tagged “{p.tagName}”</h1>
          {raw(entries)}
        </div>
        {raw(pager)}
      </>,
    ),
  );
  return listPage(frame, p.entries, 'No notes with this tag.', p.older);
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

/** One tag of the tag index. */
export interface TagIndexEntry {
  name: string;
  href: string;
  count: number;
}

/** The tag index (/tags): every tag public notes carry, by name, with how many notes carry it. */
export function renderTagsIndex(p: {
  site: PageSite;
  url: string;
  tags: TagIndexEntry[];
  /** Total tags over all pages. */
  total: number;
  older?: string;
  newer?: string;
}): string {
  return renderInLayout(
    { title: `Tags · ${p.site.name}`, site: p.site, canonical: p.url },
    <>
      <h1>Tags</h1>
      {p.tags.length === 0 ? (
        <p class="notice">No tags yet.</p>
      ) : (
        <>
          <p>
            {p.total} {p.total === 1 ? 'tag' : 'tags'}, with the number of notes carrying each.
          </p>
          <ul class="tag-index">
            {p.tags.map((t) => (
              <li>
                <a href={t.href}>{t.name}</a> <span class="count">{t.count}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <BothWays newer={p.newer} older={p.older} newerLabel="← Previous tags" olderLabel="More tags →" />
    </>,
  );
}

/** Links to the previous and next page of a list that pages both ways. */
function BothWays(p: { newer?: string; older?: string; newerLabel: string; olderLabel: string }) {
  if (!p.newer && !p.older) return null;
  return (
    <nav class="pagination" aria-label="Pages">
      {p.newer ? (
        <a href={p.newer} rel="prev">
          {p.newerLabel}
        </a>
      ) : (
        <span />
      )}
      {p.older ? (
        <a href={p.older} rel="next">
          {p.olderLabel}
        </a>
      ) : (
        <span />
      )}
    </nav>
  );
}

/** One month of the archive index. */
export interface ArchiveMonthEntry {
  year: number;
  /** The month's name ("March"). */
  label: string;
  href: string;
  count: number;
}

/** The archive (/archive): the months with notes, by year, newest first. */
export function renderArchiveIndex(p: { site: PageSite; url: string; months: ArchiveMonthEntry[] }): string {
  const years = [...new Set(p.months.map((m) => m.year))];
  return renderInLayout(
    { title: `Archive · ${p.site.name}`, site: p.site, canonical: p.url },
    <>
      <h1>Archive</h1>
      {years.length === 0 ? (
        <p class="notice">Nothing published yet.</p>
      ) : (
        years.map((y) => (
          <section class="archive-year" aria-labelledby={`y${y}`}>
            <h2 id={`y${y}`}>{y}</h2>
            <ul class="archive-months">
              {p.months
                .filter((m) => m.year === y)
                .map((m) => (
                  <li>
                    <a href={m.href}>{m.label}</a>{' '}
                    <span class="count">
                      {m.count} {m.count === 1 ? 'note' : 'notes'}
                    </span>
                  </li>
                ))}
            </ul>
          </section>
        ))
      )}
    </>,
  );
}

/** A month of the archive: an h-feed of its notes, newest first, as bytes; `entries` as for renderHomePage. */
export function renderArchiveMonth(p: {
  site: PageSite;
  /** "March 2026". */
  title: string;
  url: string;
  entries: readonly Uint8Array[];
  older?: string;
}): Buffer<ArrayBuffer> {
  const frame = listFrame(p.site, `archive:${p.title}`, (entries, pager) =>
    renderInLayout(
      { title: `${p.title} · ${p.site.name}`, site: p.site, canonical: p.url },
      <>
        <div class="h-feed">
          <h1 class="p-name">{p.title}</h1>
          <p class="archive-up">
            <a href="/archive">All months</a>
          </p>
          {raw(entries)}
        </div>
        {raw(pager)}
      </>,
    ),
  );
  return listPage(frame, p.entries, 'No notes this month.', p.older);
}
