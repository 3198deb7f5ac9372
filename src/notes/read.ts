/**
 * The reading side of the note service: notes as pages and lists show them, the public timeline's
 * keys and state, tags, search. Nothing here writes a note; the one write it makes is caching the
 * HTML it had to render again (see `present`). The writing side (write.ts) reuses `present` and
 * `withSource` so a note comes back from a write exactly as a read would show it.
 */
import type { Clock } from '../clock.js';
import { changeToken as createChangeToken } from '../db/change-token.js';
import type { Db } from '../db/open.js';
import type { FormerAddressesStore } from '../db/store/former-addresses.js';
import type { FormerSlugsStore } from '../db/store/former-slugs.js';
import type { AdminFilter, NoteKeyRow, NoteRow, NotesStore, TimelineCursor } from '../db/store/notes.js';
import { type ReplyContextRow, replyContextsStore } from '../db/store/reply-contexts.js';
import type { SearchStore } from '../db/store/search.js';
import { siteStateStore } from '../db/store/site-state.js';
import { syndicationUrlsOf, syndicationUrlsOfMany } from '../db/store/syndication.js';
import type { TagsStore } from '../db/store/tags.js';
import { parseDbTime, toDbTime } from '../lib/db-time.js';
import { noteFileExists, readNoteFile } from '../lib/files.js';
import { tagSlug } from '../lib/tags.js';
import { monthOf, monthStart, monthsBetween, nextMonth, type YearMonth } from '../lib/zoned-months.js';
import { storedLine } from './clean.js';
import { hasStaleRel, renderKey, renderStoredMarkdown } from './markdown.js';
import { responseUrls } from './response-kinds.js';
import { createSearchRanking } from './search-ranking.js';
import type { Citation, Mf2Properties, Note, NoteKey, Photo, Visibility } from './types.js';

/** The visibilities a note may have; anything else stored reads as public. */
export const VISIBILITIES: readonly Visibility[] = ['public', 'unlisted', 'private'];

/**
 * What decides every public list right now: the note change counter and when the next scheduled
 * note goes live. Immutable; one object per state, so caches key on its identity. Both fields
 * move on hidden notes too: they key in-process memos and must never reach a response (public
 * validators come from the visible notes themselves).
 */
export interface TimelineState {
  readonly generation: number;
  readonly nextScheduled: string | null;
}

/** A note together with its Markdown source. */
export type NoteWithSource = Note & { content: string };

/** The prepared statements both sides of the note service share: built once per connection. */
export interface NoteStores {
  notes: NotesStore;
  tags: TagsStore;
  search: SearchStore;
  formerSlugs: FormerSlugsStore;
  formerAddresses: FormerAddressesStore;
}

/** What the reading side needs. */
export interface NoteReadingDeps {
  db: Db;
  notesPath: string;
  clock: Clock;
}

function photosFromProperties(props: Mf2Properties): Photo[] {
  const out: Photo[] = [];
  for (const v of props.photo ?? []) {
    if (typeof v === 'string') out.push({ url: v, alt: '' });
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const url = typeof o.value === 'string' ? o.value : typeof o.url === 'string' ? o.url : undefined;
      if (url) out.push({ url, alt: typeof o.alt === 'string' ? o.alt : '' });
    }
  }
  return out;
}

function parseProperties(text: string): Mf2Properties {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Mf2Properties) : {};
  } catch {
    return {};
  }
}

/** What presentMany looks up for a page of notes at once, by note id (contexts by URL). */
interface PageLookups {
  properties: Map<number, Mf2Properties>;
  copies: Map<number, string[]>;
  contexts: Map<string, ReplyContextRow>;
}

/**
 * The reading side: `reader` is its part of the NoteService interface; `present`, `withSource`
 * and `missingFiles` are for the writing side, which returns notes as reads show them and takes a
 * note off the missing list when it writes its file.
 */
