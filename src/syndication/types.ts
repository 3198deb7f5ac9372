/** Syndication (POSSE) adapter contract: one adapter per remote service (Mastodon, Bluesky). */

/** A connected remote account that notes can be copied to (a Micropub syndication target). */
export interface SyndicationAccount {
  id: number;
  service: 'mastodon' | 'bluesky';
  uid: string;
  name: string;
  user: { name: string; url: string; photo?: string };
  defaultOn: boolean;
}

/** What an adapter needs to know about the note it copies. */
export interface SyndicationPost {
  noteId: number;
  url: string;
  text: string;
  name: string | null;
  photos: { url: string; alt: string; bytes: () => Promise<Buffer>; type: string }[];
  replyTo?: string;
  likeOf?: string;
  repostOf?: string;
}

/** Where the copy lives on the remote service. */
export interface SyndicationResult {
  url: string;
  remoteId: string;
  /**
   * The identity of the exact object this site wrote, where the service has one (Bluesky: the
   * record's CID). Stored with the copy; a removal deletes only that object (ADR 0013).
   */
  cid?: string;
}

/** What a removal checks before deleting: the address alone may hold an object this site did not write. */
export interface RemoveCheck {
  /** The CID stored when this site wrote the copy (Bluesky); absent for copies stored before CIDs were. */
  cid?: string | null;
  /** The note as it is now: without a CID, the record must show what this site would write for it. */
  post?: SyndicationPost;
}

/** A removal that left the remote object alone (it is not the one this site wrote), and why. */
export interface RemoveOutcome {
  leftInPlace: string;
}

/** One remote service: posts, edits and removes copies of notes. */
export interface SyndicationAdapter {
  service: 'mastodon' | 'bluesky';
  /**
   * Posts a copy; the idempotencyKey is stable across retries of the same copy and unique to this
   * installation (`syndicate:<installation>:<note>:<account>`), never shared with another site.
   */
  post(
    account: SyndicationAccount,
    secrets: Record<string, string>,
    post: SyndicationPost,
    idempotencyKey: string,
  ): Promise<SyndicationResult>;
  update?(
    account: SyndicationAccount,
    secrets: Record<string, string>,
    remoteId: string,
    post: SyndicationPost,
    check?: RemoveCheck,
  ): Promise<SyndicationResult>;
  /**
   * Replaces a copy that cannot be edited in place (Bluesky): deletes it (only if this site wrote
   * it) and posts the note again. Run only when the owner asks ("Update the copy"): the old copy's
   * likes, reposts and replies are lost.
   */
  replace?(
    account: SyndicationAccount,
    secrets: Record<string, string>,
    remoteId: string,
    post: SyndicationPost,
    check?: RemoveCheck,
  ): Promise<SyndicationResult>;
  /** Deletes a copy; an object at that address this site did not write is left in place. */
  remove(
    account: SyndicationAccount,
    secrets: Record<string, string>,
    remoteId: string,
    check?: RemoveCheck,
  ): Promise<RemoveOutcome | undefined>;
}
