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
}

/** One remote service: posts, edits and removes copies of notes. */
export interface SyndicationAdapter {
  service: 'mastodon' | 'bluesky';
  /** Posts a copy; the idempotencyKey is stable across retries of the same copy. */
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
  ): Promise<SyndicationResult>;
  remove(account: SyndicationAccount, secrets: Record<string, string>, remoteId: string): Promise<void>;
}
