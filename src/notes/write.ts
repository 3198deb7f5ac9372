/**
 * The writing side of the note service: the one way notes are written. File and row change
 * together or not at all (see files.ts for the pending-file protocol); the search index and tags
 * follow in the same transaction, and listeners (jobs to queue) are told inside it. A write returns
 * the note as the reading side (read.ts) shows it.
 */
import { renameSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import { parseDbTime, toDbTime } from '../lib/db-time.js';
import { AppError } from '../lib/errors.js';
import {
  commitNewFile,
  commitPurge,
  commitReplacedFile,
  discardStaged,
  hashBytes,
  notePathFor,
  notePathOccupied,
  publishNewFile,
  recoverPendingWrites,
  type StagedFile,
  stageNoteFile,
  stageNoteFiles,
  stagePurge,
  syncDirs,
  undoPurge,
} from '../lib/files.js';
import { NO_PROGRESS, type ProgressFactory } from '../lib/progress.js';
import { normaliseTags } from '../lib/tags.js';
import type { Logger } from '../logger.js';
import { cleanProperties, multiLine, singleLine } from './clean.js';
import { createGroupCommit, type Outcome } from './group-commit.js';
import { renderKey, renderMarkdown } from './markdown.js';
import { type NoteReading, type NoteStores, VISIBILITIES } from './read.js';
import { contextText, searchText } from './search-text.js';
import { generateSlug, nextFreeSlug, validateCustomSlug } from './slug.js';
import type { Mf2Properties, Note, Photo, Visibility } from './types.js';

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
  /** What the writer asks of the background features along with this write (not stored). */
  commands?: NoteCommands;
}

/**
 * What a writer asks of the background features along with a write — Micropub's `mp-` commands,
 * the editor's ticked accounts. Not stored with the note: the listeners hear it with the change,
 * inside the write's transaction, so what they queue for it commits with the note.
 */
export interface NoteCommands {
  /** Syndication accounts (ids) to copy the note to. */
  syndicateTo?: readonly number[];
  /**
   * Tell no one: the background features hear nothing of this write, so nothing is queued for it
   * (no Webmentions, syndication, WebSub ping or reply context). An import sets it unless the
   * owner asks it to announce (docs/decisions/0017-import-contract.md).
   */
  quiet?: boolean;
}

/**
 * Many writes in one transaction (NoteWriter.beginBatch): all of them commit, or none does and no
 * note file of theirs is left behind.
 */
export interface WriteBatch {
  /**
   * Runs `work` in a savepoint of the batch: if it throws, its writes (rows and staged note files)
   * are undone and the batch goes on without them.
   */
  savepoint<T>(work: () => Promise<T>): Promise<T>;
  /** Commits every write of the batch, then publishes their note files. */
  commit(): Promise<void>;
  /** Undoes every write of the batch and throws its staged note files away. */
  rollback(): void;
}

/** What an edit may change (the slug changes only through changeSlug). */
export type NoteChanges = Partial<Omit<NoteInput, 'slug'>> & {
  /**
   * Properties an edit sets while keeping the others as they are (`properties` replaces them
   * all); an empty array removes one. The editor sets like-of, in-reply-to and friends this way.
   */
  setProperties?: Mf2Properties;
};

/** A write to a note, as listeners hear it (the Micropub names: delete moves to the trash). */
export interface NoteChange {
  id: number;
  event: 'created' | 'updated' | 'deleted' | 'undeleted' | 'purged';
  /** The note's revision after the write. */
  revision: number;
  /** What the writer asked for along with a create or an update. */
  commands?: NoteCommands;
}

/** A create checked and rendered: everything but its slug, file and row. */
interface PreparedCreate {
  /** The writer's input, cleaned. */
  input: NoteInput;
  /** The Markdown body, with LF line ends. */
  content: string;
  /** The slug to start from: the custom one, else one made from the title or text. */
  base: string;
  now: Date;
  tagList: ReturnType<typeof normaliseTags>;
  html: string;
  properties: Mf2Properties;
}

