/**
 * The note service: one object over the two sides of notes, reading (read.ts: notes as pages,
 * lists, feeds and search show them) and writing (write.ts: the one way notes are written). Callers
 * that need only one side may take `NoteReader` or `NoteWriter`; the composition root builds both
 * here, over one set of prepared statements.
 */
import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import { formerAddressesStore } from '../db/store/former-addresses.js';
import { formerSlugsStore } from '../db/store/former-slugs.js';
import { notesStore } from '../db/store/notes.js';
import { searchStore } from '../db/store/search.js';
import { tagsStore } from '../db/store/tags.js';
import type { Logger } from '../logger.js';
import { createNoteReading, type NoteStores } from './read.js';
import { createNoteWriter } from './write.js';

export type { NoteReader, NoteWithSource, TimelineState } from './read.js';
export {
  MAX_CONTENT_PROPERTY_BYTES,
  MAX_NOTE_BYTES,
  MAX_PROPERTIES_BYTES,
  MAX_PROPERTY_BYTES,
  type NoteChange,
  type NoteChanges,
  type NoteCommands,
  type NoteInput,
  type NoteWriter,
  type WriteBatch,
} from './write.js';

/** Everything the note service needs. */
export interface NoteServiceDeps {
  db: Db;
  notesPath: string;
  clock: Clock;
  logger?: Logger;
}

/**
 * The one way notes are read and written: file and row change together or not at all (see
 * files.ts for the pending-file protocol), the search index and tags follow in the same
 * transaction.
 */
export function createNoteService(deps: NoteServiceDeps) {
  const { db } = deps;
  const stores: NoteStores = {
    notes: notesStore(db),
    tags: tagsStore(db),
    search: searchStore(db),
    formerSlugs: formerSlugsStore(db),
    formerAddresses: formerAddressesStore(db),
  };
  const reading = createNoteReading(deps, stores);
  return { ...reading.reader, ...createNoteWriter(deps, stores, reading) };
}

/** The note service type. */
export type NoteService = ReturnType<typeof createNoteService>;
