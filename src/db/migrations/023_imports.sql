-- Migration 023: moving in from another platform (docs/decisions/0017-import-contract.md).
--
-- `imported_items` remembers what an import brought in, keyed by where it came from: the source
-- format and the item's id there (a WordPress post's guid, a Mastodon status id, a feed entry's
-- id). A second run of the same file finds every item here and adds nothing; a later, longer
-- export adds only what is new. An item whose note was deleted since stays here, so a re-import
-- does not bring back what the owner removed. `kind` says what the item became (note, page,
-- media, response) and `target_id` its id in that table.
CREATE TABLE imported_items (
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    target_id INTEGER,
    imported_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source, source_id)
);

-- The addresses a note or page had on the site it was imported from (its permalink, `/?p=12`,
-- `/?page_id=3`), as a path and query on this site. Like a former slug (017), each answers 301 to
-- where the note or page lives now, for as long as it exists; an address is only ever looked up
-- when nothing else on this site answers it. Exactly one of note_id and page_id is set.
CREATE TABLE former_addresses (
    address TEXT PRIMARY KEY,
    note_id INTEGER REFERENCES notes(id) ON DELETE CASCADE,
    page_id INTEGER REFERENCES pages(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    CHECK ((note_id IS NULL) <> (page_id IS NULL))
);

CREATE INDEX idx_former_addresses_note_id ON former_addresses(note_id);
CREATE INDEX idx_former_addresses_page_id ON former_addresses(page_id);