/** What the writing side needs. */
export interface NoteWritingDeps {
  db: Db;
  notesPath: string;
  clock: Clock;
  logger?: Logger;
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
 * The `edited_at` an update leaves (ADR 0019): "updated" on a note tells readers it changed after
 * they could first have read it, so only an edit of a note that was live counts. Writing a draft or
 * a scheduled note, and publishing it, keeps what the note had; and an edit time that is not after
 * the publication time means nothing to a reader, so it is cleared (a note published again today
 * was not "updated" last week).
 */
function editedAt(stored: string | null, before: Note, publishedAt: Date, now: Date): string | null {
  const wasLive = before.published && before.publishedAt <= now;
  const at = wasLive ? toDbTime(now) : stored;
  return at !== null && parseDbTime(at) > publishedAt ? at : null;
}

/** The writing side over the reading side's stores and presentation. */
export function createNoteWriter(deps: NoteWritingDeps, stores: NoteStores, reading: NoteReading) {
  const { db, notesPath, clock } = deps;
  const { notes, tags, search, formerSlugs } = stores;
  const { reader, present, withSource, missingFiles } = reading;

  // Told about every write inside its transaction, so what a listener records (a queued job)
  // commits with the note or not at all. Each runs in its own savepoint: one that throws is
  // rolled back alone and logged, and the note is saved all the same.
  const listeners: ((change: NoteChange) => void)[] = [];
  function emit(
    id: number,
    event: NoteChange['event'],
    revision = notes.findById(id)?.revision ?? 0,
    commands?: NoteCommands,
  ): void {
    const change: NoteChange = { id, event, revision, ...(commands ? { commands } : {}) };
    for (const listener of listeners) {
      try {
        db.transaction(() => listener(change))();
      } catch (err) {
        deps.logger?.error({ err, note: id, event }, 'a note change listener failed; the note was saved');
      }
    }
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
    // Inside a batch the write is only a savepoint: its file waits for the batch's COMMIT.
    if (batch) {
      if (staged) batch.push({ staged, replaces: commit === commitReplacedFile });
      return result;
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

  /**
   * Indexes a note's text for search; `html` is rendered (sanitised) content, `properties` what it
   * responds to (the titles known of those pages are indexed with it).
   */
  function indexFor(id: number, name: string | null, html: string, properties: Mf2Properties): void {
    const context = contextText({ properties, citations: reader.citationsFor(properties) });
    search.indexNote(id, name, { ...searchText(html), context });
  }

  /** Checks and renders a new note: everything but its slug, file and row. */
  function prepareCreate(raw: NoteInput): PreparedCreate {
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
    return {
      input,
      content,
      base: custom ?? generateSlug({ name: input.name ?? null, content, now }),
      now,
      tagList,
      html,
      properties,
    };
  }

  // The note files of the open batch (beginBatch), published when it commits.
  let batch: { staged: StagedFile; replaces: boolean }[] | undefined;
  let savepoints = 0;

  // Slugs chosen for creates of a group commit that has not committed yet: no other write of this
  // process may choose them meanwhile (another process finds out under the write lock).
  const claimed = new Set<string>();

  /**
   * The first free slug from the note's base: no note holds or held it, nothing is at its file path,
   * and no create under way here has chosen it. The numbered slugs already taken come in one query.
   */
  function chooseSlug(p: PreparedCreate): string {
    let numbered: Set<string> | undefined;
    return nextFreeSlug(p.base, (s) => {
      if (claimed.has(s)) return true;
      if (s.startsWith(`${p.base}-`)) {
        numbered ??= notes.numberedSlugsTaken(p.base);
        if (numbered.has(s)) return true;
      } else if (notes.isSlugTaken(s)) return true;
      const rel = notePathFor(s, p.now);
      return notes.isPathTaken(rel) || notePathOccupied(notesPath, rel);
    });
  }

  /** Inside the write transaction: the row, its tags and search entry; listeners are told. */
  function insertCreate(p: PreparedCreate, slug: string, hash: string): number {
    const name = p.input.name?.trim() || null;
    const id = notes.insertNote({
      slug,
      file_path: notePathFor(slug, p.now),
      published: p.input.published ?? true,
      created_at: toDbTime(p.now),
      published_at: toDbTime(p.input.publishedAt ?? p.now),
      content_hash: hash,
      name,
      visibility: p.input.visibility ?? 'public',
      properties: JSON.stringify(p.properties),
      content_html: p.html,
      html_hash: renderKey(hash),
    });
    tags.replaceNoteTags(id, p.tagList);
    indexFor(id, name, p.html, p.properties);
    emit(id, 'created', undefined, p.input.commands);
    return id;
  }

  /** After the commit: the note as a read shows it. */
  function finishCreate(id: number): Note {
    missingFiles.delete(id);
    return reader.getNoteById(id)!;
  }

  /** One create of a group, as the flush follows it. */
  interface GroupedCreate {
    p: PreparedCreate;
    slug?: string;
    file?: StagedFile;
    id?: number;
    error?: unknown;
  }

  /**
   * Inside the group's transaction, in a savepoint of its own: one note's row. Its slug was chosen
   * before the write lock was taken; if another process took it since (or a file appeared at its
   * path), it is chosen again now and the file staged again under the lock, as a lone create does.
   */
  const insertGrouped = db.transaction((c: GroupedCreate): number => {
    let slug = c.slug!;
    let file = c.file!;
    const rel = notePathFor(slug, c.p.now);
    if (notes.isSlugTaken(slug) || notes.isPathTaken(rel) || notePathOccupied(notesPath, rel)) {
      slug = chooseSlug(c.p);
      const restaged = stageNoteFile(notesPath, notePathFor(slug, c.p.now), c.p.content);
      discardStaged(file);
      c.slug = slug;
      c.file = file = restaged;
    }
    return insertCreate(c.p, slug, file.hash);
  });

  /**
   * Writes a group of creates (ADR 0016): slugs chosen, every file staged and fsynced at the same
   * time off the main thread, one transaction for all the rows, then every file published and
   * each directory fsynced once. Each create that fails fails alone.
   */
  async function flushCreates(batch: PreparedCreate[]): Promise<Outcome<Note>[]> {
    const group: GroupedCreate[] = batch.map((p) => ({ p }));
    const chosen: string[] = [];
    try {
      for (const c of group) {
        try {
          c.slug = chooseSlug(c.p);
          claimed.add(c.slug);
          chosen.push(c.slug);
        } catch (err) {
          c.error = err;
        }
      }
      const toStage = group.filter((c) => c.error === undefined);
      const staged = await stageNoteFiles(
        notesPath,
        toStage.map((c) => ({ rel: notePathFor(c.slug!, c.p.now), body: c.p.content })),
      );
      for (const [i, c] of toStage.entries()) {
        const result = staged[i]!;
        if (result instanceof Error) c.error = result;
        else c.file = result;
      }
      const ready = group.filter((c) => c.file !== undefined);
      if (ready.length > 0) {
        try {
          db.transaction(() => {
            for (const c of ready) {
              try {
                c.id = insertGrouped(c);
              } catch (err) {
                c.error = err;
              }
            }
          }).immediate();
        } catch (err) {
          // The transaction as a whole failed (a busy database, COMMIT on a full disk): no row exists.
          for (const c of ready) {
            c.id = undefined;
            c.error ??= err;
          }
        }
      }
      const published: GroupedCreate[] = [];
      for (const c of ready) {
        if (c.id === undefined) {
          discardStaged(c.file!);
          continue;
        }
        // The row is committed; publishing can only fail on a broken disk, and recovery
        // finishes it from the pending file at the next start.
        try {
          publishNewFile(c.file!);
          published.push(c);
        } catch (err) {
          c.error = err;
        }
      }
      try {
        await syncDirs(published.map((c) => dirname(c.file!.finalPath)));
      } catch (err) {
        for (const c of published) c.error = err;
      }
    } finally {
      for (const slug of chosen) claimed.delete(slug);
    }
    return group.map((c): Outcome<Note> => {
      if (c.id !== undefined) missingFiles.delete(c.id);
      if (c.error !== undefined) return { ok: false, error: c.error };
      return { ok: true, value: finishCreate(c.id!) };
    });
  }

  const creates = createGroupCommit(flushCreates);

  return {
    /** Creates a note; returns it as stored. */
    createNote(raw: NoteInput): Note {
      const p = prepareCreate(raw);
      // The slug is chosen inside the write lock: two writers cannot take the same slug or file.
      const id = transact((stage) => {
        const slug = chooseSlug(p);
        const staged = stage(notePathFor(slug, p.now), p.content);
        return insertCreate(p, slug, staged.hash);
      }, commitNewFile);
      return finishCreate(id);
    },

    /**
     * Creates a note as createNote does, in a group commit (ADR 0016) with the creates that arrive
     * while another group is being written: the same checks, file and row, and the same promise
     * once it resolves (the note survives a crash), at a fraction of the disk flushes. Alone, it
     * starts writing at once.
     */
    async createNoteGrouped(raw: NoteInput): Promise<Note> {
      return creates.submit(prepareCreate(raw));
    },

    /** Resolves once no grouped create is queued or being written (before closing the database). */
    settle(): Promise<void> {
      return creates.idle();
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
      const publishedAt = changes.publishedAt ?? before.publishedAt;
      transact(
        (stage) => {
          const staged = content === undefined ? undefined : stage(current.file_path, source);
          notes.updateNote(id, {
            published: changes.published ?? before.published,
            updated_at: toDbTime(now),
            edited_at: editedAt(current.edited_at, before, publishedAt, now),
            published_at: toDbTime(publishedAt),
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
          indexFor(id, name, html, properties);
          emit(id, 'updated', undefined, changes.commands);
        },
        commitReplacedFile,
        (file) => notes.findById(id)?.content_hash === file.hash,
      );
      missingFiles.delete(id);
      const note = reader.getNoteById(id)!;
      return note;
    },

    /**
     * Opens a batch: one write transaction (BEGIN IMMEDIATE) around many writes, which may await
     * between them (an import reading its source and fetching pictures). Note files are staged as
     * usual but published only once the batch commits, so a batch rolled back, or cut short by a
     * crash, leaves no note file behind (recovery discards pending files whose row never
     * committed). Only for a connection nothing else uses meanwhile: every statement run on it
     * until the batch ends is part of the batch.
     */
    beginBatch(): WriteBatch {
      if (batch || db.inTransaction) throw new Error('a write batch or transaction is already open');
      db.exec('BEGIN IMMEDIATE');
      const files: { staged: StagedFile; replaces: boolean }[] = [];
      batch = files;
      const end = () => {
        batch = undefined;
      };
      return {
        async savepoint<T>(work: () => Promise<T>): Promise<T> {
          const name = `batch_${++savepoints}`;
          const mark = files.length;
          db.exec(`SAVEPOINT ${name}`);
          try {
            const result = await work();
            db.exec(`RELEASE ${name}`);
            return result;
          } catch (err) {
            if (db.inTransaction) {
              db.exec(`ROLLBACK TO ${name}`);
              db.exec(`RELEASE ${name}`);
            }
            for (const f of files.splice(mark)) discardStaged(f.staged);
            throw err;
          }
        },
        async commit(): Promise<void> {
          try {
            db.exec('COMMIT');
          } catch (err) {
            if (db.inTransaction) db.exec('ROLLBACK');
            for (const f of files) discardStaged(f.staged);
            end();
            throw err;
          }
          end();
          // The rows are committed; publishing can only fail on a broken disk, and recovery
          // finishes it from the pending files at the next start.
          for (const f of files) {
            if (f.replaces) renameSync(f.staged.pendingPath, f.staged.finalPath);
            else publishNewFile(f.staged);
          }
          // Notes read while their files were pending were marked missing: they are found again.
          missingFiles.clear();
          await syncDirs(files.map((f) => dirname(f.staged.finalPath)));
        },
        rollback(): void {
          if (db.inTransaction) db.exec('ROLLBACK');
          for (const f of files) discardStaged(f.staged);
          end();
        },
      };
    },

    /** Marks a note changed without editing it (what its pages show changed: reply context). */
    markChanged(id: number): void {
      notes.bumpRevision(id);
      // What changed is usually the context of what it responds to: searched by its title too.
      const note = reader.getNoteById(id);
      if (note) search.setContext(id, contextText(note));
    },

    /**
     * Gives a note a new slug; its file path stays as it is. Its former address answers 301 to
     * the new one for as long as the note exists (`017_note_slug_history.sql`). A slug another note
     * holds, or held before, is refused; a note may take back one of its own former slugs.
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
      return reader.getNoteById(id)!;
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
     * Rebuilds the search index from the note files; returns how many notes were indexed.
     * `progress` shows how far it is (on a terminal: `starpunk reindex`).
     */
    reindex(progress: ProgressFactory = NO_PROGRESS): number {
      let n = 0;
      const step = progress('Indexing notes', notes.countNotes());
      try {
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
              search.indexNote(row.id, row.name, {
                ...searchText(note.contentHtml),
                context: contextText(note),
              });
              n++;
              step.tick();
            }
          }
        }).immediate();
      } finally {
        step.done();
      }
      return n;
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

    /**
     * Tells the listeners about notes created by a write on another connection, which had no
     * listeners (an import asked to announce runs its batch on a connection of its own): each as a
     * 'created' change, in a transaction of its own on this connection.
     */
    tellCreated(ids: readonly number[]): void {
      for (const id of ids) db.transaction(() => emit(id, 'created'))();
    },

    /** Hash of a body as the service would store it (for doctor and tests). */
    hashOf: (body: string) => hashBytes(Buffer.from(body, 'utf8')),
  };
}

/** The writing side of the note service: create, edit, move, trash, purge, and listen. */
export type NoteWriter = ReturnType<typeof createNoteWriter>;
