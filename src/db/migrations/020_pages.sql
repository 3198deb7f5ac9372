-- Standalone pages (About, Now, Uses, …): Markdown written in the admin, served at the site root
-- (/about). Not notes: never in the timeline, feeds, search, Micropub or Webmention sending. The
-- body lives in the row (docs/decisions/0009-pages.md): a page is one short text edited as a whole,
-- and the database backup, export and import carry it with the rest of the row.
-- `menu_order` is the place in the site's navigation menu; NULL keeps the page out of the menu.
CREATE TABLE pages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    content_html TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 1,
    menu_order INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE INDEX idx_pages_menu_order ON pages(menu_order);
