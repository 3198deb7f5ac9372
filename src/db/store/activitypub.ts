import type { Db } from '../open.js';

/** A signing key of the site, its private half sealed. */
export interface ActivityPubKeyRow {
  algorithm: string;
  public_jwk: string;
  private_sealed: string;
  created_at: string;
}

/** A follower (or one waiting for the owner's approval). */
export interface FollowerRow {
  actor_id: string;
  host: string;
  inbox: string;
  shared_inbox: string | null;
  handle: string | null;
  name: string | null;
  url: string | null;
  follow_id: string;
  state: 'pending' | 'accepted';
  created_at: string;
  updated_at: string;
}

/** A person or a server the owner blocked. */
export interface BlockRow {
  target: string;
  kind: 'actor' | 'domain';
  created_at: string;
}

/** What the fediverse was last told about a note. */
export interface FederatedNoteRow {
  note_id: number;
  object_id: string;
  fingerprint: string;
  state: 'created' | 'deleted';
  updated_at: string;
}

/** An activity the site sent. */
export interface ActivityRow {
  id: string;
  type: string;
  note_id: number | null;
  json: string;
  created_at: string;
}

/** Delivery to one server. */
export interface ServerRow {
  host: string;
  delivered: number;
  failures: number;
  last_success_at: string | null;
  last_failure_at: string | null;
  last_error: string | null;
  dead_at: string | null;
}