export function createNoteReading(deps: NoteReadingDeps, stores: NoteStores) {
  const { db, notesPath, clock } = deps;
  const { notes, tags, search, formerSlugs, formerAddresses } = stores;
  const siteState = siteStateStore(db);
  const changeToken = createChangeToken(db);
  const contexts = replyContextsStore(db);
  const copyUrls = syndicationUrlsOf(db);
  const copyUrlsOfMany = syndicationUrlsOfMany(db);
  // Rankings are kept per timeline state: the reader's own, defined below.
  const ranked = createSearchRanking(search, () => reader.timelineState());
  let timeline:
    | { token: string; computedAt: number; expiresAt: number | null; state: TimelineState }
    | undefined;

  // Notes whose Markdown file was found missing (at start, or when a page needed it).
  const missingFiles = new Set<number>();

  /**
   * What is known of the pages a note responds to (reply context), when anything is; from
   * `known` (a page's contexts, looked up at once) when given.
   */
  function citationsFor(properties: Mf2Properties, known?: Map<string, ReplyContextRow>): Citation[] {
    const out: Citation[] = [];
    for (const url of responseUrls(properties)) {
      const row = known ? known.get(url) : contexts.findContext(url);
      if (row?.status === 'ok')
        out.push({ url, name: row.name, authorName: row.author_name, authorUrl: row.author_url });
    }
    return out;
  }

  /** Turns a row into a Note; renders and caches HTML when the cache is stale. */
  /**
   * Turns a row into a Note; renders and caches HTML when the cache is stale. `shared` carries
   * what presentMany looked up for a whole page at once (else each is a query of its own).
   */
  function present(
    row: NoteRow,
    tagRows?: { name: string; display_name: string }[],
    shared?: PageLookups,
  ): Note {
    let html: string = row.content_html ?? '';
    let fileMissing = false;
    // HTML rendered by an earlier version (another RENDER_VERSION), or carrying rels note content
    // may no longer carry, is stale too.
    if (row.content_html === null || row.html_hash !== renderKey(row.content_hash) || hasStaleRel(html)) {
      const bytes = readNoteFile(notesPath, row.file_path);
      html = bytes ? renderStoredMarkdown(bytes.toString('utf8')) : '';
      if (bytes && row.content_hash) notes.updateHtml(row.id, html, renderKey(row.content_hash));
      fileMissing = bytes === undefined;
      if (fileMissing) missingFiles.add(row.id);
      else missingFiles.delete(row.id);
    }
    const properties = shared?.properties.get(row.id) ?? parseProperties(row.properties);
    // Copies posted elsewhere (POSSE) are syndication URLs of the note, like ones a client sent.
    const copies = (shared ? (shared.copies.get(row.id) ?? []) : copyUrls(row.id)).filter(
      (u) => !(properties.syndication ?? []).includes(u),
    );
    if (copies.length > 0) properties.syndication = [...(properties.syndication ?? []), ...copies];
    const citations = citationsFor(properties, shared?.contexts);
    const created = parseDbTime(row.created_at);
    return {
      id: row.id,
      slug: row.slug,
      filePath: row.file_path,
      name: row.name === null ? null : storedLine(row.name),
      contentHtml: html,
      contentHash: row.content_hash ?? '',
      published: row.published === 1,
      visibility: (VISIBILITIES as readonly string[]).includes(row.visibility)
        ? (row.visibility as Visibility)
        : 'public',
      publishedAt: row.published_at ? parseDbTime(row.published_at) : created,
      createdAt: created,
      updatedAt: row.edited_at ? parseDbTime(row.edited_at) : null,
      deletedAt: row.deleted_at ? parseDbTime(row.deleted_at) : null,
      tags: (tagRows ?? []).map((t) => ({ name: storedLine(t.display_name), key: t.name })),
      photos: photosFromProperties(properties),
      properties,
      revision: row.revision,
      ...(citations.length > 0 ? { citations } : {}),
      ...(fileMissing ? { fileMissing } : {}),
    };
  }

  /** Notes from rows: tags, syndicated copies and reply contexts in one query each for them all. */
  function presentMany(rows: NoteRow[]): Note[] {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const tagMap = tags.listForNotes(ids);
    const properties = new Map(rows.map((r) => [r.id, parseProperties(r.properties)]));
    const urls = new Set<string>();
    for (const p of properties.values()) for (const url of responseUrls(p)) urls.add(url);
    const shared: PageLookups = {
      properties,
      copies: copyUrlsOfMany(ids),
      contexts: contexts.findContexts([...urls]),
    };
    return rows.map((r) => present(r, tagMap.get(r.id), shared));
  }

  function toKey(row: NoteKeyRow): NoteKey {
    const publishedAt = parseDbTime(row.published_at);
    const editedAt = row.edited_at ? parseDbTime(row.edited_at).getTime() : 0;
    return {
      id: row.id,
      publishedAt,
      revision: row.revision,
      changedAt: new Date(Math.max(publishedAt.getTime(), editedAt)),
    };
  }

  function withSource(note: Note): NoteWithSource {
    const bytes = readNoteFile(notesPath, note.filePath);
    return { ...note, content: bytes ? bytes.toString('utf8') : '' };
  }

  // Tag ids by address form, rebuilt when the notes change (tags come and go with them only).
  let tagIndex: { generation: number; bySlug: Map<string, number[]> } | undefined;
  function tagIdsBySlug(slug: string): number[] {
    const { generation } = siteState.findSiteState();
    if (tagIndex?.generation !== generation) {
      const bySlug = new Map<string, number[]>();
      for (const t of tags.listTagKeys()) {
        const s = tagSlug(t.name);
        bySlug.set(s, [...(bySlug.get(s) ?? []), t.id]);
      }
      tagIndex = { generation, bySlug };
    }
    return tagIndex.bySlug.get(slug) ?? [];
  }

  const reader = {
    /** What is known of the pages these properties respond to (for previews of unsaved notes). */
    citationsFor(properties: Mf2Properties): Citation[] {
      return citationsFor(properties);
    },

    /** The note that had this slug before its slug changed (any state), or undefined. */
    getNoteByFormerSlug(slug: string): Note | undefined {
      const id = formerSlugs.findNoteIdByFormerSlug(slug);
      return id === undefined ? undefined : reader.getNoteById(id);
    },

    /**
     * The note an address on the site it was imported from leads to (any state), or undefined;
     * `address` is a former-address key (src/lib/former-address.ts).
     */
    getNoteByFormerAddress(address: string): Note | undefined {
      const id = formerAddresses.findFormerAddress(address)?.noteId;
      return id === undefined ? undefined : reader.getNoteById(id);
    },

    /**
     * Looks for every note's Markdown file (serve does it once at start) and returns how many
     * notes have none: such a note would otherwise show as empty without anyone knowing.
     */
    scanMissingFiles(): number {
      missingFiles.clear();
      for (const r of notes.iteratePaths())
        if (!noteFileExists(notesPath, r.file_path)) missingFiles.add(r.id);
      return missingFiles.size;
    },

    /** How many notes are known to have no file (see scanMissingFiles), and a few of their slugs. */
    missingFiles(): { count: number; ids: number[] } {
      return { count: missingFiles.size, ids: [...missingFiles].slice(0, 20) };
    },

    /** The note with this id (any state), or undefined. */
    getNoteById(id: number): Note | undefined {
      const row = notes.findById(id);
      return row ? present(row, tags.listForNotes([id]).get(id)) : undefined;
    },

    /** The note with this slug (any state), or undefined. */
    getNoteBySlug(slug: string): Note | undefined {
      const row = notes.findBySlug(slug);
      return row ? present(row, tags.listForNotes([row.id]).get(row.id)) : undefined;
    },

    /** A note with its Markdown source. */
    getNoteSource(note: Note): NoteWithSource {
      return withSource(note);
    },

    /** One page of the public timeline, newest first. */
    listPublicNotes(limit: number, cursor?: TimelineCursor): Note[] {
      return presentMany(notes.listPublic(toDbTime(clock.now()), limit, cursor));
    },

    /** Keys of one page of the public timeline: what listPublicNotes would list, without content. */
    listPublicNoteKeys(limit: number, cursor?: TimelineCursor): NoteKey[] {
      return notes.listPublicKeys(toDbTime(clock.now()), limit, cursor).map(toKey);
    },

    /**
     * Keys of one page of public notes with a tag, by its address form (tagSlug), or undefined
     * when no publicly visible note carries it (a tag only drafts, private, unlisted, scheduled
     * or trashed notes use is unknown). Tags sharing the address share the page.
     */
    listPublicNoteKeysByTag(
      slug: string,
      limit: number,
      cursor?: TimelineCursor,
    ): { tag: { key: string; name: string }; keys: NoteKey[] } | undefined {
      const now = toDbTime(clock.now());
      const ids = tagIdsBySlug(slug);
      const tag = ids.length > 0 ? tags.findPublicTag(ids, now) : undefined;
      if (!tag) return undefined;
      return {
        tag: { key: tag.name, name: tag.display_name },
        keys: notes.listPublicKeysByTag(ids, now, limit, cursor).map(toKey),
      };
    },

    /** These notes (trash included), in the order asked; ids that do not exist are left out. */
    getNotesByIds(ids: readonly number[]): Note[] {
      if (ids.length === 0) return [];
      const byId = new Map(presentMany(notes.findByIds(ids)).map((n) => [n.id, n]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    /**
     * What decides every public list right now: the note change counter and when the next
     * scheduled note goes live (so caches expire exactly then).
     */
    timelineState(): TimelineState {
      // Memoised until the database changes (here or in another process), the next scheduled note
      // goes live, or the clock moves backwards (tests): the same object comes back until then, so
      // callers may key their own memos on it.
      const at = clock.now().getTime();
      const token = changeToken();
      if (
        timeline &&
        timeline.token === token &&
        at >= timeline.computedAt &&
        (timeline.expiresAt === null || at < timeline.expiresAt)
      ) {
        return timeline.state;
      }
      const now = toDbTime(new Date(at));
      const { generation } = siteState.findSiteState();
      const nextScheduled = notes.findNextScheduled(now);
      // A write that touched no note (a session, a token's last use) leaves the lists as they
      // were: same counter and same next scheduled note mean the same visible notes, so the same
      // object comes back and the callers' memos stay warm.
      const result: TimelineState =
        timeline?.state.generation === generation && timeline.state.nextScheduled === nextScheduled
          ? timeline.state
          : { generation, nextScheduled };
      timeline = {
        token,
        computedAt: at,
        expiresAt: nextScheduled === null ? null : parseDbTime(nextScheduled).getTime(),
        state: result,
      };
      return result;
    },

    /** The owner's list of notes in one state, newest first (or ranked when searching). */
    listForAdmin(filter: AdminFilter, limit: number, offset: number, fts?: string): Note[] {
      return presentMany(notes.listForAdmin(filter, toDbTime(clock.now()), limit, offset, fts));
    },

    /** True when a note (trash included) uses this media URL; such media cannot be deleted. */
    isMediaUsed(url: string): boolean {
      return notes.isUrlUsed(url);
    },

    /** The notes (trash included) that use this media URL, newest first, at most `limit`. */
    notesUsingMedia(url: string, limit: number): Note[] {
      return presentMany(notes.listUsingUrl(url, limit));
    },

    /** Every tag with its use count (for q=category and q=config). */
    listTags() {
      return tags.listTags().map((t) => ({ key: t.name, name: t.display_name, uses: t.uses }));
    },

    /** Tags that at least one public note carries, with their public use count. */
    listPublicTags() {
      return tags
        .listPublicTags(toDbTime(clock.now()))
        .map((t) => ({ key: t.name, name: t.display_name, uses: t.uses }));
    },

    /**
     * The months with public notes in a time zone, newest first, with how many each has: the
     * archive's index and the sitemap (with each month's last change). One index range count per
     * month between the first and the last note.
     */
    listPublicMonths(timeZone: string): { year: number; month: number; count: number; lastmod: string }[] {
      const now = toDbTime(clock.now());
      const span = notes.findPublicSpan(now);
      if (!span.first || !span.last) return [];
      const months = monthsBetween(
        monthOf(parseDbTime(span.first), timeZone),
        monthOf(parseDbTime(span.last), timeZone),
      );
      return months.flatMap((m) => {
        const from = toDbTime(monthStart(m, timeZone));
        const to = toDbTime(monthStart(nextMonth(m), timeZone));
        const { n, lastmod } = notes.countPublicInRange(now, from, to);
        return n > 0 && lastmod ? [{ ...m, count: n, lastmod }] : [];
      });
    },

    /** Keys of one page of the public notes published in a month (in a time zone), newest first. */
    listPublicNoteKeysInMonth(
      month: YearMonth,
      timeZone: string,
      limit: number,
      cursor?: TimelineCursor,
    ): NoteKey[] {
      const from = toDbTime(monthStart(month, timeZone));
      const to = toDbTime(monthStart(nextMonth(month), timeZone));
      return notes.listPublicKeysInRange(toDbTime(clock.now()), from, to, limit, cursor).map(toKey);
    },

    /** One page of public notes by offset, newest first (what a visitor could list). */
    listPublicNotesByOffset(limit: number, offset: number): Note[] {
      return presentMany(notes.listPublicByOffset(toDbTime(clock.now()), limit, offset));
    },

    /** True when a visitor may see this note in public lists: published, public, live, not trashed. */
    isPublic(note: Note): boolean {
      return (
        note.published &&
        note.visibility === 'public' &&
        note.deletedAt === null &&
        note.publishedAt <= clock.now()
      );
    },

    /**
     * True when a note is public but its time has not come: published, public, not trashed, dated
     * later. Nothing is written when it goes live, so what reacts to public notes (Webmentions,
     * WebSub, syndication) queues its work for that moment.
     */
    isScheduled(note: Note): boolean {
      return (
        note.published &&
        note.visibility === 'public' &&
        note.deletedAt === null &&
        note.publishedAt > clock.now()
      );
    },

    /** How many notes are in each admin list. */
    countForAdmin(): Record<AdminFilter, number> {
      return notes.countForAdmin(toDbTime(clock.now()));
    },

    /**
     * Ranked public search results for an FTS5 query built by buildFtsQuery: only the page's notes
     * are read (search-ranking.ts keeps the ranking for the next pages).
     */
    searchPublic(fts: string, limit: number, offset: number) {
      const page = ranked.page(fts, toDbTime(clock.now()), limit, offset);
      const byId = new Map(presentMany(notes.findByIds(page.ids)).map((n) => [n.id, n]));
      return {
        total: page.total,
        hits: page.ids.flatMap((id) => {
          const note = byId.get(id);
          const text = page.excerpts.get(id);
          return note ? [{ note, excerpt: text?.excerpt ?? '', title: text?.title ?? null }] : [];
        }),
      };
    },

    /** True when the index does not hold one entry per note (e.g. right after an upgrade). */
    isIndexStale(): boolean {
      return search.countIndexed() !== notes.countNotes();
    },
  };

  return { reader, present, withSource, missingFiles };
}

/** The reading side of the note service: what pages, feeds and lists need of notes. */
export type NoteReader = ReturnType<typeof createNoteReading>['reader'];

/** The reading side as the writing side sees it. */
export type NoteReading = ReturnType<typeof createNoteReading>;
