import type { Db } from '../open.js';

/** Verification state of a received Webmention's latest request. */
export type WebmentionState = 'queued' | 'verified' | 'rejected' | 'deleted';
/** The owner's decision on a received Webmention. */
export type Moderation = 'pending' | 'approved' | 'rejected';
/** What a mention is to the note it targets. */
export type MentionKind = 'reply' | 'like' | 'repost' | 'bookmark' | 'mention' | 'rsvp';

/** A webmentions row as stored: the request, its state, and the content columns (MentionContent). */
export interface WebmentionRow extends Omit<MentionContent, 'kind' | 'url'> {
  id: number;
  source: string;
  target: string;
  source_host: string;
  note_id: number | null;
  status_token: string;
  state: WebmentionState;
  detail: string | null;
  requests: number;
  moderation: Moderation;
  /** Null until verification has read the source. */
  kind: MentionKind | null;
  url: string | null;
  verified_at: string | null;
  received_at: string;
  updated_at: string;
  /** How it came: a Webmention, or an ActivityPub activity (025_activitypub.sql). */
  protocol: 'webmention' | 'activitypub';
  /** The ActivityPub actor who sent it (only they may update or delete it), else null. */
  actor_id: string | null;
}

/** What a first request from a source to a target records; verification fills in the rest. */
type FirstRequest = Pick<
  WebmentionRow,
  'source' | 'target' | 'source_host' | 'note_id' | 'status_token' | 'state' | 'detail' | 'moderation'
>;

/** A row with the slug of the note it targets (admin lists). */
export type WebmentionWithSlug = WebmentionRow & { note_slug: string | null };

/** What verification found in the source: the content columns. */
export interface MentionContent {
  kind: MentionKind;
  rsvp: string | null;
  url: string;
  author_name: string | null;
  author_url: string | null;
  author_photo: string | null;
  published_at: string | null;
  content_html: string | null;
  content_text: string | null;
  /** JSON array of URLs. */
  in_reply_to: string;
}

/** A row as an import writes it (everything but the id). */
export type ImportedWebmentionRow = Omit<WebmentionRow, 'id'>;

/** A domain rule: allowed always, or blocked. */
export interface DomainRuleRow {
  domain: string;
  rule: 'allow' | 'block';
  created_at: string;
}

/** A cached author photo. */
export interface AvatarRow {
  hash: string;
  url: string;
  mime_type: string;
  bytes: Buffer;
  fetched_at: string;
}

// What a visitor sees: approved, and its content present. A response that came over ActivityPub
// is left out when the same response came as a Webmention too (Bridgy, or the sender's own
// site): the same URL, or the same person's like or repost of the note.
const SHOWN = `moderation = 'approved' AND verified_at IS NOT NULL AND kind IS NOT NULL
  AND NOT (protocol = 'activitypub' AND EXISTS (
    SELECT 1 FROM webmentions d WHERE d.note_id = webmentions.note_id AND d.protocol = 'webmention'
      AND d.moderation = 'approved' AND d.verified_at IS NOT NULL AND d.kind IS NOT NULL
      AND (d.url = webmentions.url OR d.url = webmentions.source
        OR (d.kind = webmentions.kind AND d.kind IN ('like', 'repost') AND d.author_url = webmentions.author_url))))`;

/** A response received over ActivityPub, as the inbox stores it. */
export type FederatedResponse = MentionContent & {
  source: string;
  target: string;
  source_host: string;
  note_id: number | null;
  actor_id: string;
  moderation: Moderation;
};

