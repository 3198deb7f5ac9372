-- Migration 013: PLACEHOLDER, NOT TO BE MERGED. Number 013 belongs to another branch of issue 16;
-- this empty file only keeps the numbering contiguous so that 014 and 015 run on this branch.
-- When merging, drop this file and keep the real 013.
SELECT 1;
