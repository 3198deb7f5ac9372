import type { Db } from '../open.js';

/** How a list of the first `limit` visible notes carrying some tags is cheaper to find. */
export type TagWalk = 'timeline' | 'uses';

/**
 * Picks the way to find the first `limit` visible notes carrying any of some tags (a tag page,
 * the tag's heading). Down the public timeline, keeping notes that carry one: about
 * limit × notes / uses rows before `limit` turn up, few for a common tag, every note for a rare
 * one. Through the tags' uses: each use once, then sorted, few for a rare tag. The timeline is
 * cheaper once uses² > limit × notes, so uses are counted only up to that point (the highest id
 * stands for the number of notes). Both ways read indexes only (022_covering_read_indexes.sql).
 */
export function tagWalk(db: Db): (tagIdsJson: string, limit: number) => TagWalk {
  const usesUpTo = db
    .prepare(
      'SELECT count(*) FROM (SELECT 1 FROM note_tags WHERE tag_id IN (SELECT value FROM json_each(@tagIds)) LIMIT @cap)',
    )
    .pluck();
  const highestId = db.prepare('SELECT max(id) FROM notes').pluck();
  return (tagIds, limit) => {
    const cap = Math.ceil(Math.sqrt(limit * ((highestId.get() as number | null) ?? 0)));
    return (usesUpTo.get({ tagIds, cap }) as number) >= cap ? 'timeline' : 'uses';
  };
}