/** Prepared statements for received Webmentions, domain rules and cached avatars. */
export function webmentionsStore(db: Db) {
  const byPair = db.prepare('SELECT * FROM webmentions WHERE source = ? AND target = ?');
  const byId = db.prepare('SELECT * FROM webmentions WHERE id = ?');
  const byToken = db.prepare('SELECT * FROM webmentions WHERE status_token = ?');
  const insert = db.prepare(
    `INSERT INTO webmentions (source, target, source_host, note_id, status_token, state, detail, moderation,
       received_at, updated_at)
     VALUES (@source, @target, @source_host, @note_id, @status_token, @state, @detail, @moderation, @now, @now)
     RETURNING *`,
  );
  const requested = db.prepare(
    `UPDATE webmentions SET requests = requests + 1, state = @state, detail = @detail, note_id = @note_id,
       updated_at = @now WHERE id = @id RETURNING *`,
  );
  const setState = db.prepare(
    'UPDATE webmentions SET state = @state, detail = @detail, updated_at = @now WHERE id = @id',
  );
  const saveContent = db.prepare(
    `UPDATE webmentions SET state = 'verified', detail = NULL, moderation = @moderation, kind = @kind,
       rsvp = @rsvp, url = @url, author_name = @author_name, author_url = @author_url,
       author_photo = @author_photo, published_at = @published_at, content_html = @content_html,
       content_text = @content_text, in_reply_to = @in_reply_to, verified_at = @now, updated_at = @now
     WHERE id = @id`,
  );
  const clearContent = db.prepare(
    `UPDATE webmentions SET state = @state, detail = @detail, kind = NULL, rsvp = NULL, url = NULL,
       author_name = NULL, author_url = NULL, author_photo = NULL, published_at = NULL, content_html = NULL,
       content_text = NULL, in_reply_to = '[]', verified_at = NULL, updated_at = @now
     WHERE id = @id`,
  );
  const setModeration = db.prepare(
    'UPDATE webmentions SET moderation = @moderation, updated_at = @now WHERE id = @id',
  );
  const remove = db.prepare('DELETE FROM webmentions WHERE id = ?');
  const shownForNote = db.prepare(
    `SELECT * FROM webmentions WHERE note_id = ? AND ${SHOWN} ORDER BY coalesce(published_at, verified_at), id`,
  );
  // Pending mentions are left out: nothing of them is shown.
  const decidedChange = db.prepare(
    "SELECT max(updated_at) AS at FROM webmentions WHERE note_id = ? AND moderation != 'pending'",
  );
  const countsByNote = db.prepare(
    `SELECT note_id, kind, count(*) AS n FROM webmentions
     WHERE note_id IN (SELECT value FROM json_each(?)) AND ${SHOWN} GROUP BY note_id, kind`,
  );
  const list = db.prepare(
    `SELECT w.*, n.slug AS note_slug FROM webmentions w LEFT JOIN notes n ON n.id = w.note_id
     WHERE (@moderation IS NULL OR w.moderation = @moderation)
       AND (@verifiedOnly = 0 OR w.verified_at IS NOT NULL)
     ORDER BY w.updated_at DESC, w.id DESC LIMIT @limit OFFSET @offset`,
  );
  const counts = db.prepare(
    `SELECT moderation, count(*) AS n FROM webmentions WHERE verified_at IS NOT NULL GROUP BY moderation`,
  );
  // Waiting: not decided yet, and queued for verification or verified (a refused request waits for nobody).
  const WAITING = "moderation = 'pending' AND state IN ('queued', 'verified')";
  const pendingForHost = db.prepare(
    `SELECT count(*) AS n FROM webmentions WHERE source_host = ? AND ${WAITING}`,
  );
  // The moderation queue proper: verified mentions the owner has not decided on. Requests that were
  // never verified (a flood of junk) do not take its places.
  const pendingTotal = db.prepare(
    "SELECT count(*) AS n FROM webmentions WHERE moderation = 'pending' AND state = 'verified'",
  );
  const approvedFromHost = db.prepare(
    "SELECT 1 FROM webmentions WHERE source_host = ? AND moderation = 'approved' AND verified_at IS NOT NULL LIMIT 1",
  );
  const prune = db.prepare(
    `DELETE FROM webmentions WHERE id IN (
       SELECT id FROM webmentions WHERE state IN ('rejected', 'deleted') AND verified_at IS NULL AND updated_at < ?
       LIMIT 100)`,
  );
  // Hosts a domain rule covers: the domain itself and its subdomains.
  const moderateDomain = db.prepare(
    `UPDATE webmentions SET moderation = @moderation, updated_at = @now
     WHERE (source_host = @domain OR substr(source_host, -length(@domain) - 1) = '.' || @domain)
       AND moderation = @from`,
  );
  const batch = db.prepare('SELECT * FROM webmentions WHERE id > ? ORDER BY id LIMIT ?');
  const importRow = db.prepare(
    `INSERT INTO webmentions (source, target, source_host, note_id, status_token, state, detail, requests,
       moderation, kind, rsvp, url, author_name, author_url, author_photo, published_at, content_html,
       content_text, in_reply_to, verified_at, received_at, updated_at, protocol, actor_id)
     VALUES (@source, @target, @source_host, @note_id, @status_token, @state, @detail, @requests, @moderation,
       @kind, @rsvp, @url, @author_name, @author_url, @author_photo, @published_at, @content_html,
       @content_text, @in_reply_to, @verified_at, @received_at, @updated_at, @protocol, @actor_id)
     ON CONFLICT(source, target) DO NOTHING`,
  );

  const upsertFederated = db.prepare(
    `INSERT INTO webmentions (source, target, source_host, note_id, status_token, state, moderation, kind, rsvp, url,
       author_name, author_url, author_photo, published_at, content_html, content_text, in_reply_to, verified_at,
       received_at, updated_at, protocol, actor_id)
     VALUES (@source, @target, @source_host, @note_id, @status_token, 'verified', @moderation, @kind, @rsvp, @url,
       @author_name, @author_url, @author_photo, @published_at, @content_html, @content_text, @in_reply_to, @now,
       @now, @now, 'activitypub', @actor_id)
     ON CONFLICT(source, target) DO UPDATE SET state = 'verified', detail = NULL, kind = excluded.kind,
       url = excluded.url, author_name = excluded.author_name, author_url = excluded.author_url,
       author_photo = excluded.author_photo, published_at = excluded.published_at,
       content_html = excluded.content_html, content_text = excluded.content_text,
       in_reply_to = excluded.in_reply_to, verified_at = excluded.verified_at, updated_at = excluded.updated_at
     WHERE webmentions.actor_id = excluded.actor_id
     RETURNING *`,
  );
  const bySourceFromActor = db.prepare('SELECT * FROM webmentions WHERE actor_id = ? AND source = ?');
  const deleteFromActor = db.prepare('DELETE FROM webmentions WHERE actor_id = ? AND source = ?');
  const deleteAllFromActor = db.prepare('DELETE FROM webmentions WHERE actor_id = ?');

  const rule = db.prepare('SELECT * FROM webmention_domains WHERE domain = ?');
  const rules = db.prepare('SELECT * FROM webmention_domains ORDER BY rule, domain');
  const putRule = db.prepare(
    `INSERT INTO webmention_domains (domain, rule, created_at) VALUES (@domain, @rule, @now)
     ON CONFLICT(domain) DO UPDATE SET rule = excluded.rule, created_at = excluded.created_at`,
  );
  const dropRule = db.prepare('DELETE FROM webmention_domains WHERE domain = ?');

  const avatar = db.prepare('SELECT * FROM webmention_avatars WHERE hash = ?');
  const hasAvatar = db.prepare('SELECT 1 FROM webmention_avatars WHERE hash = ?');
  const putAvatar = db.prepare(
    `INSERT INTO webmention_avatars (hash, url, mime_type, bytes, fetched_at)
     VALUES (@hash, @url, @mime_type, @bytes, @fetched_at)
     ON CONFLICT(hash) DO UPDATE SET url = excluded.url, mime_type = excluded.mime_type,
       bytes = excluded.bytes, fetched_at = excluded.fetched_at`,
  );

  return {
    /** The mention of `target` by `source`, or undefined. */
    findWebmention: (source: string, target: string) =>
      byPair.get(source, target) as WebmentionRow | undefined,
    /** The mention with this id, or undefined. */
    findWebmentionById: (id: number) => byId.get(id) as WebmentionRow | undefined,
    /** The mention a status URL names, or undefined. */
    findWebmentionByToken: (token: string) => byToken.get(token) as WebmentionRow | undefined,
    /** Records a first request from a source to a target. */
    insertWebmention: (w: FirstRequest & { now: string }) => insert.get(w) as WebmentionRow,
    /** Records another request for a known pair (an update): counted, and back to `state`. */
    updateRequested: (w: {
      id: number;
      state: WebmentionState;
      detail: string | null;
      note_id: number | null;
      now: string;
    }) => requested.get(w) as WebmentionRow,
    /** Sets the verification state, content untouched. */
    updateState: (id: number, state: WebmentionState, detail: string | null, now: string) =>
      setState.run({ id, state, detail, now }),
    /** Stores what verification found, replacing what was there. */
    updateContent: (id: number, content: MentionContent, moderation: Moderation, now: string) =>
      saveContent.run({ id, ...content, moderation, now }),
    /** Removes what was stored of the source (gone, or no longer linking), keeping the row's history. */
    clearContent: (id: number, state: WebmentionState, detail: string, now: string) =>
      clearContent.run({ id, state, detail, now }),
    /** Sets the owner's decision. True when the row exists. */
    updateModeration: (id: number, moderation: Moderation, now: string) =>
      setModeration.run({ id, moderation, now }).changes === 1,
    /** Deletes a mention for good. */
    deleteWebmention: (id: number) => remove.run(id).changes === 1,
    /** What a note's page shows: approved mentions with content, oldest first. */
    listShownForNote: (noteId: number) => shownForNote.all(noteId) as WebmentionRow[],
    /** The latest change of a decided (approved or rejected) mention of the note, or null. */
    findDecidedChangeForNote: (noteId: number) => (decidedChange.get(noteId) as { at: string | null }).at,
    /** Counts of shown mentions per note and kind, for these notes. */
    countShownByNote(noteIds: readonly number[]): Map<number, Record<string, number>> {
      const out = new Map<number, Record<string, number>>();
      if (noteIds.length === 0) return out;
      const rows = countsByNote.all(JSON.stringify(noteIds)) as {
        note_id: number;
        kind: string;
        n: number;
      }[];
      for (const r of rows) {
        const m = out.get(r.note_id) ?? {};
        m[r.kind] = r.n;
        out.set(r.note_id, m);
      }
      return out;
    },
    /** Mentions for the admin, newest change first; `moderation` null for all. */
    listWebmentions: (f: {
      moderation: Moderation | null;
      verifiedOnly: boolean;
      limit: number;
      offset: number;
    }) => list.all({ ...f, verifiedOnly: f.verifiedOnly ? 1 : 0 }) as WebmentionWithSlug[],
    /** Verified mentions per moderation state. */
    countByModeration: () =>
      Object.fromEntries(
        (counts.all() as { moderation: string; n: number }[]).map((r) => [r.moderation, r.n]),
      ) as Record<string, number>,
    /** How many mentions from this host wait for the owner. */
    countPendingForHost: (host: string) => (pendingForHost.get(host) as { n: number }).n,
    /** How many verified mentions wait for the owner's decision, in all. */
    countPending: () => (pendingTotal.get() as { n: number }).n,
    /** True when the owner approved a verified mention from this host before. */
    hasApprovedFromHost: (host: string) => approvedFromHost.get(host) !== undefined,
    /** Moves every mention from a domain (and its subdomains) in state `from` to `moderation`. */
    updateModerationForDomain: (domain: string, from: Moderation, moderation: Moderation, now: string) =>
      moderateDomain.run({ domain, from, moderation, now }).changes,
    /** Forgets up to 100 refused requests (nothing stored of them) last touched before `before`. */
    deleteRefusedBefore: (before: string) => prune.run(before).changes,
    /** A batch of mentions after `afterId`, by id (export). */
    listBatch: (afterId: number, limit: number) => batch.all(afterId, limit) as WebmentionRow[],
    /** Writes an imported mention unless the pair exists; true when written. */
    insertImported: (row: ImportedWebmentionRow) => importRow.run(row).changes === 1,

    /**
     * Stores a response received over ActivityPub (a reply, like, boost or mention) or its update;
     * undefined when the pair belongs to someone else.
     */
    upsertFederatedResponse: (r: FederatedResponse & { status_token: string; now: string }) =>
      upsertFederated.get(r) as WebmentionRow | undefined,
    /** The response `source` the actor sent, or undefined. */
    findFederatedResponses: (actorId: string, source: string) =>
      bySourceFromActor.all(actorId, source) as WebmentionRow[],
    /** Deletes the response `source` the actor sent (an Undo or a Delete); how many rows went. */
    deleteFederatedResponse: (actorId: string, source: string) =>
      deleteFromActor.run(actorId, source).changes,
    /** Deletes everything an actor sent (the account was deleted). */
    deleteFederatedResponsesOf: (actorId: string) => deleteAllFromActor.run(actorId).changes,

    /** The rule for exactly this domain, or undefined. */
    findDomainRule: (domain: string) => rule.get(domain) as DomainRuleRow | undefined,
    /** Every domain rule. */
    listDomainRules: () => rules.all() as DomainRuleRow[],
    /** Allows or blocks a domain (replacing its previous rule). */
    upsertDomainRule: (domain: string, r: 'allow' | 'block', now: string) =>
      putRule.run({ domain, rule: r, now }),
    /** Forgets a domain's rule; true when there was one. */
    deleteDomainRule: (domain: string) => dropRule.run(domain).changes === 1,

    /** The cached photo with this hash, or undefined. */
    findAvatar: (hash: string) => avatar.get(hash) as AvatarRow | undefined,
    /** True when a photo with this hash is cached. */
    hasAvatar: (hash: string) => hasAvatar.get(hash) !== undefined,
    /** Caches a photo. */
    upsertAvatar: (a: AvatarRow) => putAvatar.run(a),
  };
}

/** The prepared webmentions store type. */
export type WebmentionsStore = ReturnType<typeof webmentionsStore>;
