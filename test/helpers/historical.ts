/**
 * Builders for every historical StarPunk database state described in the Python project's
 * history (shared/seed): the schema each version's SCHEMA_SQL and migrations produced, filled
 * with notes (rows + Markdown files), sessions and tokens.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { INITIAL_SCHEMA } from '../../src/db/initial-schema.js';

export const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

const NOTES = `
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT UNIQUE NOT NULL,
    file_path TEXT UNIQUE NOT NULL,
    published BOOLEAN DEFAULT 0,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at TIMESTAMP,
    content_hash TEXT
);
CREATE INDEX IF NOT EXISTS idx_notes_created_at ON notes(created_at DESC);
CREATE INDEX IF NOT EXISTS idx_notes_published ON notes(published);
CREATE INDEX IF NOT EXISTS idx_notes_slug ON notes(slug);
CREATE INDEX IF NOT EXISTS idx_notes_deleted_at ON notes(deleted_at);
`;

/** v0.4.0 moved sessions to hashed tokens inside SCHEMA_SQL. */
const SESSIONS_HASHED = `
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_token_hash TEXT UNIQUE NOT NULL,
    me TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    user_agent TEXT,
    ip_address TEXT
);
CREATE INDEX IF NOT EXISTS idx_sessions_token_hash ON sessions(session_token_hash);
CREATE INDEX IF NOT EXISTS idx_sessions_expires ON sessions(expires_at);
CREATE INDEX IF NOT EXISTS idx_sessions_me ON sessions(me);
`;

const TOKENS_OLD = `
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    me TEXT NOT NULL,
    client_id TEXT,
    scope TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_tokens_me ON tokens(me);
`;

const TOKENS_NEW = `
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT UNIQUE NOT NULL,
    me TEXT NOT NULL,
    client_id TEXT,
    scope TEXT DEFAULT 'create',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
`;

const TOKEN_INDEXES = `
CREATE INDEX IF NOT EXISTS idx_tokens_hash ON tokens(token_hash);
CREATE INDEX IF NOT EXISTS idx_tokens_me ON tokens(me);
CREATE INDEX IF NOT EXISTS idx_tokens_expires ON tokens(expires_at);
`;

const AUTH_CODES = `
CREATE TABLE IF NOT EXISTS authorization_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code_hash TEXT UNIQUE NOT NULL,
    me TEXT NOT NULL,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    scope TEXT,
    state TEXT,
    code_challenge TEXT,
    code_challenge_method TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_auth_codes_hash ON authorization_codes(code_hash);
CREATE INDEX IF NOT EXISTS idx_auth_codes_expires ON authorization_codes(expires_at);
`;

/** v0.4–v0.7: redirect_uri added in SCHEMA_SQL, no code_verifier yet. */
const AUTH_STATE_V04 = `
CREATE TABLE IF NOT EXISTS auth_state (
    state TEXT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at TIMESTAMP NOT NULL,
    redirect_uri TEXT
);
CREATE INDEX IF NOT EXISTS idx_auth_state_expires ON auth_state(expires_at);
`;

/** v0.8+: code_verifier in SCHEMA_SQL. */
const AUTH_STATE_V08 = `
CREATE TABLE IF NOT EXISTS auth_state (
    state TEXT PRIMARY KEY,
    code_verifier TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at TIMESTAMP NOT NULL,
    redirect_uri TEXT
);
CREATE INDEX IF NOT EXISTS idx_auth_state_expires ON auth_state(expires_at);
`;

/** The Python runner's bookkeeping table. */
const PY_TRACKING = `
CREATE TABLE IF NOT EXISTS schema_migrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    migration_name TEXT UNIQUE NOT NULL,
    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
`;

const M001 = '001_add_code_verifier_to_auth_state.sql';
const M002 = '002_secure_tokens_and_authorization_codes.sql';

