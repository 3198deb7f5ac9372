/**
 * Python StarPunk 1.x data directories (v1.0.0-rc.4 to 1.5), built from what is known of the
 * Python program, not from this code: its migration names and what each did (the issue quotes
 * them), `file_path` relative to the data directory, media paths relative to `media/` as
 * `YYYY/MM/<uuid>.<ext>` with variants `YYYY/MM/<uuid>_<variant>.<ext>`, timestamps as Python's
 * sqlite3 writes them. The exact DDL of 003/004/007/008 was not seen, so two variants of each
 * table's shape are built (column names, extra columns, constraints and index names differ).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { type PathStyle, sha256, storedPath } from './historical.js';

/** The Python releases that shipped their own migrations after rc.3. */
export type PythonRelease = 'rc.4' | '1.1' | '1.2' | '1.3' | '1.4' | '1.5';

/** Every release in order, with the migrations it had recorded by then. */
export const PYTHON_RELEASES: readonly PythonRelease[] = ['rc.4', '1.1', '1.2', '1.3', '1.4', '1.5'];

const MIGRATIONS: Record<PythonRelease, string[]> = {
  'rc.4': ['003_remove_code_verifier_from_auth_state.sql', '004_drop_token_tables.sql'],
  '1.1': ['005_add_fts5_search.sql'],
  '1.2': ['006_add_author_profile.sql', '007_add_media_support.sql'],
  '1.3': ['008_add_tags.sql'],
  '1.4': ['009_add_media_variants.sql'],
  '1.5': [],
};

const at = (r: PythonRelease, min: PythonRelease) =>
  PYTHON_RELEASES.indexOf(r) >= PYTHON_RELEASES.indexOf(min);

/** Which of two shapes a Python table is built in (the exact DDL was never seen). */
export type ShapeVariant = 'a' | 'b';

// rc.3: the shape every Python database had before its own 003.
const RC3 = `
CREATE TABLE notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT UNIQUE NOT NULL,
    file_path TEXT UNIQUE NOT NULL,
    published BOOLEAN DEFAULT 0,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_at TIMESTAMP,
    content_hash TEXT
);
CREATE INDEX idx_notes_created_at ON notes(created_at DESC);
CREATE INDEX idx_notes_published ON notes(published);
CREATE INDEX idx_notes_slug ON notes(slug);
CREATE INDEX idx_notes_deleted_at ON notes(deleted_at);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_token_hash TEXT UNIQUE NOT NULL,
    me TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    user_agent TEXT,
    ip_address TEXT
);
CREATE INDEX idx_sessions_token_hash ON sessions(session_token_hash);
CREATE INDEX idx_sessions_expires ON sessions(expires_at);
CREATE INDEX idx_sessions_me ON sessions(me);
CREATE TABLE schema_migrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    migration_name TEXT UNIQUE NOT NULL,
    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
`;

// rc.4 003: code_verifier removed (the table rebuilt without it); 004: its IndieAuth server removed.
const RC4 = `
CREATE TABLE auth_state (
    state TEXT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at TIMESTAMP NOT NULL,
    redirect_uri TEXT
);
CREATE INDEX idx_auth_state_expires ON auth_state(expires_at);
`;

const FTS = `
CREATE VIRTUAL TABLE notes_fts USING fts5(
    slug UNINDEXED,
    title,
    content,
    tokenize='porter unicode61'
);
CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN
    DELETE FROM notes_fts WHERE rowid = OLD.id;
END;
`;

const AUTHOR_PROFILE = `
CREATE TABLE author_profile (
    me TEXT PRIMARY KEY,
    name TEXT,
    photo TEXT,
    url TEXT,
    note TEXT,
    rel_me_links TEXT,
    discovered_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    cached_until DATETIME NOT NULL
);
`;

