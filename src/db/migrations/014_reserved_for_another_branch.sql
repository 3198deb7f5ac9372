-- Migration 014: PLACEHOLDER, NOT TO BE MERGED. Number 014 belongs to another branch (issue 15/16);
-- this empty file only keeps the numbering contiguous so that 017 runs on this branch (i15-h).
-- When merging, drop this file and keep the real 014.
SELECT 1;
