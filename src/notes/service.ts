import type { Clock } from '../clock.js';
import { changeToken as createChangeToken } from '../db/change-token.js';
import type { Db } from '../db/open.js';
import { type FormerSlugsStore, formerSlugsStore } from '../db/store/former-slugs.js';
import {
  type AdminFilter,
  type NoteKeyRow,
  type NoteRow,
  type NotesStore,
  notesStore,
  type TimelineCursor,
} from '../db/store/notes.js';
import { type ReplyContextRow, replyContextsStore } from '../db/store/reply-contexts.js';
import { type SearchStore, searchStore } from '../db/store/search.js';
import { siteStateStore } from '../db/store/site-state.js';
import { syndicationUrlsOf, syndicationUrlsOfMany } from '../db/store/syndication.js';
import { type TagsStore, tagsStore } from '../db/store/tags.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { responseUrls } from '../reply-context/kinds.js';
import {
  commitNewFile,
  commitPurge,
  commitReplacedFile,
  discardStaged,
  hashBytes,
  noteFileExists,
  notePathFor,
  readNoteFile,
  recoverPendingWrites,
  type StagedFile,
  stageNoteFile,
  stagePurge,
  undoPurge,
} from './files.js';
import { hasStaleRel, plainText, renderKey, renderMarkdown } from './markdown.js';
import { createSearchRanking } from './search-ranking.js';
import { generateSlug, nextFreeSlug, validateCustomSlug } from './slug.js';
import { normaliseTags, tagSlug } from './tags.js';
import { parseDbTime, toDbTime } from './time.js';
import type { Citation, Mf2Properties, Note, NoteKey, Photo, Visibility } from './types.js';

/** The most a note body may hold (bytes of Markdown). */
export const MAX_NOTE_BYTES = 512 * 1024;

/**
 * The most one stored mf2 property may hold, as JSON. The longest ordinary ones (a summary, fifty
 * photos with alt text, a location h-card) stay well below; every list parses these on display.
 */
export const MAX_PROPERTY_BYTES = 64 * 1024;

/** The most `content` may hold as JSON: a maximal note sent as html and as text side by side. */
export const MAX_CONTENT_PROPERTY_BYTES = 2 * MAX_NOTE_BYTES;

/** The most all properties but `content` may hold together, as JSON. */
export const MAX_PROPERTIES_BYTES = 256 * 1024;

const VISIBILITIES: readonly Visibility[] = ['public', 'unlisted', 'private'];

/** What presentMany looks up for a page of notes at once, by note id (contexts by URL). */
interface PageLookups {
  properties: Map<number, Mf2Properties>;
  copies: Map<number, string[]>;
  contexts: Map<string, ReplyContextRow>;
}

/** What a writer (admin, Micropub, import) supplies to create a note. */
export interface NoteInput {
  content: string;
  name?: string | null;
  /** A custom slug; validated, reserved words refused, collisions suffixed. */
  slug?: string | null;
  /** false = draft. Default true. */
  published?: boolean;
  /** Reader-facing publication time; default now; in the future = scheduled. */
  publishedAt?: Date | null;
  visibility?: Visibility;
  tags?: readonly string[];
  photos?: readonly Photo[];
  /** The mf2 properties a client sent, kept verbatim for q=source. */
  properties?: Mf2Properties;
}

/** What an edit may change (the slug changes only through changeSlug). */
export type NoteChanges = Partial<Omit<NoteInput, 'slug'>> & {
  /**
   * Properties an edit sets while keeping the others as they are (`properties` replaces them
   * all); an empty array removes one. The editor sets like-of, in-reply-to and friends this way.
   */
  setProperties?: Mf2Properties;
};

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

/** A write to a note, as listeners hear it (the Micropub names: delete moves to the trash). */
export interface NoteChange {
  id: number;
  event: 'created' | 'updated' | 'deleted' | 'undeleted' | 'purged';
  /** The note's revision after the write. */
  revision: number;
}