const MEDIA: Record<ShapeVariant, string> = {
  a: `
CREATE TABLE media (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    filename TEXT NOT NULL,
    original_name TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    mime_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    width INTEGER,
    height INTEGER,
    uploaded_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE note_media (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    note_id INTEGER NOT NULL,
    media_id INTEGER NOT NULL,
    display_order INTEGER NOT NULL DEFAULT 0,
    caption TEXT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    FOREIGN KEY (note_id) REFERENCES notes(id) ON DELETE CASCADE,
    FOREIGN KEY (media_id) REFERENCES media(id) ON DELETE CASCADE,
    UNIQUE(note_id, media_id)
);
CREATE INDEX idx_media_uploaded ON media(uploaded_at);
CREATE INDEX idx_note_media_note ON note_media(note_id);
CREATE INDEX idx_note_media_order ON note_media(note_id, display_order);
`,
  // Another plausible spelling: an index name that collides with one of ours, no ids on the link.
  b: `
CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    filename TEXT,
    original_name TEXT,
    path TEXT UNIQUE,
    mime_type TEXT,
    size INTEGER,
    width INTEGER,
    height INTEGER,
    uploaded_at TEXT
);
CREATE TABLE note_media (
    note_id INTEGER REFERENCES notes(id),
    media_id INTEGER REFERENCES media(id),
    display_order INTEGER,
    caption TEXT,
    created_at TEXT,
    PRIMARY KEY (note_id, media_id)
);
CREATE INDEX idx_media_created_at ON media(uploaded_at DESC);
`,
};

const TAGS: Record<ShapeVariant, string> = {
  a: `
CREATE TABLE tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT UNIQUE NOT NULL,
    display_name TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE note_tags (
    note_id INTEGER NOT NULL,
    tag_id INTEGER NOT NULL,
    PRIMARY KEY (note_id, tag_id),
    FOREIGN KEY (note_id) REFERENCES notes(id) ON DELETE CASCADE,
    FOREIGN KEY (tag_id) REFERENCES tags(id) ON DELETE CASCADE
);
CREATE INDEX idx_tags_name ON tags(name);
CREATE INDEX idx_note_tags_note ON note_tags(note_id);
CREATE INDEX idx_note_tags_tag ON note_tags(tag_id);
`,
  b: `
CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT
);
CREATE TABLE note_tags (
    id INTEGER PRIMARY KEY,
    note_id INTEGER NOT NULL REFERENCES notes(id),
    tag_id INTEGER NOT NULL REFERENCES tags(id),
    created_at TEXT,
    UNIQUE (note_id, tag_id)
);
CREATE INDEX idx_note_tags_tag_id ON note_tags(tag_id, note_id);
`,
};

const VARIANTS: Record<ShapeVariant, string> = {
  a: `
CREATE TABLE media_variants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    media_id INTEGER NOT NULL,
    variant_type TEXT NOT NULL CHECK (variant_type IN ('thumb', 'small', 'medium', 'large', 'original')),
    path TEXT NOT NULL UNIQUE,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    FOREIGN KEY (media_id) REFERENCES media(id) ON DELETE CASCADE,
    UNIQUE(media_id, variant_type)
);
CREATE INDEX idx_media_variants_media ON media_variants(media_id);
`,
  b: `
CREATE TABLE media_variants (
    media_id INTEGER REFERENCES media(id),
    variant_type TEXT,
    path TEXT,
    width INTEGER,
    height INTEGER,
    size_bytes INTEGER
);
`,
};

/** The DDL of a Python StarPunk 1.5 database (shape variant a), for the benchmark's large directories. */
export const PYTHON_15_DDL = RC3 + RC4 + FTS + AUTHOR_PROFILE + MEDIA.a + TAGS.a + VARIANTS.a;

/** The migration names a Python StarPunk 1.5 database records, in order. */
export const PYTHON_15_RECORDED = [
  '001_add_code_verifier_to_auth_state.sql',
  '002_secure_tokens_and_authorization_codes.sql',
  ...PYTHON_RELEASES.flatMap((r) => MIGRATIONS[r]),
];

/** A note as the fixture writes it and as the upgraded site must show it. */
export interface PythonNote {
  id: number;
  slug: string;
  /** Relative to the notes folder. */
  rel: string;
  body: string;
  /** The text a page shows of it (a distinctive phrase of the body). */
  phrase: string;
  published: boolean;
  deleted: boolean;
  createdAt: string;
  /** Tags as the author wrote them (display names), in order. */
  tags: string[];
  /** Photos in display order: media path (relative to media/) and caption. */
  photos: { rel: string; caption: string }[];
}

