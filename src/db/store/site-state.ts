import type { Db } from '../open.js';

/** Prepared statements for the single site_state row (bumped by triggers on every note change). */
export function siteStateStore(db: Db) {
  const get = db.prepare('SELECT generation, changed_at FROM site_state WHERE id = 1');
  return {
    /** The change counter and when it last moved. */
    findSiteState: () => get.get() as { generation: number; changed_at: string },
  };
}
