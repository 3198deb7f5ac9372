import type { Db } from '../open.js';

/** One target a note sends Webmentions to. */
export interface SentWebmentionRow {
  id: number;
  note_id: number;
  target: string;
  /** 1 while the note links to the target; 0 once it no longer does (the target was told). */
  linked: number;
  /** The note revision the current job sends for. */
  revision: number;
  job_id: number | null;
  endpoint: string | null;
  status: number | null;
  /** Result of the last attempt: 'sent', 'no_endpoint', 'failed', or null before the first. */
  outcome: 'sent' | 'no_endpoint' | 'failed' | null;
  location: string | null;
  last_error: string | null;
  attempted_at: string | null;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
}

/** What one attempt found out. */
export interface SendAttempt {
  outcome: 'sent' | 'no_endpoint' | 'failed';
  endpoint: string | null;
  status: number | null;
  location: string | null;
  error: string | null;
  at: string;
}

/** Prepared statements for the sent_webmentions table. */
export function sentWebmentionsStore(db: Db) {
  const byNote = db.prepare('SELECT * FROM sent_webmentions WHERE note_id = ? ORDER BY id');
  const one = db.prepare('SELECT * FROM sent_webmentions WHERE note_id = ? AND target = ?');
  const upsert = db.prepare(
    `INSERT INTO sent_webmentions (note_id, target, linked, revision, job_id, created_at, updated_at)
     VALUES (@noteId, @target, @linked, @revision, @jobId, @now, @now)
     ON CONFLICT(note_id, target) DO UPDATE SET linked = excluded.linked, revision = excluded.revision,
       job_id = excluded.job_id, updated_at = excluded.updated_at
     WHERE sent_webmentions.job_id IS NOT excluded.job_id OR sent_webmentions.linked <> excluded.linked`,
  );
  // Only the job that currently owns the row records its result: a superseded job's late answer is dropped.
  const attempt = db.prepare(
    `UPDATE sent_webmentions SET outcome = @outcome, endpoint = @endpoint, status = @status,
       location = @location, last_error = @error, attempted_at = @at,
       sent_at = CASE WHEN @outcome = 'sent' THEN @at ELSE sent_at END, updated_at = @at
     WHERE note_id = @noteId AND target = @target AND job_id = @jobId`,
  );
  return {
    /** Every target of a note, oldest first. */
    listForNote: (noteId: number) => byNote.all(noteId) as SentWebmentionRow[],
    /** The row of one note and target, or undefined. */
    findOne: (noteId: number, target: string) => one.get(noteId, target) as SentWebmentionRow | undefined,
    /** Points a note's target at the job that sends its current revision (adding the row when new). */
    upsertTarget: (r: {
      noteId: number;
      target: string;
      linked: boolean;
      revision: number;
      jobId: number;
      now: string;
    }) => upsert.run({ ...r, linked: r.linked ? 1 : 0 }).changes === 1,
    /** Records an attempt of job `jobId`; false when another job owns the row now. */
    recordAttempt: (noteId: number, target: string, jobId: number, a: SendAttempt) =>
      attempt.run({ noteId, target, jobId, ...a }).changes === 1,
  };
}

/** The sent_webmentions store type. */
export type SentWebmentionsStore = ReturnType<typeof sentWebmentionsStore>;