/** A note together with its Markdown source. */
export type NoteWithSource = Note & { content: string };

/** Everything the note service needs. */
export interface NoteServiceDeps {
  db: Db;
  notesPath: string;
  clock: Clock;
  logger?: Logger;
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

/** Builds the stored mf2 properties from an input: the client's own, completed with what we know. */
function buildProperties(input: NoteInput, content: string, tags: string[]): Mf2Properties {
  const props: Mf2Properties = { ...(input.properties ?? {}) };
  if (!props.content && content !== '') props.content = [content];
  if (!props.name && input.name) props.name = [input.name];
  if (!props.category && tags.length > 0) props.category = [...tags];
  if (!props.photo && input.photos && input.photos.length > 0) {
    props.photo = input.photos.map((p) => (p.alt ? { value: p.url, alt: p.alt } : p.url));
  }
  return props;
}

/** `props` with `set` applied: each property in `set` replaces its namesake, an empty one removes it. */
function buildPropertiesWith(set: Mf2Properties | undefined, props: Mf2Properties): Mf2Properties {
  if (!set) return props;
  const out: Mf2Properties = { ...props };
  for (const [name, values] of Object.entries(set)) {
    if (values.length === 0) delete out[name];
    else out[name] = values;
  }
  return out;
}

function checkInput(input: NoteChanges, content: string | undefined): void {
  if (content !== undefined && Buffer.byteLength(content, 'utf8') > MAX_NOTE_BYTES) {
    throw new AppError('payload_too_large', `A note may hold at most ${MAX_NOTE_BYTES / 1024} KB of text.`);
  }
  if (input.visibility !== undefined && !VISIBILITIES.includes(input.visibility)) {
    throw new AppError('invalid_request', `Visibility must be one of ${VISIBILITIES.join(', ')}.`);
  }
  if (input.publishedAt && Number.isNaN(input.publishedAt.getTime())) {
    throw new AppError('invalid_request', 'The publication date is not a valid date.');
  }
  if (input.name && input.name.length > 500)
    throw new AppError('invalid_request', 'A title may be 500 characters at most.');
}

// C0 controls, DEL and C1 controls. Tab and line breaks are legitimate in multi-line text only.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROLS_BUT_TAB_AND_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
// mf2 properties that are one line of text: a title and tags.
const SINGLE_LINE_PROPERTIES = new Set(['name', 'category']);

/** One line of text: tab and line breaks become spaces, other control characters go. */
function singleLine(text: string): string {
  return text.replace(/[\t\n\v\f\r]/g, ' ').replace(CONTROLS, '');
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const HAS_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A title or tag as stored: cleaned like input when it was stored before input was cleaned. */
function storedLine(text: string): string {
  return HAS_CONTROL.test(text) ? singleLine(text) : text;
}

/** Multi-line text: keeps tab and line breaks (CRLF becomes LF), loses other control characters. */
function multiLine(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(CONTROLS_BUT_TAB_AND_BREAKS, '');
}

/** A JSON value with every string (and object key) cleaned by `clean`. */
function cleanValue(value: unknown, clean: (s: string) => string): unknown {
  if (typeof value === 'string') return clean(value);
  if (Array.isArray(value)) return value.map((v) => cleanValue(v, clean));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [singleLine(k), cleanValue(v, clean)]));
  }
  return value;
}

/** mf2 properties without control characters (one-line properties lose line breaks too). */
function cleanProperties(props: Mf2Properties): Mf2Properties {
  // fromEntries defines own properties: a key such as "__proto__" stays a plain key.
  return Object.fromEntries(
    Object.entries(props).map(([name, values]) => [
      singleLine(name),
      cleanValue(values, SINGLE_LINE_PROPERTIES.has(name) ? singleLine : multiLine) as unknown[],
    ]),
  );
}

/**
 * What a writer sent, without control characters: they have no business in a note, and one in a
 * title could reach places where NUL means something (the page template's content marker).
 */
