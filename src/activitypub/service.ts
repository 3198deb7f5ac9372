/**
 * The site as a fediverse account (issue 26; docs/activitypub.md; ADR 0018). Fedify
 * (`@fedify/fedify`) answers the protocol — WebFinger, NodeInfo, the actor, the inbox with its
 * signature checks, the collections — and we give it our storage (kv.ts), our job queue (queue.ts)
 * and our SSRF-safe fetch (loader.ts). What the site sends (Accept, Create, Update, Delete, Move)
 * is built here, stored, and delivered by our own jobs (deliver.ts), so that every outbound
 * request goes through `src/outbound/` and a restart in the middle loses and repeats nothing.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  createFederation,
  type Federation,
  type Context as FedifyContext,
  type InboxContext,
} from '@fedify/fedify';
import {
  Accept,
  type Activity,
  type Actor,
  Announce,
  type Object as APObject,
  Article,
  Create,
  Delete,
  Endpoints,
  Follow,
  Image,
  isActor,
  Like,
  Move,
  Note,
  Person,
  PropertyValue,
  PUBLIC_COLLECTION,
  Reject,
  Tombstone,
  Undo,
  Update,
} from '@fedify/vocab';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Db } from '../db/open.js';
import { activityPubStore, type FederatedNoteRow, type FollowerRow } from '../db/store/activitypub.js';
import { webmentionsStore } from '../db/store/webmentions.js';
import { JobError, type JobQueue } from '../jobs/queue.js';
import { toDbTime } from '../lib/db-time.js';
import { AppError } from '../lib/errors.js';
import { findHandles } from '../lib/fediverse-handles.js';
import { siteUrls } from '../lib/site-urls.js';
import type { Logger } from '../logger.js';
import { plainText } from '../notes/markdown.js';
import { firstUrl } from '../notes/response-kinds.js';
import type { NoteService } from '../notes/service.js';
import type { Note as SiteNote } from '../notes/types.js';
import { type FetchLike, readLimited } from '../outbound/safe-fetch.js';
import { readSettings } from '../settings/service.js';
import { htmlPool } from '../untrusted-html/pool.js';
import { avatarHash } from '../webmention/avatars.js';
import { createModeration, hostKey, parseDomain } from '../webmention/moderation.js';
import { MAX_CONTENT_HTML } from '../webmention/parse.js';
import { AVATAR_JOB, acceptsMentions } from '../webmention/receive.js';
import { deliver } from './deliver.js';
import { createSiteKeyPairs } from './keys.js';
import { createSqliteKvStore } from './kv.js';
import { createContextLoader, createDocumentLoader, type SigningIdentity } from './loader.js';
import { fingerprint, instant, type MentionedActor, toNoteObject } from './objects.js';
import { createJobMessageQueue } from './queue.js';
import type { ActivityPubSettingsService } from './settings.js';
import { ACTOR, DELIVER_JOB } from './support.js';

/** What the site sent for a like or repost of a fediverse post (its activitypub_notes fingerprint). */
interface SentReaction {
  type: 'Like' | 'Announce';
  /** The post liked or reposted, its author, and the inbox it was sent to besides the followers'. */
  object: string;
  author: string;
  inbox: string;
  /** The Like's or Announce's id (its Undo names it). */
  activity: string;
}

/** The fingerprint prefix of a note sent as a Like or Announce. */
const REACTION = 'reaction:';

/** What the feature needs. */
export interface ActivityPubDeps {
  db: Db;
  config: Config;
  clock: Clock;
  logger: Logger;
  version: string;
  notes: NoteService;
  jobs: JobQueue;
  fetch: FetchLike;
  sealingKey: Buffer;
  settings: ActivityPubSettingsService;
}

/** The version as NodeInfo wants it (semantic versioning). */
function semver(version: string): string {
  return /^\d+\.\d+\.\d+/.test(version) ? version : '0.0.0';
}

