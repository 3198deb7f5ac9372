-- Syndication (POSSE): remote accounts notes are copied to, and one row per note and account
-- recording where the copy lives. The attempts and the retry schedule live in the job queue (jobs);
-- job_id names the job that last worked on the copy. Secrets (tokens, app passwords) are stored
-- sealed with AES-256-GCM under a key derived from the session secret, never in clear.
CREATE TABLE syndication_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service TEXT NOT NULL,
    uid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    user_name TEXT NOT NULL,
    user_url TEXT NOT NULL,
    user_photo TEXT,
    default_on INTEGER NOT NULL DEFAULT 0,
    secrets TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- A disconnected account leaves its copies (their URLs stay on the notes as u-syndication).
CREATE TABLE syndication_copies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    account_id INTEGER REFERENCES syndication_accounts(id) ON DELETE SET NULL,
    service TEXT NOT NULL,
    state TEXT NOT NULL,
    url TEXT,
    remote_id TEXT,
    job_id INTEGER,
    last_error TEXT,
    posted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (note_id, account_id)
);
CREATE INDEX idx_syndication_copies_note_id ON syndication_copies(note_id);

-- An OAuth authorization under way (Mastodon): the state parameter names it; data is sealed.
CREATE TABLE syndication_pending (
    state TEXT PRIMARY KEY,
    service TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
