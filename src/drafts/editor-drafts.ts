import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import { editorDraftsStore } from '../db/store/editor-drafts.js';
import { AppError } from '../lib/errors.js';
import { MAX_NOTE_BYTES } from '../notes/service.js';

/** Which editor a draft belongs to: 'new' (a note not saved yet) or the id of the note edited. */
export type DraftKey = string;

/** True when `key` names an editor: 'new' or a note id. */
export function isDraftKey(key: string): boolean {
  return key === 'new' || /^\d{1,12}$/.test(key);
}

/** The editor's fields as the browser autosaves them (names as in the form). */
const FieldsSchema = z.object({
  name: z.string().max(2000).optional(),
  content: z.string().max(MAX_NOTE_BYTES).optional(),
  tags: z.string().max(10_000).optional(),
  slug: z.string().max(500).optional(),
  status: z.string().max(20).optional(),
  publish_at: z.string().max(40).optional(),
  visibility: z.string().max(20).optional(),
  response_kind: z.string().max(20).optional(),
  response_url: z.string().max(4096).optional(),
  photos: z
    .array(z.object({ url: z.string().max(4096), alt: z.string().max(2000), remove: z.boolean().optional() }))
    .max(50)
    .optional(),
});

/** An autosave request: which visit of the editor wrote it, when, on which revision, what. */
const SaveSchema = z.object({
  stamp: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  typed_at: z.number().int().positive().max(8.64e15),
  base_revision: z.number().int().nonnegative().nullable().optional(),
  fields: FieldsSchema,
});

/** The fields of a draft (see FieldsSchema). */
export type DraftFields = z.infer<typeof FieldsSchema>;

/** A draft as the editor gets it back. */
export interface EditorDraft {
  stamp: string;
  /** When it was typed, by the browser's clock (ms since 1970). */
  typedAt: number;
  baseRevision: number | null;
  fields: DraftFields;
  /** When the server stored it. */
  savedAt: Date;
}

/** Everything the drafts need. */
export interface DraftServiceDeps {
  db: Db;
  clock: Clock;
}

/**
 * What the editor autosaves on the server while the owner writes (beside the browser's own
 * copy), so that an ended session, a closed tab or a failed save loses nothing. One draft per
 * editor; saving the note removes the draft that visit of the editor wrote.
 */
export function createDraftService(deps: DraftServiceDeps) {
  const store = editorDraftsStore(deps.db);
  return {
    /** Validates and stores an autosave request body for `key`; returns when it was stored. */
    saveDraft(key: DraftKey, body: unknown): Date {
      const parsed = SaveSchema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new AppError(
          'invalid_request',
          `The draft is not valid: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'unreadable'}.`,
        );
      }
      const d = parsed.data;
      if (d.fields.content !== undefined && Buffer.byteLength(d.fields.content, 'utf8') > MAX_NOTE_BYTES)
        throw new AppError(
          'payload_too_large',
          `A note may hold at most ${MAX_NOTE_BYTES / 1024} KB of text.`,
        );
      const now = deps.clock.now();
      store.upsertDraft({
        draft_key: key,
        stamp: d.stamp,
        base_revision: d.base_revision ?? null,
        fields: JSON.stringify(d.fields),
        typed_at: new Date(d.typed_at).toISOString(),
        saved_at: now.toISOString(),
      });
      return now;
    },

    /** The draft of one editor, or undefined. */
    findDraft(key: DraftKey): EditorDraft | undefined {
      const row = store.findDraft(key);
      if (!row) return undefined;
      let fields: DraftFields = {};
      try {
        fields = FieldsSchema.parse(JSON.parse(row.fields));
      } catch {
        // A row that does not read is no draft at all.
        return undefined;
      }
      return {
        stamp: row.stamp,
        typedAt: new Date(row.typed_at).getTime(),
        baseRevision: row.base_revision,
        fields,
        savedAt: new Date(row.saved_at),
      };
    },

    /**
     * Removes the draft of one editor: only the one `stamp` wrote when given (saving a note must
     * not remove what another tab typed since), any otherwise. True when one was removed.
     */
    discardDraft(key: DraftKey, stamp?: string): boolean {
      return stamp === undefined ? store.deleteDraft(key) : store.deleteDraftIfStamp(key, stamp);
    },
  };
}

/** The draft service type. */
export type DraftService = ReturnType<typeof createDraftService>;