/** Builds the ActivityPub side of the site. */
export function createActivityPub(deps: ActivityPubDeps) {
  const { db, config, clock, logger, notes, jobs } = deps;
  const store = activityPubStore(db);
  const mentionsStore = webmentionsStore(db);
  const moderation = createModeration({ db, clock });
  const settings = deps.settings;
  const keys = createSiteKeyPairs({ store, sealingKey: deps.sealingKey, clock });
  const mq = createJobMessageQueue(jobs, clock);
  const urls = siteUrls(config);
  const site = new URL(config.siteUrl);
  const prefix = site.pathname; // ends with '/'
  const now = () => toDbTime(clock.now());
  const documentLoader = createDocumentLoader(deps.fetch);
  const contextLoader = createContextLoader(deps.fetch);

  const federation: Federation<void> = createFederation<void>({
    kv: createSqliteKvStore(store, clock),
    queue: { inbox: mq.queue },
    manuallyStartQueue: true,
    origin: site.origin,
    documentLoaderFactory: () => documentLoader,
    contextLoaderFactory: () => contextLoader,
    authenticatedDocumentLoaderFactory: (identity) =>
      createDocumentLoader(deps.fetch, async () => identity as SigningIdentity),
    // Fedify's own delivery is not used (deliver.ts is); its inbox queue is ours.
    firstKnock: 'draft-cavage-http-signatures-12',
  });
  void federation.startQueue(undefined, { queue: 'inbox' });

  const context = (): FedifyContext<void> => federation.createContext(site, undefined);

  /** The signing identity for HTTP Signatures: the RSA key and its id. */
  async function identity(): Promise<SigningIdentity> {
    const pairs = await context().getActorKeyPairs(ACTOR);
    const rsa = pairs[0]!;
    return { keyId: rsa.keyId, privateKey: rsa.privateKey };
  }

  function profileUrl(path: string): URL | null {
    if (!path) return null;
    try {
      return new URL(path.replace(/^\//, ''), config.siteUrl);
    } catch {
      return null;
    }
  }

  // ---- the actor -------------------------------------------------------------------------
  federation
    .setActorDispatcher(`${prefix}ap/{identifier}`, async (ctx, identifier) => {
      if (identifier !== ACTOR) return null;
      const s = readSettings(db, config);
      const ap = settings.current();
      const pairs = await ctx.getActorKeyPairs(identifier);
      const icon = profileUrl(s.authorPhoto);
      const header = profileUrl(s.socialImage);
      const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
      return new Person({
        id: ctx.getActorUri(identifier),
        preferredUsername: ap.username,
        name: s.authorName || s.siteName,
        summary: s.authorNote
          ? `<p>${esc(s.authorNote)}</p>`
          : s.siteDescription
            ? `<p>${esc(s.siteDescription)}</p>`
            : null,
        url: new URL(config.siteUrl),
        inbox: ctx.getInboxUri(identifier),
        outbox: ctx.getOutboxUri(identifier),
        followers: ctx.getFollowersUri(identifier),
        following: ctx.getFollowingUri(identifier),
        endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
        ...(icon ? { icon: new Image({ url: icon }) } : {}),
        ...(header ? { image: new Image({ url: header }) } : {}),
        // Profile fields from the rel-me links; Mastodon shows each, and verifies those that link back.
        attachments: s.relMe.slice(0, 8).map((u) => {
          let name = 'Website';
          try {
            name = new URL(u).host;
          } catch {
            /* shown with the generic name */
          }
          return new PropertyValue({
            name,
            value: `<a href="${esc(u)}" rel="me nofollow noopener" target="_blank">${esc(u)}</a>`,
          });
        }),
        manuallyApprovesFollowers: ap.approveFollowers,
        discoverable: ap.discoverable,
        indexable: ap.indexable,
        aliases: ap.alsoKnownAs.map((u) => new URL(u)),
        ...(ap.movedTo ? { successor: new URL(ap.movedTo) } : {}),
        publicKey: pairs[0]?.cryptographicKey ?? null,
        assertionMethods: pairs.map((p) => p.multikey),
      });
    })
    .setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === ACTOR ? keys.pairs() : []))
    .mapHandle((_ctx, username) =>
      username.toLowerCase() === settings.current().username.toLowerCase() ? ACTOR : null,
    )
    // WebFinger on the profile URL (the home page) finds the actor too.
    .mapAlias((_ctx, resource) =>
      resource.href === config.siteUrl || resource.href === config.siteUrl.replace(/\/$/, '')
        ? { identifier: ACTOR }
        : null,
    );

  // ---- collections -----------------------------------------------------------------------
  federation
    .setFollowersDispatcher(`${prefix}ap/{identifier}/followers`, (_ctx, identifier, cursor) => {
      if (identifier !== ACTOR) return null;
      // The count is public; the list only if the owner chose so.
      if (!settings.current().showFollowers || cursor === null) return { items: [] };
      const offset = Number(cursor) || 0;
      const rows = store.listFollowers('accepted', 50, offset);
      return {
        items: rows.map((r) => ({
          id: new URL(r.actor_id),
          inboxId: new URL(r.inbox),
          endpoints: r.shared_inbox ? { sharedInbox: new URL(r.shared_inbox) } : null,
        })),
        nextCursor: rows.length === 50 ? String(offset + 50) : null,
      };
    })
    .setCounter((_ctx, identifier) => (identifier === ACTOR ? store.countFollowers('accepted') : null))
    .setFirstCursor(() => (settings.current().showFollowers ? '0' : null));

  federation.setFollowingDispatcher(`${prefix}ap/{identifier}/following`, (_ctx, identifier) =>
    identifier === ACTOR ? { items: [] } : null,
  );

  federation
    .setOutboxDispatcher(`${prefix}ap/{identifier}/outbox`, async (ctx, identifier, cursor) => {
      if (identifier !== ACTOR || cursor === null) return identifier === ACTOR ? { items: [] } : null;
      const offset = Number(cursor) || 0;
      const page = notes.listPublicNotesByOffset(20, offset);
      const items = page.map((note) => {
        const object = noteObject(ctx, note, []);
        return new Create({
          id: new URL(`${object.id!.href}#create`),
          actor: ctx.getActorUri(ACTOR),
          object,
          to: PUBLIC_COLLECTION,
          cc: ctx.getFollowersUri(ACTOR),
          published: instant(note.publishedAt),
        });
      });
      return { items, nextCursor: page.length === 20 ? String(offset + 20) : null };
    })
    .setFirstCursor(() => '0');

  // A note's own URL answers with the Note when asked for ActivityStreams (content negotiation).
  federation.setObjectDispatcher(Note, `${prefix}notes/{slug}`, (ctx, values) => {
    const note = notes.getNoteBySlug(values.slug);
    if (!note || !notes.isPublic(note)) return null;
    return noteObject(ctx, note, []);
  });

  federation.setNodeInfoDispatcher(`${prefix}nodeinfo/2.1`, () => ({
    software: {
      name: 'starpunk',
      version: semver(deps.version),
      homepage: new URL('https://github.com/starpunk/starpunk'),
    },
    protocols: ['activitypub'],
    openRegistrations: false,
    usage: {
      users: { total: 1, activeMonth: 1, activeHalfyear: 1 },
      localPosts: store.countPublicNotes(now()),
      localComments: 0,
    },
  }));

  function noteObject(ctx: FedifyContext<void>, note: SiteNote, mentions: MentionedActor[]): Note {
    return toNoteObject(note, {
      siteUrl: config.siteUrl,
      objectId: urls.note(note.slug),
      actorId: ctx.getActorUri(ACTOR),
      followersId: ctx.getFollowersUri(ACTOR),
      mentions,
    });
  }

  // ---- blocks ----------------------------------------------------------------------------
  function isBlocked(actorId: URL | string | null | undefined): boolean {
    if (!actorId) return true;
    const url = new URL(String(actorId));
    if (store.findBlock(url.href)) return true;
    const labels = hostKey(url.hostname).split('.');
    for (let i = 0; i < labels.length; i++) if (store.findBlock(labels.slice(i).join('.'))) return true;
    return moderation.isBlocked(url.hostname);
  }

  // ---- sending ---------------------------------------------------------------------------
  /** Stores an activity and queues its delivery to each inbox (inside the caller's transaction). */
  async function prepare(activity: Activity, noteId: number | null): Promise<string> {
    const json = await activity.toJsonLd({ format: 'compact', contextLoader });
    return JSON.stringify({ ...(json as object), _note: noteId });
  }

  function queueDeliveries(
    id: string,
    type: string,
    json: string,
    noteId: number | null,
    inboxes: Iterable<string>,
  ) {
    const parsed = JSON.parse(json) as Record<string, unknown>;
    delete parsed._note;
    store.insertActivity({ id, type, note_id: noteId, json: JSON.stringify(parsed), now: now() });
    for (const inbox of new Set(inboxes)) {
      jobs.enqueue(
        DELIVER_JOB,
        { activity: id, inbox },
        { key: `${DELIVER_JOB}:${id}:${inbox}`, maxAttempts: 10 },
      );
    }
  }

  const activityId = () => new URL(`${prefix}ap/activities/${randomUUID()}`, site.origin);

  async function sendAccept(follower: FollowerRow): Promise<void> {
    const ctx = context();
    const accept = new Accept({
      id: activityId(),
      actor: ctx.getActorUri(ACTOR),
      object: new Follow({
        id: new URL(follower.follow_id),
        actor: new URL(follower.actor_id),
        object: ctx.getActorUri(ACTOR),
      }),
      to: new URL(follower.actor_id),
    });
    const json = await prepare(accept, null);
    db.transaction(() => queueDeliveries(accept.id!.href, 'Accept', json, null, [follower.inbox]))();
  }

  async function sendReject(actorId: string, followId: string, inbox: string): Promise<void> {
    const ctx = context();
    const reject = new Reject({
      id: activityId(),
      actor: ctx.getActorUri(ACTOR),
      object: new Follow({ id: new URL(followId), actor: new URL(actorId), object: ctx.getActorUri(ACTOR) }),
      to: new URL(actorId),
    });
    const json = await prepare(reject, null);
    db.transaction(() => queueDeliveries(reject.id!.href, 'Reject', json, null, [inbox]))();
  }

  /** WebFinger through our fetch: the actor a handle names, or undefined. */
  async function resolveHandle(acct: string, server: string): Promise<MentionedActor | undefined> {
    const scheme =
      /^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(server) || server.startsWith('localhost') ? 'http' : 'https';
    try {
      const res = await deps.fetch(
        `${scheme}://${server}/.well-known/webfinger?resource=${encodeURIComponent(`acct:${acct}`)}`,
        { headers: { Accept: 'application/jrd+json, application/json' } },
      );
      if (!res.ok) return undefined;
      const jrd = JSON.parse(await readLimited(res, 64 * 1024)) as {
        links?: { rel?: string; type?: string; href?: string }[];
      };
      const self = jrd.links?.find(
        (l) =>
          l.rel === 'self' && (l.type === 'application/activity+json' || l.type?.includes('activitystreams')),
      )?.href;
      if (!self) return undefined;
      const actor = await context().lookupObject(self, { documentLoader });
      if (!actor || !isActor(actor) || !actor.id || !actor.inboxId) return undefined;
      const url = actor.url instanceof URL ? actor.url.href : (actor.url?.href?.href ?? actor.id.href);
      return {
        acct,
        id: actor.id.href,
        url,
        inbox: actor.endpoints?.sharedInbox?.href ?? actor.inboxId.href,
      };
    } catch (err) {
      logger.info({ acct, error: (err as Error).message }, 'could not resolve a fediverse handle');
      return undefined;
    }
  }

  /**
   * A like or repost of a post on the fediverse: the post's id and its author's inbox, read from
   * where it lives. Undefined for any other note, or when the page liked is not a fediverse post
   * (then the note goes out as a note with the link, like any other).
   */
  async function reactionOf(note: SiteNote): Promise<SentReaction | undefined> {
    const like = firstUrl(note.properties['like-of']);
    const url = like ?? firstUrl(note.properties['repost-of']);
    if (!url || ourNote(url)) return undefined;
    try {
      const object = await context().lookupObject(url, { documentLoader, contextLoader });
      if (!object || isActor(object) || !object.id || !object.attributionId) return undefined;
      if (!(object instanceof Note || object instanceof Article)) return undefined;
      const author = await context().lookupObject(object.attributionId.href, {
        documentLoader,
        contextLoader,
      });
      if (!author || !isActor(author) || !author.id || !author.inboxId) return undefined;
      return {
        type: like ? 'Like' : 'Announce',
        object: object.id.href,
        author: author.id.href,
        inbox: author.endpoints?.sharedInbox?.href ?? author.inboxId.href,
        activity: '',
      };
    } catch (err) {
      logger.info({ url, error: (err as Error).message }, 'a liked or reposted page is not a fediverse post');
      return undefined;
    }
  }

  /** What was sent for a reaction note (kept as its fingerprint), or undefined for a plain note. */
  function sentReaction(fingerprint: string | undefined): SentReaction | undefined {
    if (!fingerprint?.startsWith(REACTION)) return undefined;
    try {
      return JSON.parse(fingerprint.slice(REACTION.length)) as SentReaction;
    } catch {
      return undefined;
    }
  }

  /** Queues the Undo of a Like or Announce the site sent (to the author and the followers). */
  async function undoReaction(noteId: number, r: SentReaction, followers: string[]): Promise<void> {
    const ctx = context();
    const undo = new Undo({
      id: activityId(),
      actor: ctx.getActorUri(ACTOR),
      object: new (r.type === 'Like' ? Like : Announce)({
        id: new URL(r.activity),
        actor: ctx.getActorUri(ACTOR),
        object: new URL(r.object),
      }),
      to: PUBLIC_COLLECTION,
      ccs: [new URL(r.author), ctx.getFollowersUri(ACTOR)],
    });
    const json = await prepare(undo, noteId);
    db.transaction(() => queueDeliveries(undo.id!.href, 'Undo', json, noteId, [...followers, r.inbox]))();
  }

  /** Sends a Like or Announce for a reaction note, replacing what was sent before. */
  async function sendReaction(
    note: SiteNote,
    reaction: SentReaction,
    known: FederatedNoteRow | undefined,
    followers: string[],
  ): Promise<unknown> {
    const live = known?.state === 'created' ? known : undefined;
    const before = sentReaction(live?.fingerprint);
    if (before && before.type === reaction.type && before.object === reaction.object)
      return { nothing: 'unchanged' };
    if (before) await undoReaction(note.id, before, followers);
    else if (live) {
      // It went out as a note before: that note is withdrawn.
      const ctx = context();
      const del = new Delete({
        id: activityId(),
        actor: ctx.getActorUri(ACTOR),
        object: new Tombstone({ id: new URL(live.object_id) }),
        to: PUBLIC_COLLECTION,
        cc: ctx.getFollowersUri(ACTOR),
      });
      const json = await prepare(del, note.id);
      db.transaction(() => queueDeliveries(del.id!.href, 'Delete', json, note.id, followers))();
    }
    const ctx = context();
    const common = {
      id: activityId(),
      actor: ctx.getActorUri(ACTOR),
      object: new URL(reaction.object),
      published: instant(note.publishedAt),
    };
    const activity =
      reaction.type === 'Like'
        ? new Like({
            ...common,
            to: new URL(reaction.author),
            ccs: [PUBLIC_COLLECTION, ctx.getFollowersUri(ACTOR)],
          })
        : new Announce({
            ...common,
            to: PUBLIC_COLLECTION,
            ccs: [new URL(reaction.author), ctx.getFollowersUri(ACTOR)],
          });
    const sent = { ...reaction, activity: activity.id!.href };
    const json = await prepare(activity, note.id);
    db.transaction(() => {
      queueDeliveries(sent.activity, reaction.type, json, note.id, [...followers, reaction.inbox]);
      store.upsertFederatedNote({
        note_id: note.id,
        object_id: urls.note(note.slug),
        fingerprint: `${REACTION}${JSON.stringify(sent)}`,
        state: 'created',
        now: now(),
      });
    })();
    return { sent: reaction.type, inboxes: new Set([...followers, reaction.inbox]).size };
  }

  /** Tells the fediverse what it should now know about a note (the publish job). */
  async function publish(noteId: number): Promise<unknown> {
    const ctx = context();
    const note = notes.getNoteById(noteId);
    let known = store.findFederatedNote(noteId);
    const visible = note !== undefined && notes.isPublic(note);
    const followers = store.listFollowerInboxes();
    // Likes and reposts of fediverse posts go out as Like and Announce.
    const reaction = visible && note ? await reactionOf(note) : undefined;
    if (reaction && note) return sendReaction(note, reaction, known, followers);
    const sent = known?.state === 'created' ? sentReaction(known.fingerprint) : undefined;
    if (sent) {
      // It was a Like or Announce: taken back (then, if it is a plain note now, sent as one).
      await undoReaction(noteId, sent, followers);
      store.upsertFederatedNote({ ...known!, state: 'deleted', now: now() });
      known = store.findFederatedNote(noteId);
      if (!visible) return { sent: 'Undo' };
    }
    const live = known?.state === 'created' ? known : undefined;
    const objectId = note ? urls.note(note.slug) : undefined;
    const deletion = async (oldId: string) => {
      const del = new Delete({
        id: activityId(),
        actor: ctx.getActorUri(ACTOR),
        object: new Tombstone({ id: new URL(oldId) }),
        to: PUBLIC_COLLECTION,
        cc: ctx.getFollowersUri(ACTOR),
      });
      return { del, json: await prepare(del, noteId) };
    };
    if (!visible || !note || !objectId) {
      if (!live) return { nothing: 'not federated' };
      const { del, json } = await deletion(live.object_id);
      db.transaction(() => {
        queueDeliveries(del.id!.href, 'Delete', json, noteId, followers);
        store.upsertFederatedNote({ ...live, state: 'deleted', now: now() });
      })();
      return { sent: 'Delete' };
    }
    // A new slug is a new object: the old one is withdrawn, the note created again.
    const moved = live && live.object_id !== objectId ? await deletion(live.object_id) : undefined;
    const handles = findHandles(plainText(note.contentHtml));
    const mentions = (await Promise.all(handles.map((h) => resolveHandle(h.acct, h.server)))).filter(
      (m): m is MentionedActor => m !== undefined,
    );
    const object = noteObject(ctx, note, mentions);
    const objectJson = await object.toJsonLd({ format: 'compact', contextLoader });
    const print = fingerprint(objectJson);
    if (live && !moved && live.fingerprint === print) return { nothing: 'unchanged' };
    const isUpdate = live !== undefined && !moved;
    const activity = isUpdate
      ? new Update({
          id: activityId(),
          actor: ctx.getActorUri(ACTOR),
          object,
          to: PUBLIC_COLLECTION,
          ccs: [ctx.getFollowersUri(ACTOR), ...mentions.map((m) => new URL(m.id))],
          updated: instant(clock.now()),
        })
      : new Create({
          id: activityId(),
          actor: ctx.getActorUri(ACTOR),
          object,
          to: PUBLIC_COLLECTION,
          ccs: [ctx.getFollowersUri(ACTOR), ...mentions.map((m) => new URL(m.id))],
          published: instant(note.publishedAt),
        });
    const json = await prepare(activity, noteId);
    const inboxes = [...followers, ...mentions.map((m) => m.inbox)];
    db.transaction(() => {
      if (moved) queueDeliveries(moved.del.id!.href, 'Delete', moved.json, noteId, followers);
      queueDeliveries(activity.id!.href, isUpdate ? 'Update' : 'Create', json, noteId, inboxes);
      store.upsertFederatedNote({
        note_id: noteId,
        object_id: objectId,
        fingerprint: print,
        state: 'created',
        now: now(),
      });
    })();
    return { sent: isUpdate ? 'Update' : 'Create', inboxes: new Set(inboxes).size };
  }

  // ---- receiving -------------------------------------------------------------------------
  /** The note of this site a URL names, when it may receive responses. */
  function ourNote(url: URL | string | null | undefined): SiteNote | undefined {
    if (!url) return undefined;
    let u: URL;
    try {
      u = new URL(String(url));
    } catch {
      return undefined;
    }
    if (u.origin !== site.origin || !u.pathname.startsWith(prefix)) return undefined;
    const m = /^notes?\/([^/]+)$/.exec(u.pathname.slice(prefix.length));
    if (!m) return undefined;
    let slug: string;
    try {
      slug = decodeURIComponent(m[1]!);
    } catch {
      return undefined;
    }
    const note = notes.getNoteBySlug(slug) ?? notes.getNoteByFormerSlug(slug);
    return note && acceptsMentions(note, clock.now()) ? note : undefined;
  }

  function actorFacts(actor: Actor) {
    const url = actor.url instanceof URL ? actor.url.href : (actor.url?.href?.href ?? actor.id!.href);
    return { name: actor.name?.toString().slice(0, 100) ?? actor.preferredUsername?.toString() ?? null, url };
  }

  async function iconOf(actor: Actor): Promise<string | null> {
    try {
      const icon = await actor.getIcon({ documentLoader, contextLoader });
      const u = icon?.url instanceof URL ? icon.url : icon?.url?.href;
      return u && /^https?:$/.test(u.protocol) ? u.href : null;
    } catch {
      return null;
    }
  }

  function decide(host: string, existing: boolean, current: 'pending' | 'approved' | 'rejected' | undefined) {
    if (existing && current) return current;
    if (moderation.ruleFor(host) === 'allow' || moderation.isAutoApprove()) return 'approved' as const;
    return 'pending' as const;
  }

  /** Stores a response; `source` is the reply's id, or the Like's or Announce's id. */
  async function storeResponse(p: {
    actor: Actor;
    source: URL;
    note: SiteNote;
    kind: 'reply' | 'like' | 'repost' | 'mention';
    object?: APObject;
  }): Promise<void> {
    const actorId = p.actor.id!;
    const host = hostKey(actorId.hostname);
    const target = urls.note(p.note.slug);
    const facts = actorFacts(p.actor);
    const photo = await iconOf(p.actor);
    let html: string | null = null;
    let text: string | null = null;
    let url = p.source.href;
    let published: string | null = null;
    const inReplyTo: string[] = [];
    if (p.object) {
      const raw = p.object.content?.toString() ?? '';
      if (raw) {
        // Read like a Webmention source (ADR 0015): on the strangers' worker thread, within the
        // parse budget and its time and memory limits, never on the event loop.
        const read = await htmlPool('inbound').run({
          kind: 'remote-content',
          html: raw,
          base: p.source.href,
        });
        if (!read.ok) {
          if (read.retryable) throw new JobError(`the post could not be read now: ${read.reason}`);
          logger.info({ source: p.source.href, reason: read.reason }, 'a fediverse post could not be read');
          return;
        }
        if (read.value.kind === 'refused') {
          logger.info(
            { source: p.source.href, problem: read.value.problem },
            'a fediverse post is too complex',
          );
          return;
        }
        html = read.value.html;
        text = read.value.text;
      }
      const u = p.object.url instanceof URL ? p.object.url : p.object.url?.href;
      if (u && /^https?:$/.test(u.protocol)) url = u.href;
      if (p.object.published) published = toDbTime(new Date(p.object.published.epochMilliseconds));
      if (p.object.replyTargetId) inReplyTo.push(p.object.replyTargetId.href);
    }
    const existing = mentionsStore.findFederatedResponses(actorId.href, p.source.href)[0];
    mentionsStore.upsertFederatedResponse({
      source: p.source.href,
      target,
      source_host: host,
      note_id: p.note.id,
      actor_id: actorId.href,
      moderation: decide(host, existing !== undefined, existing?.moderation),
      kind: p.kind,
      rsvp: null,
      url,
      author_name: facts.name,
      author_url: facts.url,
      author_photo: photo,
      published_at: published,
      content_html: html,
      content_text: text,
      in_reply_to: JSON.stringify(inReplyTo),
      status_token: randomBytes(18).toString('base64url'),
      now: now(),
    });
    if (photo && !mentionsStore.hasAvatar(avatarHash(photo)))
      jobs.enqueue(AVATAR_JOB, { url: photo }, { key: `${AVATAR_JOB}:${avatarHash(photo)}`, maxAttempts: 3 });
  }

  /** The object of a Create or Update, fetched from its origin unless the sender's server is its origin. */
  async function trustedObject(ctx: InboxContext<void>, activity: Create | Update): Promise<APObject | null> {
    const actorId = activity.actorId;
    if (!actorId) return null;
    let object = (await activity.getObject({ documentLoader, contextLoader })) as APObject | null;
    if (!object?.id) return null;
    if (object.id.origin !== actorId.origin) {
      // Not covered by the sender's signature: read it where it lives.
      object = (await ctx.lookupObject(object.id.href, { documentLoader, contextLoader })) as APObject | null;
      if (!object?.id) return null;
    }
    const author = object.attributionId;
    if (!author || author.href !== actorId.href) return null;
    return object;
  }

  /** Which of our notes a post responds to, and how: a reply, else a mention linking a note. */
  function responseTarget(object: APObject): { note: SiteNote; kind: 'reply' | 'mention' } | undefined {
    const reply = ourNote(object.replyTargetId);
    if (reply) return { note: reply, kind: 'reply' };
    const html = object.content?.toString() ?? '';
    for (const m of html.slice(0, MAX_CONTENT_HTML).matchAll(/href="([^"]+)"/g)) {
      const note = ourNote(m[1]!.replace(/&amp;/g, '&'));
      if (note) return { note, kind: 'mention' };
    }
    return undefined;
  }

  async function onPost(ctx: InboxContext<void>, activity: Create | Update): Promise<void> {
    if (isBlocked(activity.actorId)) return;
    const object = await trustedObject(ctx, activity);
    if (!(object instanceof Note || object instanceof Article)) return;
    const target = responseTarget(object);
    if (!target) {
      // An update of a post that no longer responds to a note: what it said is gone.
      if (activity instanceof Update)
        mentionsStore.deleteFederatedResponse(activity.actorId!.href, object.id!.href);
      return;
    }
    if (
      activity instanceof Update &&
      mentionsStore.findFederatedResponses(activity.actorId!.href, object.id!.href).length === 0
    )
      return;
    const actor = await activity.getActor({ documentLoader, contextLoader });
    if (!actor || !isActor(actor) || actor.id?.href !== activity.actorId!.href) return;
    await storeResponse({ actor, source: object.id!, note: target.note, kind: target.kind, object });
  }

  async function onReaction(ctx: InboxContext<void>, activity: Like | Announce): Promise<void> {
    if (isBlocked(activity.actorId) || !activity.id) return;
    const note = ourNote(activity.objectId);
    if (!note) return;
    const actor = await activity.getActor({ documentLoader, contextLoader });
    if (!actor || !isActor(actor) || actor.id?.href !== activity.actorId!.href) return;
    void ctx;
    await storeResponse({
      actor,
      source: activity.id,
      note,
      kind: activity instanceof Like ? 'like' : 'repost',
    });
  }

  federation
    .setInboxListeners(`${prefix}ap/{identifier}/inbox`, `${prefix}ap/inbox`)
    .setSharedKeyDispatcher(() => ({ identifier: ACTOR }))
    .on(Follow, async (ctx, follow) => {
      if (!follow.id || !follow.actorId || !follow.objectId) return;
      const parsed = ctx.parseUri(follow.objectId);
      if (parsed?.type !== 'actor' || parsed.identifier !== ACTOR) return;
      const actor = await follow.getActor({ documentLoader, contextLoader });
      if (!actor || !isActor(actor) || !actor.id || !actor.inboxId || actor.id.href !== follow.actorId.href)
        return;
      if (isBlocked(actor.id)) {
        await sendReject(actor.id.href, follow.id.href, actor.inboxId.href);
        return;
      }
      const approve = settings.current().approveFollowers;
      const facts = actorFacts(actor);
      const handle = actor.preferredUsername ? `@${actor.preferredUsername}@${actor.id.host}` : null;
      store.upsertFollower({
        actor_id: actor.id.href,
        host: hostKey(actor.id.hostname),
        inbox: actor.inboxId.href,
        shared_inbox: actor.endpoints?.sharedInbox?.href ?? null,
        handle,
        name: facts.name,
        url: facts.url,
        follow_id: follow.id.href,
        state: approve ? 'pending' : 'accepted',
        now: now(),
      });
      store.reviveServer(actor.id.host);
      const row = store.findFollower(actor.id.href)!;
      if (row.state === 'accepted') await sendAccept(row);
    })
    .on(Undo, async (ctx, undo) => {
      if (!undo.actorId) return;
      const object = await undo.getObject({ documentLoader, contextLoader });
      if (object instanceof Follow) {
        if (object.actorId?.href === undo.actorId.href) store.deleteFollower(undo.actorId.href);
      } else if ((object instanceof Like || object instanceof Announce) && object.id) {
        if (object.actorId?.href === undo.actorId.href)
          mentionsStore.deleteFederatedResponse(undo.actorId.href, object.id.href);
      }
      void ctx;
    })
    .on(Create, onPost)
    .on(Update, async (ctx, update) => {
      const object = await update.getObject({ documentLoader, contextLoader });
      if (object && isActor(object)) {
        // A follower's new name or inbox.
        const row = object.id ? store.findFollower(object.id.href) : undefined;
        if (row && object.id?.href === update.actorId?.href && object.inboxId)
          store.upsertFollower({
            ...row,
            inbox: object.inboxId.href,
            shared_inbox: object.endpoints?.sharedInbox?.href ?? row.shared_inbox,
            name: actorFacts(object).name,
            now: now(),
          });
        return;
      }
      await onPost(ctx, update);
    })
    .on(Delete, async (_ctx, del) => {
      if (!del.actorId || !del.objectId) return;
      if (del.objectId.href === del.actorId.href) {
        // The account is gone: so are its follow and what it said.
        store.deleteFollower(del.actorId.href);
        mentionsStore.deleteFederatedResponsesOf(del.actorId.href);
        return;
      }
      mentionsStore.deleteFederatedResponse(del.actorId.href, del.objectId.href);
    })
    .on(Like, onReaction)
    .on(Announce, onReaction)
    .on(Move, async (_ctx, move) => {
      // A follower moved: their new account follows on its own (Mastodon sends it a Follow).
      logger.info({ from: move.actorId?.href, to: move.targetId?.href }, 'a follower moved');
    })
    .onError((_ctx, error) => {
      logger.warn({ error: error.message }, 'an ActivityPub activity could not be processed');
    });

  // ---- the owner's actions ---------------------------------------------------------------
  function needFollower(actorId: string): FollowerRow {
    const row = store.findFollower(actorId);
    if (!row) throw new AppError('not_found', 'There is no such follower.');
    return row;
  }

  /** Sends a Move of this account to `target` to every follower (the account moved away). */
  async function moveTo(target: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new AppError('invalid_request', `${target} is not an account address (https://…).`);
    }
    if (!/^https?:$/.test(url.protocol))
      throw new AppError('invalid_request', `${target} is not an account address (https://…).`);
    const ctx = context();
    const self = ctx.getActorUri(ACTOR).href;
    // Servers move followers only when the new account names this one as an alias: check first,
    // so the owner is told now rather than their followers silently staying.
    const found = await ctx.lookupObject(url.href, { documentLoader, contextLoader }).catch(() => null);
    if (!found || !isActor(found) || !found.id)
      throw new AppError('invalid_request', `No fediverse account answers at ${url.href}.`);
    if (!found.aliasIds.some((a) => a.href === self))
      throw new AppError(
        'invalid_request',
        `${found.id.href} does not list this site (${self}) as an alias yet: add it there ("also known as"), then move.`,
      );
    target = found.id.href;
    settings.save({ movedTo: target });
    const move = new Move({
      id: activityId(),
      actor: ctx.getActorUri(ACTOR),
      object: ctx.getActorUri(ACTOR),
      target: new URL(target),
      to: ctx.getFollowersUri(ACTOR),
    });
    const json = await prepare(move, null);
    db.transaction(() => queueDeliveries(move.id!.href, 'Move', json, null, store.listFollowerInboxes()))();
  }

  return {
    federation,
    /** Runs one message Fedify queued (the inbox job). */
    runQueued: (message: unknown) => mq.deliver(message),
    /** Tells the fediverse what it should now know about a note (the publish job). */
    publish,
    /** Posts one stored activity to one inbox (the delivery job). */
    deliver: (payload: { activity: string; inbox: string }, signal: AbortSignal) =>
      deliver({ store, clock, fetch: deps.fetch, identity }, payload, signal),
    /** The actor's URL. */
    actorUrl: () => context().getActorUri(ACTOR).href,
    /**
     * Answers a request Fedify serves (WebFinger, NodeInfo, the actor and its collections, the
     * inboxes, a note asked for as ActivityStreams); undefined when it is not one (the HTML page
     * answers).
     */
    async respond(request: Request): Promise<Response | undefined> {
      let passed = false;
      const res = await federation.fetch(request, {
        contextData: undefined,
        onNotFound: () => {
          passed = true;
          return new Response(null, { status: 404 });
        },
        onNotAcceptable: () => {
          passed = true;
          return new Response(null, { status: 406 });
        },
      });
      return passed ? undefined : res;
    },
    /** Approves a waiting follow request (sends the Accept). */
    async approveFollower(actorId: string): Promise<void> {
      const row = needFollower(actorId);
      store.updateFollowerState(actorId, 'accepted', now());
      await sendAccept({ ...row, state: 'accepted' });
    },
    /** Refuses a waiting request or removes a follower (sends a Reject of their Follow). */
    async removeFollower(actorId: string): Promise<void> {
      const row = needFollower(actorId);
      store.deleteFollower(actorId);
      await sendReject(row.actor_id, row.follow_id, row.inbox);
    },
    /** Blocks a person (actor URL) or a server (domain): their follows and responses go. */
    async block(input: string): Promise<string> {
      const t = input.trim();
      if (/^https?:\/\//i.test(t)) {
        const id = new URL(t).href;
        store.insertBlock(id, 'actor', now());
        const row = store.findFollower(id);
        if (row) await this.removeFollower(id);
        mentionsStore.deleteFederatedResponsesOf(id);
        return id;
      }
      const domain = parseDomain(t.replace(/^@?[^@]*@/, ''));
      if (!domain) throw new AppError('invalid_request', 'Give an account address (https://…) or a domain.');
      store.insertBlock(domain, 'domain', now());
      store.deleteFollowersOfDomain(domain);
      return domain;
    },
    /** Lifts a block. */
    unblock: (target: string) => store.deleteBlock(target),
    moveTo,
    /** Tries delivery to a server that was given up on. */
    reviveServer: (host: string) => store.reviveServer(host),
  };
}

/** The ActivityPub service type. */
export type ActivityPubService = ReturnType<typeof createActivityPub>;
