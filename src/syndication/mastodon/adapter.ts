/**
 * Mastodon syndication: a note becomes a public status (title and text, shortened with a link back
 * when over the server's limit), photos with their alt text, a reply threaded under a status of the
 * same server; edits and deletes follow the note.
 */
import type { FetchLike } from '../../outbound/safe-fetch.js';
import { fitText } from '../text.js';
import type { SyndicationAccount, SyndicationAdapter, SyndicationPost } from '../types.js';
import { MastodonError, mastodonClient } from './client.js';

/** Mastodon takes at most four images per status. */
const MAX_MEDIA = 4;

/** Options of the adapter (tests shorten the media polling). */
export interface MastodonAdapterOptions {
  fetch: FetchLike;
  pollMs?: number;
}

function composeText(post: SyndicationPost): string {
  const parts = [post.name, post.text].filter((p): p is string => !!p && p.trim() !== '');
  // A like or repost with no words of its own still says what it is about.
  if (parts.length === 0 && (post.likeOf ?? post.repostOf)) parts.push((post.likeOf ?? post.repostOf)!);
  if (parts.length === 0) parts.push(post.url);
  return parts.join('\n\n');
}

function clientFor(options: MastodonAdapterOptions, secrets: Record<string, string>) {
  const { server, token } = secrets;
  if (!server || !token) throw new MastodonError(401, 'The account has no token; connect it again.');
  return mastodonClient(options.fetch, server, token);
}

/** Builds the Mastodon adapter. */
export function createMastodonAdapter(options: MastodonAdapterOptions): SyndicationAdapter {
  return {
    service: 'mastodon',

    async post(_account: SyndicationAccount, secrets, post, idempotencyKey) {
      const client = clientFor(options, secrets);
      const { maxCharacters, urlLength } = await client.limits();
      let inReplyTo: string | undefined;
      // Threading works only under a status this server knows: one of its own addresses.
      if (post.replyTo && new URL(post.replyTo).origin === new URL(secrets.server!).origin) {
        inReplyTo = await client.resolveStatus(post.replyTo).catch((err: unknown) => {
          if (err instanceof MastodonError && err.retryable) throw err;
          return undefined;
        });
      }
      const mediaIds: string[] = [];
      for (const photo of post.photos.slice(0, MAX_MEDIA)) {
        mediaIds.push(
          await client.uploadMedia(await photo.bytes(), photo.type, photo.alt, {
            ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
          }),
        );
      }
      const status = await client.createStatus(
        {
          status: fitText(composeText(post), post.url, maxCharacters, urlLength),
          media_ids: mediaIds,
          ...(inReplyTo ? { in_reply_to_id: inReplyTo } : {}),
        },
        idempotencyKey,
      );
      return { url: status.url ?? status.uri, remoteId: status.id };
    },

    async update(_account, secrets, remoteId, post) {
      const client = clientFor(options, secrets);
      const { maxCharacters, urlLength } = await client.limits();
      // The images stay as first posted: re-uploading would attach new copies at every edit.
      const current = await client.getStatus(remoteId);
      const status = await client.editStatus(remoteId, {
        status: fitText(composeText(post), post.url, maxCharacters, urlLength),
        media_ids: (current.media_attachments ?? []).map((m) => m.id),
      });
      return { url: status.url ?? status.uri, remoteId: status.id };
    },

    async remove(_account, secrets, remoteId) {
      // A status id names one status this server made for this account's token holders: the
      // collision of two sites on one account was the Idempotency-Key's, now unique per site.
      await clientFor(options, secrets).deleteStatus(remoteId);
      return undefined;
    },
  };
}
