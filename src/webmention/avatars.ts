/**
 * Authors' photos of received Webmentions: fetched once through the safe fetch, checked to be an
 * image, cut to a small square WebP with sharp and kept in the database, so pages never hot-link
 * another site (a reader's visit tells nobody else) and backups carry them.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { WebmentionsStore } from '../db/store/webmentions.js';
import { toDbTime } from '../lib/db-time.js';
import { formatFromMagic, MAX_INPUT_PIXELS } from '../media/image.js';
import { isRetryableStatus } from '../outbound/policy.js';
import type { FetchLike } from '../outbound/safe-fetch.js';
import { fetchBounded, type SourceFetchLimits } from './receive-fetch.js';

/** Side of the stored square, in pixels (shown at 48 CSS pixels, sharp on 2× screens). */
export const AVATAR_SIZE = 96;

/** Limits of one photo fetch. */
export const AVATAR_FETCH_LIMITS: SourceFetchLimits = {
  maxBytes: 2 * 1024 * 1024,
  timeoutMs: 10_000,
  maxRedirects: 5,
};

/** The key of a photo: SHA-256 of its URL, hex. */
export function avatarHash(url: string): string {
  return createHash('sha256').update(url, 'utf8').digest('hex');
}

/** Where a page finds an author's photo: the cached one, or the default when there is none. */
export function avatarPath(photoUrl: string | null): string {
  return photoUrl ? `/webmention/avatar/${avatarHash(photoUrl)}` : '/webmention/avatar/default';
}

/** The picture shown for an author without a photo (or before theirs is fetched). */
export const DEFAULT_AVATAR_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48" width="48" height="48">
<rect width="48" height="48" fill="#d8dde3"/>
<circle cx="24" cy="19" r="9" fill="#8a96a3"/>
<path d="M8 44c2-9 8.5-13 16-13s14 4 16 13z" fill="#8a96a3"/>
</svg>
`;

/** Why a photo could not be cached, and whether trying later may help. */
export class AvatarError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'AvatarError';
  }
}

/** Turns image bytes into the stored square; throws AvatarError for anything that is not an accepted image. */
export async function resizeAvatar(bytes: Buffer): Promise<Buffer> {
  if (!formatFromMagic(bytes))
    throw new AvatarError('the photo is not a JPEG, PNG, GIF, WebP or AVIF image', false);
  try {
    return await sharp(bytes, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS / 4, autoOrient: true })
      .resize({ width: AVATAR_SIZE, height: AVATAR_SIZE, fit: 'cover' })
      .webp({ quality: 80 })
      .toBuffer();
  } catch (err) {
    throw new AvatarError(`the photo could not be read (${(err as Error).message})`, false);
  }
}

/** Fetches, resizes and stores the photo at `url` (nothing when it is cached already). */
export async function cacheAvatar(deps: {
  fetch: FetchLike;
  store: WebmentionsStore;
  url: string;
  now: Date;
  limits?: SourceFetchLimits;
}): Promise<'cached' | 'stored'> {
  const hash = avatarHash(deps.url);
  if (deps.store.hasAvatar(hash)) return 'cached';
  const r = await fetchBounded(deps.fetch, deps.url, deps.limits ?? AVATAR_FETCH_LIMITS, 'image/*');
  if (r.kind === 'failed') throw new AvatarError(r.reason, r.retryable);
  if (r.kind === 'status')
    throw new AvatarError(`the photo answered ${r.status}`, isRetryableStatus(r.status));
  const bytes = await resizeAvatar(r.body);
  deps.store.upsertAvatar({
    hash,
    url: deps.url,
    mime_type: 'image/webp',
    bytes,
    fetched_at: toDbTime(deps.now),
  });
  return 'stored';
}