function cleanInput<T extends NoteChanges>(input: T): T {
  const out: T = { ...input };
  if (typeof out.content === 'string') out.content = multiLine(out.content);
  if (typeof out.name === 'string') out.name = singleLine(out.name);
  if (out.tags) out.tags = out.tags.map(singleLine);
  if (out.photos)
    out.photos = out.photos.map((p) => ({ ...p, url: singleLine(p.url), alt: multiLine(p.alt) }));
  if (out.properties) out.properties = cleanProperties(out.properties);
  const changes = out as NoteChanges;
  if (changes.setProperties) changes.setProperties = cleanProperties(changes.setProperties);
  return out;
}

/**
 * Refuses properties over their caps, naming the property. On an edit, a property that is stored
 * unchanged is not held against it (so notes stored before the caps can still be edited), and the
 * total only counts when it grew.
 */
function checkPropertySizes(props: Mf2Properties, before?: Mf2Properties): void {
  let total = 0;
  let totalBefore = 0;
  for (const [name, values] of Object.entries(props)) {
    const json = JSON.stringify(values) ?? '';
    const size = Buffer.byteLength(json, 'utf8');
    const unchanged = before !== undefined && JSON.stringify(before[name]) === json;
    const max = name === 'content' ? MAX_CONTENT_PROPERTY_BYTES : MAX_PROPERTY_BYTES;
    if (size > max && !unchanged) {
      throw new AppError(
        'invalid_request',
        `The property "${name.slice(0, 64)}" is too large: ${Math.ceil(size / 1024)} KB, at most ${max / 1024} KB.`,
      );
    }
    if (name !== 'content') total += size + name.length;
  }
  for (const [name, values] of Object.entries(before ?? {})) {
    if (name !== 'content')
      totalBefore += Buffer.byteLength(JSON.stringify(values) ?? '', 'utf8') + name.length;
  }
  if (total > MAX_PROPERTIES_BYTES && (before === undefined || total > totalBefore)) {
    throw new AppError(
      'invalid_request',
      `The properties other than content are too large together: ${Math.ceil(total / 1024)} KB, at most ${MAX_PROPERTIES_BYTES / 1024} KB.`,
    );
  }
}

/**
 * The one way notes are written: file and row change together or not at all (see files.ts for
 * the pending-file protocol), the search index and tags follow in the same transaction.
 */
