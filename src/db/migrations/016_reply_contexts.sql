-- Migration 016: reply context. When a like, bookmark, repost or reply is published, the page it
-- responds to is fetched once (title and author, from its h-entry or its <title>) and kept here,
-- keyed by that page's URL, so that the note shows what it responds to without fetching again.
-- A failed fetch is kept too (status 'failed', with a short reason), so it is retried only later.
CREATE TABLE reply_contexts (
    url TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    name TEXT,
    author_name TEXT,
    author_url TEXT,
    error TEXT,
    fetched_at TIMESTAMP NOT NULL
);