/** Prepared statements for the ActivityPub tables (025_activitypub.sql). */
export function activityPubStore(db: Db) {
  const key = db.prepare('SELECT * FROM activitypub_keys WHERE algorithm = ?');
  const putKey = db.prepare(
    `INSERT INTO activitypub_keys (algorithm, public_jwk, private_sealed, created_at)
     VALUES (@algorithm, @public_jwk, @private_sealed, @created_at) ON CONFLICT(algorithm) DO NOTHING`,
  );

  const kvGet = db.prepare('SELECT value, expires_at FROM activitypub_kv WHERE key = ?');
  const kvPut = db.prepare(
    `INSERT INTO activitypub_kv (key, value, expires_at) VALUES (?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
  );
  const kvDel = db.prepare('DELETE FROM activitypub_kv WHERE key = ?');
  const kvList = db.prepare(
    `SELECT key, value FROM activitypub_kv WHERE (key = @prefix OR substr(key, 1, length(@prefix) + 1) = @prefix || char(31))
       AND (expires_at IS NULL OR expires_at > @now) ORDER BY key`,
  );
  const kvAll = db.prepare(
    'SELECT key, value FROM activitypub_kv WHERE expires_at IS NULL OR expires_at > ? ORDER BY key',
  );
  const kvPrune = db.prepare(
    'DELETE FROM activitypub_kv WHERE rowid IN (SELECT rowid FROM activitypub_kv WHERE expires_at <= ? LIMIT 200)',
  );

  const follower = db.prepare('SELECT * FROM activitypub_followers WHERE actor_id = ?');
  const putFollower = db.prepare(
    `INSERT INTO activitypub_followers (actor_id, host, inbox, shared_inbox, handle, name, url, follow_id, state,
       created_at, updated_at)
     VALUES (@actor_id, @host, @inbox, @shared_inbox, @handle, @name, @url, @follow_id, @state, @now, @now)
     ON CONFLICT(actor_id) DO UPDATE SET host = excluded.host, inbox = excluded.inbox,
       shared_inbox = excluded.shared_inbox, handle = excluded.handle, name = excluded.name, url = excluded.url,
       follow_id = excluded.follow_id,
       state = CASE WHEN activitypub_followers.state = 'accepted' THEN 'accepted' ELSE excluded.state END,
       updated_at = excluded.updated_at`,
  );
  const setFollowerState = db.prepare(
    'UPDATE activitypub_followers SET state = @state, updated_at = @now WHERE actor_id = @actor_id',
  );
  const dropFollower = db.prepare('DELETE FROM activitypub_followers WHERE actor_id = ?');
  const followersByState = db.prepare(
    'SELECT * FROM activitypub_followers WHERE state = ? ORDER BY created_at DESC, actor_id LIMIT ? OFFSET ?',
  );
  const followerCount = db.prepare('SELECT count(*) AS n FROM activitypub_followers WHERE state = ?');
  // One inbox per server where it has a shared one: an activity is posted there once for all.
  const inboxes = db.prepare(
    `SELECT DISTINCT coalesce(shared_inbox, inbox) AS inbox FROM activitypub_followers WHERE state = 'accepted'
     ORDER BY inbox`,
  );

  const block = db.prepare('SELECT * FROM activitypub_blocks WHERE target = ?');
  const blocks = db.prepare('SELECT * FROM activitypub_blocks ORDER BY kind, target');
  const putBlock = db.prepare(
    `INSERT INTO activitypub_blocks (target, kind, created_at) VALUES (?, ?, ?) ON CONFLICT(target) DO NOTHING`,
  );
  const dropBlock = db.prepare('DELETE FROM activitypub_blocks WHERE target = ?');
  const dropFollowersOfDomain = db.prepare(
    `DELETE FROM activitypub_followers WHERE host = @domain OR substr(host, -length(@domain) - 1) = '.' || @domain`,
  );

  const federated = db.prepare('SELECT * FROM activitypub_notes WHERE note_id = ?');
  const putFederated = db.prepare(
    `INSERT INTO activitypub_notes (note_id, object_id, fingerprint, state, updated_at)
     VALUES (@note_id, @object_id, @fingerprint, @state, @now)
     ON CONFLICT(note_id) DO UPDATE SET object_id = excluded.object_id, fingerprint = excluded.fingerprint,
       state = excluded.state, updated_at = excluded.updated_at`,
  );

  const activity = db.prepare('SELECT * FROM activitypub_activities WHERE id = ?');
  const putActivity = db.prepare(
    `INSERT INTO activitypub_activities (id, type, note_id, json, created_at) VALUES (@id, @type, @note_id, @json, @now)
     ON CONFLICT(id) DO NOTHING`,
  );

  // NodeInfo's localPosts: what a visitor could list (the notes store's public filter).
  const publicNotes = db.prepare(
    `SELECT count(*) AS n FROM notes
     WHERE published = 1 AND deleted_at IS NULL AND visibility = 'public' AND published_at <= ?`,
  );

  const server = db.prepare('SELECT * FROM activitypub_servers WHERE host = ?');
  const servers = db.prepare('SELECT * FROM activitypub_servers ORDER BY failures DESC, host LIMIT 500');
  const delivered = db.prepare(
    `INSERT INTO activitypub_servers (host, delivered, failures, last_success_at) VALUES (?, 1, 0, ?)
     ON CONFLICT(host) DO UPDATE SET delivered = delivered + 1, failures = 0, last_success_at = excluded.last_success_at,
       dead_at = NULL`,
  );
  const failed = db.prepare(
    `INSERT INTO activitypub_servers (host, failures, last_failure_at, last_error) VALUES (@host, 1, @now, @error)
     ON CONFLICT(host) DO UPDATE SET failures = failures + 1, last_failure_at = excluded.last_failure_at,
       last_error = excluded.last_error`,
  );
  const markDead = db.prepare(
    'UPDATE activitypub_servers SET dead_at = ? WHERE host = ? AND dead_at IS NULL',
  );
  const revive = db.prepare('UPDATE activitypub_servers SET dead_at = NULL, failures = 0 WHERE host = ?');

  return {
    /** The key of this algorithm, or undefined. */
    findKey: (algorithm: string) => key.get(algorithm) as ActivityPubKeyRow | undefined,
    /** Stores a key unless one of that algorithm exists (the first one made stays). */
    insertKey: (row: ActivityPubKeyRow) => putKey.run(row).changes === 1,

    /** A value of the key–value store that has not expired, or undefined. */
    findKv(k: string, now: string): string | undefined {
      const row = kvGet.get(k) as { value: string; expires_at: string | null } | undefined;
      if (!row || (row.expires_at !== null && row.expires_at <= now)) return undefined;
      return row.value;
    },
    /** Stores a value (JSON), until `expiresAt` when given. */
    upsertKv: (k: string, value: string, expiresAt: string | null) => kvPut.run(k, value, expiresAt),
    /** Deletes a value. */
    deleteKv: (k: string) => kvDel.run(k),
    /** Values under a key prefix (all when null), not expired. */
    listKv: (prefix: string | null, now: string) =>
      (prefix === null ? kvAll.all(now) : kvList.all({ prefix, now })) as { key: string; value: string }[],
    /** Forgets up to 200 expired values. */
    deleteExpiredKv: (now: string) => kvPrune.run(now).changes,

    /** The follower with this actor id, or undefined. */
    findFollower: (actorId: string) => follower.get(actorId) as FollowerRow | undefined,
    /** Records a follow request (an accepted follower stays accepted). */
    upsertFollower: (row: Omit<FollowerRow, 'created_at' | 'updated_at'> & { now: string }) =>
      putFollower.run(row),
    /** Moves a follower to `state`. */
    updateFollowerState: (actorId: string, state: FollowerRow['state'], now: string) =>
      setFollowerState.run({ actor_id: actorId, state, now }).changes === 1,
    /** Forgets a follower; true when there was one. */
    deleteFollower: (actorId: string) => dropFollower.run(actorId).changes === 1,
    /** Followers in a state, newest first. */
    listFollowers: (state: FollowerRow['state'], limit: number, offset: number) =>
      followersByState.all(state, limit, offset) as FollowerRow[],
    /** How many followers are in a state. */
    countFollowers: (state: FollowerRow['state']) => (followerCount.get(state) as { n: number }).n,
    /** The inboxes that reach every accepted follower (shared ones where servers have them). */
    listFollowerInboxes: () => (inboxes.all() as { inbox: string }[]).map((r) => r.inbox),

    /** The block of exactly this actor id or domain, or undefined. */
    findBlock: (target: string) => block.get(target) as BlockRow | undefined,
    /** Every block. */
    listBlocks: () => blocks.all() as BlockRow[],
    /** Blocks an actor or a domain. */
    insertBlock: (target: string, kind: BlockRow['kind'], now: string) => putBlock.run(target, kind, now),
    /** Lifts a block; true when there was one. */
    deleteBlock: (target: string) => dropBlock.run(target).changes === 1,
    /** Forgets the followers on a domain and its subdomains. */
    deleteFollowersOfDomain: (domain: string) => dropFollowersOfDomain.run({ domain }).changes,

    /** What the fediverse was last told about a note, or undefined. */
    findFederatedNote: (noteId: number) => federated.get(noteId) as FederatedNoteRow | undefined,
    /** Records what the fediverse was told about a note. */
    upsertFederatedNote: (row: Omit<FederatedNoteRow, 'updated_at'> & { now: string }) =>
      putFederated.run(row),

    /** A sent activity, or undefined. */
    findActivity: (id: string) => activity.get(id) as ActivityRow | undefined,
    /** Records a sent activity (an id already recorded keeps its JSON). */
    insertActivity: (row: Omit<ActivityRow, 'created_at'> & { now: string }) => putActivity.run(row),

    /** How many notes are public now (`now` in the database's time format). */
    countPublicNotes: (now: string) => (publicNotes.get(now) as { n: number }).n,

    /** Delivery to a server, or undefined. */
    findServer: (host: string) => server.get(host) as ServerRow | undefined,
    /** Servers, those failing most first. */
    listServers: () => servers.all() as ServerRow[],
    /** Counts a delivery that arrived (and ends a run of failures). */
    recordDelivered: (host: string, now: string) => delivered.run(host, now),
    /** Counts a failed delivery. */
    recordFailed: (host: string, error: string, now: string) =>
      failed.run({ host, error: error.slice(0, 500), now }),
    /** Gives up on a server. */
    markServerDead: (host: string, now: string) => markDead.run(now, host).changes === 1,
    /** Tries a server again. */
    reviveServer: (host: string) => revive.run(host).changes === 1,
  };
}

/** The prepared ActivityPub store type. */
export type ActivityPubStore = ReturnType<typeof activityPubStore>;
