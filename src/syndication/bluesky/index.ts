/**
 * The Bluesky (AT Protocol) syndication adapter: connects with a handle and an app password,
 * posts notes as app.bsky.feed.post records (rich-text facets, photos with alt text or a link
 * card, replies threaded to bsky.app posts), deletes them, and — only when asked — "edits" by
 * deleting and posting again (Bluesky posts cannot be edited).
 *
 * Sessions: the access JWT lives about two hours. When the PDS answers 400 ExpiredToken the
 * adapter calls com.atproto.server.refreshSession (or, if the refresh JWT has expired too,
 * createSession with the stored app password), retries once, and hands the new secrets to
 * `onSecrets` so the caller stores them (encrypted) for the next job.
 */
import { createHash } from 'node:crypto';
import { type Clock, systemClock } from '../../clock.js';
import { JobError } from '../../jobs/queue.js';
import type { Logger } from '../../logger.js';
import type { FetchLike } from '../../outbound/safe-fetch.js';
import type {
  RemoveCheck,
  RemoveOutcome,
  SyndicationAccount,
  SyndicationAdapter,
  SyndicationPost,
  SyndicationResult,
} from '../types.js';
import { fitImage, MAX_IMAGES } from './images.js';
import { buildFacets, fitText, graphemeLength } from './richtext.js';
import { tidFromKey } from './tid.js';
import { type XrpcCall, XrpcError, xrpc } from './xrpc.js';

/** The default service (PDS entryway) for accounts hosted by Bluesky. */
export const DEFAULT_BLUESKY_SERVICE = 'https://bsky.social';

const POST = 'app.bsky.feed.post';
/** Record keys tried per copy when earlier ones hold records this site did not write for it. */
const KEY_SLOTS = 4;

/** What the adapter stores per account (encrypted by the caller). */
// A type, not an interface: it must be assignable to the adapters' Record<string, string>.
export type BlueskySecrets = {
  service: string;
  did: string;
  accessJwt: string;
  refreshJwt: string;
  handle: string;
  appPassword: string;
};

/** Everything the adapter needs. */
export interface BlueskyAdapterDeps {
  fetch: FetchLike;
  clock?: Clock;
  logger?: Logger;
  /** Called with refreshed secrets after a session refresh; store them for the next job. */
  onSecrets?: (account: SyndicationAccount, secrets: BlueskySecrets) => void | Promise<void>;
  /** Offer `update` as delete-and-repost (off by default: the copy's likes and replies are lost). */
  editByRepost?: boolean;
  userAgent?: string;
  timeoutMs?: number;
}

interface Session {
  did: string;
  handle: string;
  accessJwt: string;
  refreshJwt: string;
}

interface StrongRef {
  uri: string;
  cid: string;
}

interface BlobRef {
  $type: 'blob';
  ref: { $link: string };
  mimeType: string;
  size: number;
}

/** Reads and checks stored secrets: a missing field means the account must be connected again. */
export function parseBlueskySecrets(raw: Record<string, string>): BlueskySecrets {
  const keys = ['service', 'did', 'accessJwt', 'refreshJwt', 'handle', 'appPassword'] as const;
  const missing = keys.filter((k) => typeof raw[k] !== 'string' || raw[k] === '');
  if (missing.length > 0)
    throw new JobError(`the Bluesky account must be connected again (missing ${missing.join(', ')})`, {
      retryable: false,
    });
  return Object.fromEntries(keys.map((k) => [k, raw[k]!])) as unknown as BlueskySecrets;
}

/** Checks a service address: an absolute http(s) URL without query or credentials. */
export function normaliseService(service: string | undefined): string {
  const value = (service ?? '').trim() || DEFAULT_BLUESKY_SERVICE;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new JobError(`the Bluesky service address is not a URL: ${value}`, { retryable: false });
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || u.search || u.hash)
    throw new JobError(`the Bluesky service address must be an http(s) URL: ${value}`, { retryable: false });
  return u.origin;
}