/** Every state the issue and the seed describe. */
export const HISTORICAL_STATES = {
  'v0.1.0 baseline (no tracking)': { sql: INITIAL_SCHEMA, tracked: [], sessions: 'plain', tokens: 'old' },
  'v0.4-v0.7 SCHEMA_SQL (hashed sessions, no code_verifier, no tracking)': {
    sql: NOTES + SESSIONS_HASHED + TOKENS_OLD + AUTH_STATE_V04,
    tracked: [],
    sessions: 'hashed',
    tokens: 'old',
  },
  'v0.8 (code_verifier from SCHEMA_SQL, no tracking)': {
    sql: NOTES + SESSIONS_HASHED + TOKENS_OLD + AUTH_STATE_V08,
    tracked: [],
    sessions: 'hashed',
    tokens: 'old',
  },
  'v0.9.x (tracking with 001, old plaintext tokens)': {
    sql: NOTES + SESSIONS_HASHED + TOKENS_OLD + AUTH_STATE_V08,
    tracked: [M001],
    sessions: 'hashed',
    tokens: 'old',
  },
  'v0.9.x upgraded from v0.4 (001 appended code_verifier by ALTER TABLE)': {
    sql: `${NOTES + SESSIONS_HASHED + TOKENS_OLD + AUTH_STATE_V04}ALTER TABLE auth_state ADD COLUMN code_verifier TEXT NOT NULL DEFAULT '';`,
    tracked: [M001],
    sessions: 'hashed',
    tokens: 'old',
  },
  'v1.0.0-rc.1 hybrid (new tables and token indexes from SCHEMA_SQL, no tracking)': {
    sql: NOTES + SESSIONS_HASHED + TOKENS_NEW + TOKEN_INDEXES + AUTH_CODES + AUTH_STATE_V08,
    tracked: [],
    sessions: 'hashed',
    tokens: 'new',
  },
  'v1.0.0-rc.1 hybrid (partial tracking: 001 only)': {
    sql: NOTES + SESSIONS_HASHED + TOKENS_NEW + TOKEN_INDEXES + AUTH_CODES + AUTH_STATE_V08,
    tracked: [M001],
    sessions: 'hashed',
    tokens: 'new',
  },
  'v1.0.0-rc.2 partial (tables without token indexes, 001 recorded)': {
    sql: NOTES + SESSIONS_HASHED + TOKENS_NEW + AUTH_CODES + AUTH_STATE_V08,
    tracked: [M001],
    sessions: 'hashed',
    tokens: 'new',
  },
  'v1.0.0-rc.3 current (001 and 002 recorded)': {
    sql: NOTES + SESSIONS_HASHED + TOKENS_NEW + TOKEN_INDEXES + AUTH_CODES + AUTH_STATE_V08,
    tracked: [M001, M002],
    sessions: 'hashed',
    tokens: 'new',
  },
} as const satisfies Record<string, HistoricalState>;

/** The two states the runner must refuse. */
export const REFUSED_STATES = {
  'a database from a newer version': {
    sql: NOTES + SESSIONS_HASHED + TOKENS_NEW + TOKEN_INDEXES + AUTH_CODES + AUTH_STATE_V08,
    tracked: [
      M001,
      M002,
      '003_hash_session_tokens.sql',
      '004_add_redirect_uri_to_auth_state.sql',
      '099_from_the_future.sql',
    ],
    sessions: 'hashed',
    tokens: 'new',
  },
  'tracking that claims a migration whose effect is missing': {
    sql: NOTES + SESSIONS_HASHED + TOKENS_OLD + AUTH_STATE_V08,
    tracked: [M001, M002],
    sessions: 'hashed',
    tokens: 'old',
  },
} as const satisfies Record<string, HistoricalState>;

export interface HistoricalState {
  sql: string;
  tracked: readonly string[];
  sessions: 'plain' | 'hashed';
  tokens: 'old' | 'new';
}

/** Secrets written into a fixture; none of them may survive an upgrade in readable form. */
export const SECRETS = {
  session: 'plain-session-token-Q7xK2mZr9WvB4nL8pT3s',
  oldToken: 'plaintext-access-token-H5jD1cF6gY0uE2aR8kN4',
  newToken: 'hashed-access-token-never-stored-P9wQ3zX7',
};

/** The notes every fixture holds: non-ASCII content, a draft, a deleted note. */
export const FIXTURE_NOTES = [
  {
    slug: 'cafe-deja-vu',
    path: '2024/11/cafe-deja-vu.md',
    body: '# Café déjà vu\n\nUnicode: 日本語, emoji 🎉, and “quotes”.\n',
    published: 1,
    deleted: null,
  },
  {
    slug: 'plain-note',
    path: '2024/11/plain-note.md',
    body: 'Just a plain note.\n',
    published: 1,
    deleted: null,
  },
  { slug: 'a-draft', path: '2024/12/a-draft.md', body: 'Draft — not yet.\n', published: 0, deleted: null },
  {
    slug: 'gone-note',
    path: '2024/12/gone-note.md',
    body: 'This one was deleted.\n',
    published: 1,
    deleted: '2024-12-24 10:00:00',
  },
] as const;

