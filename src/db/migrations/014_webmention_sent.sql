-- Webmentions this site sends: one row per note and target it linked to, so that an update or a
-- delete can tell the targets a note no longer links to (Webmention §3.1.4 and §3.1.5), and the
-- admin can show what was sent to whom with what result. The attempts and the retry schedule
-- live in the job queue (jobs); job_id names the job that sends the current revision.
CREATE TABLE sent_webmentions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    linked INTEGER NOT NULL DEFAULT 1,
    revision INTEGER NOT NULL,
    job_id INTEGER,
    endpoint TEXT,
    status INTEGER,
    outcome TEXT,
    location TEXT,
    last_error TEXT,
    attempted_at TIMESTAMP,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (note_id, target)
);