/** A bsky.app post address (or an at:// URI of a post) as repository (handle or DID) and record key. */
export function parsePostAddress(url: string): { actor: string; rkey: string } | undefined {
  const web =
    /^https:\/\/(?:www\.)?bsky\.app\/profile\/([^/?#]+)\/post\/([A-Za-z0-9._:~-]+)\/?(?:[?#].*)?$/.exec(url);
  if (web) return { actor: decodeURIComponent(web[1]!), rkey: web[2]! };
  const at = /^at:\/\/([^/]+)\/app\.bsky\.feed\.post\/([A-Za-z0-9._:~-]+)$/.exec(url);
  if (at) return { actor: at[1]!, rkey: at[2]! };
  return undefined;
}

/** The parts of an at:// record URI. */
export function parseAtUri(uri: string): { did: string; collection: string; rkey: string } | undefined {
  const m = /^at:\/\/(did:[a-z]+:[A-Za-z0-9._:%-]+)\/([a-zA-Z0-9.-]+)\/([A-Za-z0-9._:~-]+)$/.exec(uri);
  return m ? { did: m[1]!, collection: m[2]!, rkey: m[3]! } : undefined;
}

function postUrl(did: string, rkey: string): string {
  return `https://bsky.app/profile/${did}/post/${rkey}`;
}

/** What the admin's "connect" form stores for a Bluesky account. */
export interface BlueskyConnection {
  uid: string;
  name: string;
  user: { name: string; url: string; photo?: string };
  secrets: BlueskySecrets;
}

/**
 * Connects an account: creates a session with the handle and app password on `service`, reads the
 * profile for a display name and avatar (best effort), and returns what to store.
 */
export async function connectBluesky(options: {
  fetch: FetchLike;
  service?: string;
  handle: string;
  appPassword: string;
  clock?: Clock;
  userAgent?: string;
}): Promise<BlueskyConnection> {
  const service = normaliseService(options.service);
  const deps = { fetch: options.fetch, clock: options.clock ?? systemClock, ...ua(options.userAgent) };
  const identifier = options.handle.trim().replace(/^@/, '');
  if (identifier === '' || options.appPassword.trim() === '')
    throw new JobError('a handle and an app password are needed', { retryable: false });
  const session = await xrpc<Session>(deps, service, {
    method: 'com.atproto.server.createSession',
    json: { identifier, password: options.appPassword.trim() },
  });
  if (typeof session.did !== 'string' || typeof session.accessJwt !== 'string')
    throw new JobError('the Bluesky service answered createSession without a session', { retryable: false });
  let displayName: string | undefined;
  let avatar: string | undefined;
  try {
    const profile = await xrpc<{ displayName?: string; avatar?: string }>(deps, service, {
      method: 'app.bsky.actor.getProfile',
      params: { actor: session.did },
      token: session.accessJwt,
    });
    if (typeof profile.displayName === 'string' && profile.displayName.trim() !== '')
      displayName = profile.displayName.trim();
    if (typeof profile.avatar === 'string' && /^https?:\/\//.test(profile.avatar)) avatar = profile.avatar;
  } catch {
    // A PDS without an app view attached has no profiles: the handle names the account.
  }
  const handle = typeof session.handle === 'string' ? session.handle : identifier;
  return {
    uid: session.did,
    name: `@${handle} on Bluesky`,
    user: {
      name: displayName ?? handle,
      url: `https://bsky.app/profile/${handle}`,
      ...(avatar ? { photo: avatar } : {}),
    },
    secrets: {
      service,
      did: session.did,
      accessJwt: session.accessJwt,
      refreshJwt: session.refreshJwt,
      handle,
      appPassword: options.appPassword.trim(),
    },
  };
}

function ua(userAgent: string | undefined): { userAgent?: string } {
  return userAgent ? { userAgent } : {};
}

/** Builds the Bluesky adapter. */
export function createBlueskyAdapter(deps: BlueskyAdapterDeps): SyndicationAdapter & {
  service: 'bluesky';
} {
  const clock = deps.clock ?? systemClock;
  const http = {
    fetch: deps.fetch,
    clock,
    ...ua(deps.userAgent),
    ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
  };
  // Refreshed sessions by the access token they replace: if the caller does not store what
  // onSecrets hands it, the next job in this process still uses the fresh tokens.
  const refreshed = new Map<string, BlueskySecrets>();

  async function refresh(account: SyndicationAccount, s: BlueskySecrets): Promise<BlueskySecrets> {
    let session: Session;
    try {
      session = await xrpc<Session>(http, s.service, {
        method: 'com.atproto.server.refreshSession',
        procedure: true,
        token: s.refreshJwt,
      });
    } catch (err) {
      if (!(err instanceof XrpcError) || err.retryable) throw err;
      // The refresh JWT expired or was revoked: start a new session with the app password.
      session = await xrpc<Session>(http, s.service, {
        method: 'com.atproto.server.createSession',
        json: { identifier: s.did, password: s.appPassword },
      });
    }
    const next: BlueskySecrets = {
      ...s,
      did: session.did ?? s.did,
      handle: session.handle ?? s.handle,
      accessJwt: session.accessJwt,
      refreshJwt: session.refreshJwt,
    };
    refreshed.set(s.accessJwt, next);
    deps.logger?.info({ account: account.id }, 'Bluesky session refreshed');
    await deps.onSecrets?.(account, next);
    return next;
  }

  /** Runs `fn` with a session, refreshing it once if the access token has expired. */
  async function withSession<T>(
    account: SyndicationAccount,
    raw: Record<string, string>,
    fn: (call: <R>(c: XrpcCall) => Promise<R>, s: BlueskySecrets) => Promise<T>,
  ): Promise<T> {
    let s = parseBlueskySecrets(raw);
    s = refreshed.get(s.accessJwt) ?? s;
    let current = s;
    const call = <R>(c: XrpcCall): Promise<R> =>
      xrpc<R>(http, current.service, { ...c, token: current.accessJwt });
    try {
      return await fn(call, current);
    } catch (err) {
      if (!(err instanceof XrpcError && err.expired)) throw err;
    }
    current = await refresh(account, current);
    return fn(call, current);
  }

  async function resolveHandle(
    call: <R>(c: XrpcCall) => Promise<R>,
    handle: string,
  ): Promise<string | undefined> {
    if (handle.startsWith('did:')) return handle;
    try {
      const r = await call<{ did?: string }>({
        method: 'com.atproto.identity.resolveHandle',
        params: { handle },
      });
      return typeof r.did === 'string' && r.did.startsWith('did:') ? r.did : undefined;
    } catch (err) {
      // An unknown handle is plain text; an expired session or a rate limit is not ours to hide.
      if (err instanceof XrpcError && (err.expired || err.retryable)) throw err;
      return undefined;
    }
  }

  async function getRecord(
    call: <R>(c: XrpcCall) => Promise<R>,
    repo: string,
    collection: string,
    rkey: string,
  ): Promise<(StrongRef & { value: Record<string, unknown> }) | undefined> {
    try {
      const r = await call<{ uri?: string; cid?: string; value?: Record<string, unknown> }>({
        method: 'com.atproto.repo.getRecord',
        params: { repo, collection, rkey },
      });
      if (typeof r.uri !== 'string' || typeof r.cid !== 'string') return undefined;
      return { uri: r.uri, cid: r.cid, value: r.value ?? {} };
    } catch (err) {
      if (err instanceof XrpcError && err.status === 400 && err.error !== 'ExpiredToken') return undefined;
      throw err;
    }
  }

  /** The strong reference of a bsky.app post (or at:// URI), or undefined if it is none. */
  async function resolvePost(
    call: <R>(c: XrpcCall) => Promise<R>,
    address: string,
  ): Promise<(StrongRef & { value: Record<string, unknown> }) | undefined> {
    const parsed = parsePostAddress(address);
    if (!parsed) return undefined;
    const did = await resolveHandle(call, parsed.actor);
    if (!did) return undefined;
    return getRecord(call, did, POST, parsed.rkey);
  }

  async function upload(call: <R>(c: XrpcCall) => Promise<R>, data: Buffer, type: string): Promise<BlobRef> {
    const r = await call<{ blob?: BlobRef }>({
      method: 'com.atproto.repo.uploadBlob',
      bytes: { data, type },
    });
    if (!r.blob) throw new JobError('Bluesky uploadBlob answered without a blob');
    return r.blob;
  }

  async function embedFor(call: <R>(c: XrpcCall) => Promise<R>, post: SyndicationPost) {
    if (post.photos.length > 0) {
      if (post.photos.length > MAX_IMAGES)
        deps.logger?.info(
          { note: post.noteId, photos: post.photos.length },
          'Bluesky takes four photos; the rest are left out',
        );
      const images = [];
      for (const photo of post.photos.slice(0, MAX_IMAGES)) {
        const fitted = await fitImage(await photo.bytes(), photo.type);
        const blob = await upload(call, fitted.data, fitted.type);
        images.push({
          alt: photo.alt,
          image: blob,
          aspectRatio: { width: fitted.width, height: fitted.height },
        });
      }
      return { $type: 'app.bsky.embed.images', images };
    }
    const plain = post.text.trim();
    const firstLine = excerpt(plain.split('\n')[0] ?? '', 100);
    return {
      $type: 'app.bsky.embed.external',
      external: {
        uri: post.url,
        title: post.name ?? (firstLine || post.url),
        description: excerpt(plain, 300),
      },
    };
  }

  /**
   * Creates a record under a key derived from `key`, or finds the one a crashed attempt of the
   * same copy made. A record found there is taken only if it is what this copy would write
   * (`ours`); anything else (another site's, another note's) is left alone and the next key of the
   * copy's fixed sequence is tried, so a retry walks the same keys and still finds its own record.
   */
  async function createOnce(
    call: <R>(c: XrpcCall) => Promise<R>,
    s: BlueskySecrets,
    collection: string,
    key: string,
    ours: (value: Record<string, unknown>) => boolean,
    build: () => Promise<Record<string, unknown>>,
  ): Promise<SyndicationResult> {
    const found = (rkey: string, r: StrongRef) => ({
      url: postUrl(s.did, rkey),
      remoteId: r.uri,
      cid: r.cid,
    });
    for (let slot = 0; slot < KEY_SLOTS; slot++) {
      const rkey = tidFromKey(slot === 0 ? key : `${key}#${slot}`);
      const existing = await getRecord(call, s.did, collection, rkey);
      if (existing) {
        if (ours(existing.value)) return found(rkey, existing);
        foreign(existing.uri);
        continue;
      }
      const record = await build();
      let r: { uri?: string; cid?: string };
      try {
        r = await call<{ uri?: string; cid?: string }>({
          method: 'com.atproto.repo.createRecord',
          json: { repo: s.did, collection, rkey, validate: true, record },
        });
      } catch (err) {
        // A record appeared between our lookup and this write (the PDS answers 500 for a key that
        // is taken): another run of the same copy — then it is ours — or a stranger's.
        if (!(err instanceof XrpcError) || err.expired || err.status === 429) throw err;
        const raced = await getRecord(call, s.did, collection, rkey);
        if (!raced) throw err;
        if (ours(raced.value)) return found(rkey, raced);
        foreign(raced.uri);
        continue;
      }
      if (typeof r.uri !== 'string' || typeof r.cid !== 'string')
        throw new JobError('Bluesky createRecord answered without a uri and cid');
      return { url: postUrl(s.did, parseAtUri(r.uri)?.rkey ?? rkey), remoteId: r.uri, cid: r.cid };
    }
    throw new JobError(
      `every record key of this copy holds a record StarPunk did not write for it (${KEY_SLOTS} tried); nothing was posted`,
      { retryable: false },
    );
  }

  function foreign(uri: string): void {
    deps.logger?.warn(
      { record: uri },
      'a Bluesky record this site did not write holds a copy key; left alone',
    );
  }

  /** The like or repost a note asks for: the collection and the subject, if it is a Bluesky post. */
  async function reactionOf(
    call: <R>(c: XrpcCall) => Promise<R>,
    note: SyndicationPost,
  ): Promise<{ address: string; collection: string; subject: StrongRef } | undefined> {
    for (const [address, collection] of [
      [note.likeOf, 'app.bsky.feed.like'],
      [note.repostOf, 'app.bsky.feed.repost'],
    ] as const) {
      if (!address) continue;
      const subject = await resolvePost(call, address);
      if (subject) return { address, collection, subject: { uri: subject.uri, cid: subject.cid } };
    }
    return undefined;
  }

  /** Is `value` the record this site writes for `note` (a record of `collection`)? */
  async function writtenFor(
    call: <R>(c: XrpcCall) => Promise<R>,
    note: SyndicationPost,
    collection: string,
  ): Promise<(value: Record<string, unknown>) => boolean> {
    if (collection === POST) return (value) => isPostFor(value, note);
    const reaction = await reactionOf(call, note);
    return (value) =>
      reaction?.collection === collection && isReactionTo(value, collection, reaction.subject);
  }

  async function post(
    account: SyndicationAccount,
    secrets: Record<string, string>,
    note: SyndicationPost,
    idempotencyKey: string,
  ): Promise<SyndicationResult> {
    return withSession(account, secrets, async (call, s) => {
      // A like or repost of a Bluesky post is a like or repost there, not a post.
      const reaction = await reactionOf(call, note);
      if (reaction) {
        const { address, collection, subject } = reaction;
        const result = await createOnce(
          call,
          s,
          collection,
          idempotencyKey,
          (value) => isReactionTo(value, collection, subject),
          async () => ({ $type: collection, subject, createdAt: clock.now().toISOString() }),
        );
        return { ...result, url: address };
      }
      const text = postText(note);
      return createOnce(
        call,
        s,
        POST,
        idempotencyKey,
        (value) => isPostFor(value, note),
        async () => {
          const facets = await buildFacets(text, (h) => resolveHandle(call, h));
          const record: Record<string, unknown> = {
            $type: POST,
            text,
            createdAt: clock.now().toISOString(),
          };
          if (facets.length > 0) record.facets = facets;
          if (note.replyTo) {
            const parent = await resolvePost(call, note.replyTo);
            if (parent) {
              const root = rootOf(parent);
              record.reply = { root, parent: { uri: parent.uri, cid: parent.cid } };
            }
          }
          record.embed = await embedFor(call, note);
          return record;
        },
      );
    });
  }

  /**
   * Deletes a copy — only the record this site wrote: with the CID stored at creation the PDS
   * itself refuses (swapRecord) when the address holds anything else; a copy stored before CIDs
   * were must show what this site would write for the note. Anything else is left in place.
   */
  async function remove(
    account: SyndicationAccount,
    secrets: Record<string, string>,
    remoteId: string,
    check: RemoveCheck = {},
  ): Promise<RemoveOutcome | undefined> {
    const at = parseAtUri(remoteId);
    if (!at) throw new JobError(`not a Bluesky record: ${remoteId}`, { retryable: false });
    const leftInPlace = {
      leftInPlace: `the record ${remoteId} is not the one this site wrote; it was left in place`,
    };
    return withSession(account, secrets, async (call, s) => {
      if (at.did !== s.did)
        throw new JobError(`the record ${remoteId} is not in this account's repository`, {
          retryable: false,
        });
      let cid = check.cid ?? undefined;
      if (!cid) {
        const current = await getRecord(call, s.did, at.collection, at.rkey);
        if (!current) return undefined;
        if (!check.post || !(await writtenFor(call, check.post, at.collection))(current.value))
          return leftInPlace;
        cid = current.cid;
      }
      try {
        await call({
          method: 'com.atproto.repo.deleteRecord',
          json: { repo: s.did, collection: at.collection, rkey: at.rkey, swapRecord: cid },
        });
      } catch (err) {
        if (err instanceof XrpcError && err.error === 'InvalidSwap') return leftInPlace;
        throw err;
      }
      return undefined;
    });
  }

  // Bluesky posts cannot be edited: a copy is brought up to date by deleting it and posting again.
  const replace: NonNullable<SyndicationAdapter['replace']> = async (
    account,
    secrets,
    remoteId,
    note,
    check,
  ) => {
    await remove(account, secrets, remoteId, check);
    // The new copy's key follows the old copy (its at:// address, made from this installation's key,
    // ADR 0013) and the text, so a retried replacement posts once and never takes another's record.
    const digest = createHash('sha256')
      .update(`${note.name ?? ''}\n${note.text}`)
      .digest('hex')
      .slice(0, 16);
    return post(account, secrets, note, `bluesky-edit:${remoteId}:${digest}`);
  };
  const adapter: SyndicationAdapter & { service: 'bluesky' } = { service: 'bluesky', post, remove, replace };
  // Every edit replacing the copy (and losing its likes and replies) only when built to.
  if (deps.editByRepost) adapter.update = replace;
  return adapter;
}

/** The text of the post a note becomes: within 300 graphemes and 3,000 bytes, with a link back when cut. */
function postText(note: SyndicationPost): string {
  const base = note.name ? `${note.name}\n\n${note.url}` : note.text.trim() || note.url;
  return fitText(base, note.url).text;
}

/** Is `value` the post this site writes for `note`: the same text and the same embed (link card or photos)? */
function isPostFor(value: Record<string, unknown>, note: SyndicationPost): boolean {
  if (value.$type !== POST || value.text !== postText(note)) return false;
  const embed = value.embed as
    | { $type?: unknown; external?: { uri?: unknown }; images?: { alt?: unknown }[] }
    | undefined;
  if (note.photos.length === 0)
    return embed?.$type === 'app.bsky.embed.external' && embed.external?.uri === note.url;
  const alts = note.photos.slice(0, MAX_IMAGES).map((p) => p.alt);
  return (
    embed?.$type === 'app.bsky.embed.images' &&
    Array.isArray(embed.images) &&
    embed.images.length === alts.length &&
    embed.images.every((image, i) => image?.alt === alts[i])
  );
}

/** Is `value` a like or repost (`collection`) of `subject`? */
function isReactionTo(value: Record<string, unknown>, collection: string, subject: StrongRef): boolean {
  return value.$type === collection && (value.subject as Partial<StrongRef> | undefined)?.uri === subject.uri;
}

function rootOf(parent: StrongRef & { value: Record<string, unknown> }): StrongRef {
  const reply = parent.value.reply as { root?: Partial<StrongRef> } | undefined;
  const root = reply?.root;
  if (root && typeof root.uri === 'string' && typeof root.cid === 'string')
    return { uri: root.uri, cid: root.cid };
  return { uri: parent.uri, cid: parent.cid };
}

function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (graphemeLength(flat) <= max) return flat;
  return fitText(flat, '', max).text.replace(/…\s*$/, '…');
}

export { fitImage, MAX_BLOB_BYTES, MAX_IMAGES } from './images.js';
export {
  buildFacets,
  byteLength,
  findSpans,
  fitText,
  graphemeLength,
  MAX_GRAPHEMES,
  MAX_TEXT_BYTES,
} from './richtext.js';
export { XrpcError, XrpcUnreachable } from './xrpc.js';
