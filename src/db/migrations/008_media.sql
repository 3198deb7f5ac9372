-- Migration 008: the media library. Files live under MEDIA_PATH as YYYY/MM/<uuid>.<ext>, with
-- size variants beside them as <uuid>_<variant>.<ext> (listed in `variants`, JSON).
CREATE TABLE media (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_path TEXT UNIQUE NOT NULL,
    mime_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    width INTEGER,
    height INTEGER,
    original_name TEXT,
    alt TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL,
    variants TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX idx_media_created_at ON media(created_at DESC);
