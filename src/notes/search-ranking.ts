import type { SearchExcerptRow, SearchStore } from '../db/store/search.js';

/** Hits ranked at once: the first ten pages of twenty. A page further ranks twice as far as it needs. */
export const RANK_AHEAD = 200;
/** Ids kept over every ranking (about 8 bytes each): the memory this memo may take, about 400 KB. */
export const MAX_KEPT_IDS = 50_000;
/** Rankings kept (queries). */
export const MAX_RANKINGS = 256;

/** A ranked query: its best visible hits, in order, and how many there are in all. */
interface Ranking {
  ids: number[];
  /** `ids` holds every visible hit. */
  complete: boolean;
  total: number;
}

/** One page of search results: ids in rank order, their excerpts, and the number of all visible hits. */
export interface SearchPage {
  total: number;
  ids: number[];
  excerpts: Map<number, SearchExcerptRow>;
}

/**
 * Search pages over a memo of rankings. Ranking costs about a microsecond per matching note (bm25
 * reads every match: 2 ms for a word in 3,700 of 100,000 notes), a page's excerpts about 20 µs per
 * note shown. A query's ranking is kept, as ids only, for as long as `state` returns the same
 * object (the timeline state: every write of a note, and a scheduled note going live, makes a new
 * one), so the next pages of a search, or the same search by another reader, cost their excerpts
 * only. Bounded by MAX_RANKINGS queries and MAX_KEPT_IDS ids; the oldest go first.
 */
export function createSearchRanking(search: SearchStore, state: () => unknown) {
  let rankings = new Map<string, Ranking>();
  let rankingsOf: unknown;
  let kept = 0;

  function keep(query: string, r: Ranking): void {
    const old = rankings.get(query);
    if (old) {
      kept -= old.ids.length;
      rankings.delete(query);
    }
    if (r.ids.length > MAX_KEPT_IDS) return;
    while (rankings.size > 0 && (rankings.size >= MAX_RANKINGS || kept + r.ids.length > MAX_KEPT_IDS)) {
      const [oldest, gone] = rankings.entries().next().value as [string, Ranking];
      kept -= gone.ids.length;
      rankings.delete(oldest);
    }
    rankings.set(query, r);
    kept += r.ids.length;
  }

  function ranking(query: string, now: string, want: number): Ranking {
    const s = state();
    if (s !== rankingsOf) {
      rankings = new Map();
      kept = 0;
      rankingsOf = s;
    }
    const known = rankings.get(query);
    if (known && (known.complete || known.ids.length >= want)) {
      // Most recently used last: the oldest unused go first.
      rankings.delete(query);
      rankings.set(query, known);
      return known;
    }
    const hits = search.rankVisible(query, now, Math.max(RANK_AHEAD, 2 * want));
    const r: Ranking = {
      ids: hits.ids,
      complete: hits.complete,
      // All hits ranked: their number is the count. Otherwise counted once per ranking.
      total: hits.complete ? hits.ids.length : (known?.total ?? search.countMatches(query, now)),
    };
    keep(query, r);
    return r;
  }

  return {
    /** One page of visible hits for an FTS5 query (built by buildFtsQuery), best first. */
    page(query: string, now: string, limit: number, offset: number): SearchPage {
      const r = ranking(query, now, offset + limit);
      const ids = r.ids.slice(offset, offset + limit);
      return { total: r.total, ids, excerpts: search.excerptsOf(query, ids, r.total) };
    },
  };
}
