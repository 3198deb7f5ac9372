-- Migration 026: the search index gets two more columns (issue 25, item 15).
--   context: the titles and authors of the pages a reply, like, repost or bookmark responds to
--            (reply_contexts, or the h-cite a client sent), so a reply is found by what it replies to;
--   code:    the text of code blocks, found by a search but never shown in an excerpt.
-- `body` no longer holds code blocks nor footnote reference markers ("[1]"), which excerpts showed
-- raw. The index holds nothing that is not in the notes, so it is made anew: `serve` (and
-- `restore`) rebuild it when it is out of step with the notes, and `starpunk reindex` does it on
-- demand.
DROP TABLE notes_fts;
CREATE VIRTUAL TABLE notes_fts USING fts5(
    name,
    body,
    context,
    code,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