/** What a built Python data directory holds, for the assertions. */
export interface PythonDataDir {
  dir: string;
  dbPath: string;
  release: PythonRelease;
  notes: PythonNote[];
  /** Media rows: main file and its variant files, relative to media/. */
  media: { rel: string; variants: Record<string, string> }[];
  profile: { name: string; photo: string; note: string; relMe: string[] } | null;
  /** Every tag as the author wrote it, with the notes that carry it (slugs). */
  tags: Map<string, string[]>;
}

async function jpeg(
  colour: { r: number; g: number; b: number },
  width: number,
  height: number,
): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

/** Options for buildPythonDataDir. */
export interface PythonFixtureOptions {
  variant?: ShapeVariant;
  pathStyle?: PathStyle;
  /** How many extra plain notes to add (for scale tests). */
  extraNotes?: number;
}

/**
 * Builds a Python StarPunk data directory as `release` left it: `starpunk.db` (rollback journal, as
 * Python's sqlite3 module leaves it), `notes/`, `media/`, and the notes, tags, photos and author
 * profile that release could hold.
 */
export async function buildPythonDataDir(
  dir: string,
  release: PythonRelease,
  options: PythonFixtureOptions = {},
): Promise<PythonDataDir> {
  const variant = options.variant ?? 'a';
  const style = options.pathStyle ?? 'data-relative';
  const dbPath = join(dir, 'starpunk.db');
  mkdirSync(join(dir, 'notes'), { recursive: true });
  const hasMedia = at(release, '1.2');
  const hasTags = at(release, '1.3');
  const hasVariants = at(release, '1.4');
  const timestampSlugs = at(release, '1.5');

  const notes: PythonNote[] = [
    {
      id: 1,
      slug: 'hello-starpunk-this-is-my',
      rel: '2024/12/hello-starpunk-this-is-my.md',
      body: '# Hello StarPunk\n\nThis is my first note, with a [link](https://example.org/).\n',
      phrase: 'This is my first note',
      published: true,
      deleted: false,
      createdAt: '2024-12-01 09:15:00',
      tags: hasTags ? ['IndieWeb', 'Café Life'] : [],
      photos: [],
    },
    {
      id: 2,
      slug: 'cafe-deja-vu',
      rel: '2024/12/cafe-deja-vu.md',
      body: 'Café déjà vu: 日本語, emoji 🎉, “quotes”.\r\nWritten in a browser form.\r\n',
      phrase: 'Café déjà vu',
      published: true,
      deleted: false,
      createdAt: '2024-12-02 10:00:00.123456',
      tags: hasTags ? ['Café Life'] : [],
      photos: hasMedia
        ? [
            {
              rel: '2024/12/0b8f6a3e-5c1d-4e7a-9d2b-1f3c5e7a9b0d.jpg',
              caption: 'The second photo, shown first',
            },
            { rel: '2024/12/7d2e4f6a-8b0c-4d1e-a3f5-b7c9d1e3f5a7.jpg', caption: '' },
          ]
        : [],
    },
    {
      id: 3,
      slug: 'a-draft',
      rel: '2024/12/a-draft.md',
      body: 'Draft, not yet public.\n',
      phrase: 'Draft, not yet public',
      published: false,
      deleted: false,
      createdAt: '2024-12-03 11:00:00',
      tags: hasTags ? ['Secret Plans'] : [],
      photos: [],
    },
    {
      id: 4,
      slug: 'gone-note',
      rel: '2024/12/gone-note.md',
      body: 'This one was deleted.\n',
      phrase: 'This one was deleted',
      published: true,
      deleted: true,
      createdAt: '2024-12-04 12:00:00',
      tags: [],
      photos: [],
    },
  ];
  if (timestampSlugs) {
    notes.push({
      id: 5,
      slug: '20250115093000',
      rel: '2025/01/20250115093000.md',
      body: 'A note with a timestamp slug, as 1.5 makes them.\n',
      phrase: 'timestamp slug',
      published: true,
      deleted: false,
      createdAt: '2025-01-15 09:30:00',
      tags: ['IndieWeb'],
      photos: [{ rel: '2025/01/c3d5e7f9-1a2b-4c3d-8e4f-5a6b7c8d9e0f.jpeg', caption: 'Snow on the roofs' }],
    });
  }
  for (let i = 0; i < (options.extraNotes ?? 0); i++) {
    const id = notes.length + 1;
    const slug = timestampSlugs ? `2025020${1 + (i % 9)}${String(100000 + i).slice(-6)}` : `extra-note-${i}`;
    notes.push({
      id,
      slug,
      rel: `2025/02/${slug}.md`,
      body: `Extra note number ${i}.\n`,
      phrase: `Extra note number ${i}`,
      published: true,
      deleted: false,
      createdAt: `2025-02-0${1 + (i % 9)} 08:00:00`,
      tags: [],
      photos: [],
    });
  }

  const media = new Map<string, { rel: string; variants: Record<string, string>; w: number; h: number }>();
  for (const n of notes) {
    for (const p of n.photos) {
      if (media.has(p.rel)) continue;
      const ext = p.rel.slice(p.rel.lastIndexOf('.'));
      const stem = p.rel.slice(0, -ext.length);
      const variants: Record<string, string> = hasVariants
        ? { thumb: `${stem}_thumb${ext}`, medium: `${stem}_medium${ext}` }
        : {};
      media.set(p.rel, { rel: p.rel, variants, w: 1200, h: 800 });
    }
  }
  const mediaBytes = new Map<string, Buffer>();
  let shade = 40;
  for (const m of media.values()) {
    shade += 50;
    mediaBytes.set(m.rel, await jpeg({ r: shade, g: 90, b: 200 - shade / 2 }, m.w, m.h));
    for (const [v, rel] of Object.entries(m.variants)) {
      const w = v === 'thumb' ? 150 : 640;
      mediaBytes.set(
        rel,
        await jpeg({ r: shade, g: 90, b: 200 - shade / 2 }, w, Math.round((w * m.h) / m.w)),
      );
    }
  }
  for (const [rel, bytes] of mediaBytes) {
    const full = join(dir, 'media', rel);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, bytes);
  }

  const db = new Database(dbPath);
  try {
    db.exec(RC3);
    db.exec(RC4);
    if (at(release, '1.1')) db.exec(FTS);
    if (hasMedia) db.exec(AUTHOR_PROFILE + MEDIA[variant]);
    if (hasTags) db.exec(TAGS[variant]);
    if (hasVariants) db.exec(VARIANTS[variant]);
    const record = db.prepare('INSERT INTO schema_migrations (migration_name, applied_at) VALUES (?, ?)');
    let day = 1;
    for (const r of [
      '001_add_code_verifier_to_auth_state.sql',
      '002_secure_tokens_and_authorization_codes.sql',
    ])
      record.run(r, `2024-11-${String(day++).padStart(2, '0')} 08:00:00`);
    for (const rel of PYTHON_RELEASES) {
      if (!at(release, rel)) break;
      for (const m of MIGRATIONS[rel]) record.run(m, `2024-11-${String(day++).padStart(2, '0')} 08:00:00`);
    }

    const insertNote = db.prepare(
      'INSERT INTO notes (id, slug, file_path, published, created_at, updated_at, deleted_at, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const fts = at(release, '1.1')
      ? db.prepare('INSERT INTO notes_fts (rowid, slug, title, content) VALUES (?, ?, ?, ?)')
      : undefined;
    // Variant b writes times as Python's datetime.isoformat() does with a time zone.
    const stamp = (t: string) =>
      variant === 'b' ? `${t.replace(' ', 'T')}${t.includes('.') ? '' : '.000000'}+00:00` : t;
    for (const n of notes) {
      const full = join(dir, 'notes', n.rel);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, n.body, 'utf8');
      insertNote.run(
        n.id,
        n.slug,
        storedPath(dir, n.rel, style),
        n.published ? 1 : 0,
        stamp(n.createdAt),
        stamp(n.createdAt),
        n.deleted ? '2024-12-24 10:00:00' : null,
        sha256(Buffer.from(n.body, 'utf8')),
      );
      fts?.run(n.id, n.slug, n.body.split('\n')[0]!.replace(/^#\s*/, ''), n.body);
    }
    db.prepare('INSERT INTO sessions (session_token_hash, me, expires_at) VALUES (?, ?, ?)').run(
      sha256('a-python-session'),
      'https://example.net/',
      '2099-01-01 00:00:00',
    );
    db.prepare('INSERT INTO auth_state (state, expires_at, redirect_uri) VALUES (?, ?, ?)').run(
      'state-abc',
      '2099-01-01 00:00:00',
      'https://example.net/auth/callback',
    );

    let profile: PythonDataDir['profile'] = null;
    if (hasMedia) {
      profile = {
        name: 'Ada Lovelace',
        photo: 'https://example.net/ada.jpg',
        note: 'Writes notes about engines.',
        relMe: ['https://mastodon.example/@ada', 'https://github.com/ada'],
      };
      db.prepare(
        'INSERT INTO author_profile (me, name, photo, url, note, rel_me_links, discovered_at, cached_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(
        'https://example.net/',
        profile.name,
        profile.photo,
        'https://example.net/',
        profile.note,
        JSON.stringify(profile.relMe),
        '2024-12-01 08:00:00',
        '2024-12-02 08:00:00',
      );
      const insertMedia = db.prepare(
        'INSERT INTO media (id, filename, original_name, path, mime_type, size, width, height, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const ids = new Map<string, number>();
      let id = 10;
      for (const m of media.values()) {
        ids.set(m.rel, id);
        insertMedia.run(
          id,
          m.rel.split('/').pop(),
          `IMG_${id}.jpg`,
          m.rel,
          'image/jpeg',
          mediaBytes.get(m.rel)!.length,
          m.w,
          m.h,
          '2024-12-02 09:59:00',
        );
        if (hasVariants) {
          const insertVariant = db.prepare(
            'INSERT INTO media_variants (media_id, variant_type, path, width, height, size_bytes) VALUES (?, ?, ?, ?, ?, ?)',
          );
          for (const [v, rel] of Object.entries(m.variants)) {
            const w = v === 'thumb' ? 150 : 640;
            insertVariant.run(id, v, rel, w, Math.round((w * m.h) / m.w), mediaBytes.get(rel)!.length);
          }
        }
        id++;
      }
      const link = db.prepare(
        'INSERT INTO note_media (note_id, media_id, display_order, caption, created_at) VALUES (?, ?, ?, ?, ?)',
      );
      for (const n of notes) {
        // Written in reverse so that the display order, not the insertion order, decides.
        [...n.photos]
          .map((p, i) => ({ p, i }))
          .reverse()
          .forEach(({ p, i }) => {
            link.run(n.id, ids.get(p.rel), i, p.caption === '' ? null : p.caption, '2024-12-02 10:00:00');
          });
      }
    }
    const tags = new Map<string, string[]>();
    if (hasTags) {
      const insertTag = db.prepare('INSERT INTO tags (id, name, display_name) VALUES (?, ?, ?)');
      const link = db.prepare('INSERT INTO note_tags (note_id, tag_id) VALUES (?, ?)');
      const tagIds = new Map<string, number>();
      let id = 100;
      for (const n of notes) {
        for (const t of n.tags) {
          if (!tagIds.has(t)) {
            // Python's normalised name is its own (a slug); the display name is what the author wrote.
            insertTag.run(id, t.toLowerCase().replace(/\s+/g, '-'), t);
            tagIds.set(t, id++);
          }
          link.run(n.id, tagIds.get(t));
          tags.set(t, [...(tags.get(t) ?? []), n.slug]);
        }
      }
    }
    return {
      dir,
      dbPath,
      release,
      notes,
      media: [...media.values()].map((m) => ({ rel: m.rel, variants: m.variants })),
      profile,
      tags,
    };
  } finally {
    db.close();
  }
}