export function createNoteService(deps: NoteServiceDeps) {
  const { db, notesPath, clock } = deps;
  const notes: NotesStore = notesStore(db);
  const tags: TagsStore = tagsStore(db);
  const search: SearchStore = searchStore(db);
  // Rankings are kept per timeline state: the service's own, defined below.
  const ranked = createSearchRanking(search, () => service.timelineState());
  const formerSlugs: FormerSlugsStore = formerSlugsStore(db);
  const siteState = siteStateStore(db);
  const changeToken = createChangeToken(db);
  const contexts = replyContextsStore(db);
  const copyUrls = syndicationUrlsOf(db);
  const copyUrlsOfMany = syndicationUrlsOfMany(db);
  const savedListeners: ((note: Note) => void)[] = [];
  let timeline:
    | { token: string; computedAt: number; expiresAt: number | null; state: TimelineState }
    | undefined;

  // Notes whose Markdown file was found missing (at start, or when a page needed it).
  const missingFiles = new Set<number>();

  // Told about every write inside its transaction, so what a listener records (a queued job)
  // commits with the note or not at all. Each runs in its own savepoint: one that throws is
  // rolled back alone and logged, and the note is saved all the same.
  const listeners: ((change: NoteChange) => void)[] = [];
  function emit(id: number, event: NoteChange['event'], revision = notes.findById(id)?.revision ?? 0): void {
    for (const listener of listeners) {
      try {
        db.transaction(() => listener({ id, event, revision }))();
      } catch (err) {
        deps.logger?.error({ err, note: id, event }, 'a note change listener failed; the note was saved');
      }
    }
  }

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

  /** Tells the listeners (reply context) that a note was saved; a failing listener fails nothing. */
  function announceSaved(note: Note): void {
    for (const listener of savedListeners) {
      try {
        listener(note);
      } catch (err) {
        deps.logger?.error({ err, id: note.id }, 'a listener of saved notes failed');
      }
    }
  }

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
      html = bytes ? renderMarkdown(bytes.toString('utf8')) : '';
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

  /**
   * Runs `write` inside BEGIN IMMEDIATE. `write` stages its file through `stage`, so a failure
   * anywhere in the transaction throws the pending file away; after COMMIT the file is published.
   */
  function transact<T>(
    write: (stage: (rel: string, body: string) => StagedFile) => T,
    commit: (s: StagedFile) => void,
    stillCurrent?: (s: StagedFile) => boolean,
  ): T {
    let staged: StagedFile | undefined;
    const stage = (rel: string, body: string) => {
      staged = stageNoteFile(notesPath, rel, body);
      return staged;
    };
    let result: T;
    try {
      result = db.transaction(() => write(stage)).immediate();
    } catch (err) {
      if (staged) discardStaged(staged);
      throw err;
    }
    // The row is committed; publishing the file can only fail on a broken disk, and recovery
    // finishes it from the pending file at the next start.
    if (staged) {
      const file = staged;
      if (!stillCurrent) commit(file);
      else {
        // Another process may have committed a later version of the same note between our COMMIT
        // and now: publish under the write lock, and only while the row still names our file.
        db.transaction(() => {
          if (stillCurrent(file)) commit(file);
          else discardStaged(file);
        }).immediate();
      }
    }
    return result;
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

  function indexFor(id: number, name: string | null, html: string): void {
    search.indexNote(id, name, plainText(html));
  }

  const service = {
    /** Creates a note; returns it as stored. */
    createNote(raw: NoteInput): Note {
      const input = cleanInput(raw);
      const content = (input.content ?? '').replace(/\r\n/g, '\n');
      checkInput(input, content);
      const photos = input.photos ?? [];
      if (content.trim() === '' && !input.name && photos.length === 0 && !input.properties) {
        throw new AppError('invalid_request', 'A note needs some content.');
      }
      let custom: string | undefined;
      if (input.slug) {
        const v = validateCustomSlug(input.slug);
        if (!v.ok) throw new AppError('invalid_request', v.reason);
        custom = v.slug;
      }
      const now = clock.now();
      const tagList = normaliseTags(input.tags ?? []);
      const html = renderMarkdown(content);
      const properties = buildProperties(
        { ...input, photos },
        content,
        tagList.map((t) => t.name),
      );
      checkPropertySizes(properties);
      const id = transact((stage) => {
        const base = custom ?? generateSlug({ name: input.name ?? null, content, now });
        // Chosen inside the write lock: two writers cannot take the same slug or file.
        const slug = nextFreeSlug(base, (s) => {
          if (notes.isSlugTaken(s)) return true;
          const rel = notePathFor(s, now);
          return notes.isPathTaken(rel) || readNoteFile(notesPath, rel) !== undefined;
        });
        const rel = notePathFor(slug, now);
        const staged = stage(rel, content);
        const newId = notes.insertNote({
          slug,
          file_path: rel,
          published: input.published ?? true,
          created_at: toDbTime(now),
          published_at: toDbTime(input.publishedAt ?? now),
          content_hash: staged.hash,
          name: input.name?.trim() || null,
          visibility: input.visibility ?? 'public',
          properties: JSON.stringify(properties),
          content_html: html,
          html_hash: renderKey(staged.hash),
        });
        tags.replaceNoteTags(newId, tagList);
        indexFor(newId, input.name?.trim() || null, html);
        emit(newId, 'created');
        return newId;
      }, commitNewFile);
      missingFiles.delete(id);
      const note = this.getNoteById(id)!;
      announceSaved(note);
      return note;
    },

    /** Applies changes to a note (slug: see changeSlug; the file path never changes); returns the new version. */
    updateNote(id: number, rawChanges: NoteChanges): Note {
      const changes = cleanInput(rawChanges);
      const current = notes.findById(id);
      if (!current) throw new AppError('not_found', 'No such note.');
      const content = changes.content === undefined ? undefined : changes.content.replace(/\r\n/g, '\n');
      checkInput(changes, content);
      const now = clock.now();
      const before = present(current, tags.listForNotes([id]).get(id));
      const source = content ?? withSource(before).content;
      const html = content === undefined ? before.contentHtml : renderMarkdown(source);
      const tagList = changes.tags ? normaliseTags(changes.tags) : before.tags;
      const name = changes.name === undefined ? before.name : changes.name?.trim() || null;
      const properties = changes.properties
        ? changes.properties
        : buildPropertiesWith(
            changes.setProperties,
            buildProperties(
              {
                content: source,
                name,
                photos: changes.photos ?? before.photos,
                properties: Object.fromEntries(
                  Object.entries(before.properties).filter(
                    ([k]) =>
                      !(
                        (k === 'content' && content !== undefined) ||
                        (k === 'name' && changes.name !== undefined) ||
                        (k === 'category' && changes.tags !== undefined) ||
                        (k === 'photo' && changes.photos !== undefined)
                      ),
                  ),
                ),
              },
              source,
              tagList.map((t) => t.name),
            ),
          );
      checkPropertySizes(properties, before.properties);
      transact(
        (stage) => {
          const staged = content === undefined ? undefined : stage(current.file_path, source);
          notes.updateNote(id, {
            published: changes.published ?? before.published,
            updated_at: toDbTime(now),
            edited_at: toDbTime(now),
            published_at: toDbTime(changes.publishedAt ?? before.publishedAt),
            content_hash: staged ? staged.hash : (current.content_hash ?? ''),
            name,
            visibility: changes.visibility ?? before.visibility,
            properties: JSON.stringify(properties),
            content_html: html,
            html_hash: renderKey(staged ? staged.hash : (current.content_hash ?? '')),
          });
          if (changes.tags) {
            tags.replaceNoteTags(id, tagList);
            tags.deleteUnusedTags();
          }
          indexFor(id, name, html);
          emit(id, 'updated');
        },
        commitReplacedFile,
        (file) => notes.findById(id)?.content_hash === file.hash,
      );
      missingFiles.delete(id);
      const note = this.getNoteById(id)!;
      announceSaved(note);
      return note;
    },

    /** Calls `listener` after every note created or updated here; returns how to stop. */
    onSaved(listener: (note: Note) => void): () => void {
      savedListeners.push(listener);
      return () => {
        const at = savedListeners.indexOf(listener);
        if (at >= 0) savedListeners.splice(at, 1);
      };
    },

    /** What is known of the pages these properties respond to (for previews of unsaved notes). */
    citationsFor(properties: Mf2Properties): Citation[] {
      return citationsFor(properties);
    },

    /** Marks a note changed without editing it (what its pages show changed: reply context). */
    markChanged(id: number): void {
      notes.bumpRevision(id);
    },

    /**
     * Gives a note a new slug; its file path stays as it is. Its former address answers 301 to
     * the new one for as long as the note exists (migration 013). A slug another note holds, or
     * held before, is refused; a note may take back one of its own former slugs.
     */
    changeSlug(id: number, slug: string): Note {
      const v = validateCustomSlug(slug);
      if (!v.ok) throw new AppError('invalid_request', v.reason);
      db.transaction(() => {
        const current = notes.findById(id);
        if (!current) throw new AppError('not_found', 'No such note.');
        if (current.slug === v.slug) return;
        if (notes.findBySlug(v.slug)) {
          throw new AppError(
            'conflict',
            `Another note already has the address “${v.slug}”; choose another slug.`,
          );
        }
        const formerOwner = formerSlugs.findNoteIdByFormerSlug(v.slug);
        if (formerOwner !== undefined && formerOwner !== id) {
          throw new AppError(
            'conflict',
            `“${v.slug}” was the address of another note and still leads to it; choose another slug.`,
          );
        }
        formerSlugs.deleteFormerSlug(v.slug);
        formerSlugs.insertFormerSlug(current.slug, id, toDbTime(clock.now()));
        notes.updateSlug(id, v.slug);
      }).immediate();
      return this.getNoteById(id)!;
    },

    /** The note that had this slug before its slug changed (any state), or undefined. */
    getNoteByFormerSlug(slug: string): Note | undefined {
      const id = formerSlugs.findNoteIdByFormerSlug(slug);
      return id === undefined ? undefined : this.getNoteById(id);
    },

    /** Moves a note to the trash (its URL answers 410 until it is restored). */
    trashNote(id: number): void {
      if (!notes.findById(id)) throw new AppError('not_found', 'No such note.');
      db.transaction(() => {
        if (notes.trashNote(id, toDbTime(clock.now()))) emit(id, 'deleted');
      }).immediate();
    },

    /** Restores a note from the trash, at the same URL. */
    restoreNote(id: number): void {
      if (!notes.findById(id)) throw new AppError('not_found', 'No such note.');
      db.transaction(() => {
        if (notes.restoreNote(id)) emit(id, 'undeleted');
      }).immediate();
    },

    /** Deletes a note for good: row, tags, index entry and file. */
    purgeNote(id: number): void {
      const row = notes.findById(id);
      if (!row) throw new AppError('not_found', 'No such note.');
      const aside = stagePurge(notesPath, row.file_path);
      try {
        db.transaction(() => {
          search.unindexNote(id);
          notes.deleteNote(id);
          tags.deleteUnusedTags();
          emit(id, 'purged', row.revision);
        }).immediate();
      } catch (err) {
        undoPurge(notesPath, row.file_path, aside);
        throw err;
      }
      commitPurge(aside);
      missingFiles.delete(id);
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

    /** Rebuilds the search index from the note files; returns how many notes were indexed. */
    reindex(): number {
      let n = 0;
      db.transaction(() => {
        search.clearIndex();
        // Trashed notes stay indexed (queries filter them) so a restore needs no re-index.
        for (
          let rows = notes.listBatch(0, 500);
          rows.length > 0;
          rows = notes.listBatch(rows.at(-1)!.id, 500)
        ) {
          for (const row of rows) {
            const note = present(row);
            search.indexNote(row.id, row.name, plainText(note.contentHtml));
            n++;
          }
        }
      }).immediate();
      return n;
    },

    /** True when the index does not hold one entry per note (e.g. right after an upgrade). */
    isIndexStale(): boolean {
      return search.countIndexed() !== notes.countNotes();
    },

    /** Finishes or undoes file writes a crash interrupted; see files.ts. */
    recover() {
      // Rows are looked up only for the leftovers found (rare), not loaded for every note: at
      // 100,000 notes that map alone grew the heap by tens of megabytes at every start.
      const report = recoverPendingWrites(notesPath, (rel) => notes.findByPath(rel));
      const total =
        report.completed.length + report.discarded.length + report.restored.length + report.purged.length;
      if (total > 0) deps.logger?.warn({ recovery: report }, 'recovered interrupted note writes');
      return report;
    },

    /**
     * Calls `listener` inside the transaction of every note write (create, update, delete, undelete,
     * purge). It must only do quick database work; network calls belong in a job. Returns a
     * function that removes it.
     */
    onChange(listener: (change: NoteChange) => void): () => void {
      listeners.push(listener);
      return () => {
        const i = listeners.indexOf(listener);
        if (i >= 0) listeners.splice(i, 1);
      };
    },

    /** Hash of a body as the service would store it (for doctor and tests). */
    hashOf: (body: string) => hashBytes(Buffer.from(body, 'utf8')),
  };
  return service;
}

/** The note service type. */
export type NoteService = ReturnType<typeof createNoteService>;