/**
 * How a fixture writes `notes.file_path`. The Python StarPunk's path helpers all take the data
 * directory (`generate_note_path(slug, created_at, data_dir)`, `Note.from_row(row, data_dir)`), and
 * its storage decision shows `data/notes/2024/11/my-first-note.md`: the stored value is relative to
 * the data directory, `notes/2024/11/<slug>.md`. No line of the code that writes it was seen, so
 * the other plausible spellings are fixtures too.
 */
export type PathStyle =
  | 'data-relative'
  | 'notes-relative'
  | 'absolute'
  | 'absolute-moved'
  | 'dot-relative'
  | 'backslash';

/** Every spelling of a stored note path a Python data directory may hold. */
export const PATH_STYLES: readonly PathStyle[] = [
  'data-relative',
  'notes-relative',
  'absolute',
  'absolute-moved',
  'dot-relative',
  'backslash',
];

/** The value a fixture stores in notes.file_path for a file at `notes/<rel>` under `dir`. */
export function storedPath(dir: string, rel: string, style: PathStyle): string {
  switch (style) {
    case 'data-relative':
      return `notes/${rel}`;
    case 'notes-relative':
      return rel;
    case 'absolute':
      return join(dir, 'notes', rel);
    case 'absolute-moved':
      // The directory was copied from another machine: the absolute path no longer exists.
      return `/home/olduser/starpunk/data/notes/${rel}`;
    case 'dot-relative':
      return `./notes/${rel}`;
    case 'backslash':
      return `notes\\${rel.split('/').join('\\')}`;
  }
}

/** Creates `dir/starpunk.db` and `dir/notes/...` in the given historical state. */
export function buildHistoricalDataDir(
  dir: string,
  state: HistoricalState,
  style: PathStyle = 'data-relative',
): { dbPath: string; notesDir: string } {
  const dbPath = join(dir, 'starpunk.db');
  const notesDir = join(dir, 'notes');
  mkdirSync(notesDir, { recursive: true });
  // The Python StarPunk used sqlite3's default rollback journal, not WAL.
  const db = new Database(dbPath);
  try {
    db.exec(state.sql);
    const insertNote = db.prepare(
      'INSERT INTO notes (slug, file_path, published, created_at, updated_at, deleted_at, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    FIXTURE_NOTES.forEach((n, i) => {
      const file = join(notesDir, n.path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, n.body, 'utf8');
      const at = `2024-11-${String(10 + i).padStart(2, '0')} 12:00:00`;
      insertNote.run(
        n.slug,
        storedPath(dir, n.path, style),
        n.published,
        at,
        at,
        n.deleted,
        sha256(Buffer.from(n.body, 'utf8')),
      );
    });
    if (state.sessions === 'plain') {
      db.prepare('INSERT INTO sessions (session_token, me, expires_at) VALUES (?, ?, ?)').run(
        SECRETS.session,
        'https://example.net/',
        '2099-01-01 00:00:00',
      );
    } else {
      db.prepare(
        'INSERT INTO sessions (session_token_hash, me, expires_at, user_agent) VALUES (?, ?, ?, ?)',
      ).run(sha256(SECRETS.session), 'https://example.net/', '2099-01-01 00:00:00', 'Firefox');
    }
    if (state.tokens === 'old') {
      db.prepare('INSERT INTO tokens (token, me, client_id, scope) VALUES (?, ?, ?, ?)').run(
        SECRETS.oldToken,
        'https://example.net/',
        'https://quill.p3k.io/',
        'create',
      );
    } else {
      db.prepare(
        'INSERT INTO tokens (token_hash, me, client_id, scope, expires_at) VALUES (?, ?, ?, ?, ?)',
      ).run(
        sha256(SECRETS.newToken),
        'https://example.net/',
        'https://quill.p3k.io/',
        'create',
        '2099-01-01 00:00:00',
      );
    }
    db.prepare('INSERT INTO auth_state (state, expires_at) VALUES (?, ?)').run(
      'state-123',
      '2099-01-01 00:00:00',
    );
    if (state.tracked.length > 0) {
      db.exec(PY_TRACKING);
      const rec = db.prepare('INSERT INTO schema_migrations (migration_name) VALUES (?)');
      for (const m of state.tracked) rec.run(m);
    }
  } finally {
    db.close();
  }
  return { dbPath, notesDir };
}
