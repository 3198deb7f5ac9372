/**
 * What the rest of the site knows of ActivityPub without loading Fedify: whether this Node.js can
 * run it, the job kinds, the route test for ActivityStreams requests, and the one actor's name.
 *
 * Fedify declares Node.js 22 or later, and on Node.js 20 it does fail: importing an Ed25519 key
 * reads the global `navigator` (Node.js 21+), and its router uses `Iterator.from` (Node.js 22+).
 * On an older Node.js the feature is switched off, saying so (ADR 0018), and Fedify is never loaded.
 */

/** The first Node.js major version ActivityPub runs on (Fedify's `engines`). */
export const ACTIVITYPUB_MIN_NODE = 22;

/** Whether ActivityPub can run on this Node.js, and if not, why. */
export type ActivityPubSupport = { enabled: true } | { enabled: false; reason: string };

/** Whether ActivityPub runs on Node.js `version` (default: this one). */
export function activityPubSupport(version: string = process.versions.node): ActivityPubSupport {
  const major = Number(version.split('.')[0]);
  if (major >= ACTIVITYPUB_MIN_NODE) return { enabled: true };
  return {
    enabled: false,
    reason: `ActivityPub is switched off: it needs Node.js ${ACTIVITYPUB_MIN_NODE} or later (Node.js 24 LTS recommended), and this is Node.js ${version}.`,
  };
}

/** The one actor's identifier in the routes (its URL is /ap/site; the handle is a setting). */
export const ACTOR = 'site';

/** Job kinds of the feature. */
export const INBOX_JOB = 'activitypub.inbox';
export const PUBLISH_JOB = 'activitypub.publish';
export const DELIVER_JOB = 'activitypub.deliver';

/** True when an Accept header asks for ActivityStreams (ActivityPub §3.2). */
export function wantsActivityJson(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept
    .toLowerCase()
    .split(',')
    .some((part) => {
      const [type, ...params] = part.split(';').map((s) => s.trim());
      if (type === 'application/activity+json') return true;
      return (
        type === 'application/ld+json' &&
        params.some((p) => /^profile="?https:\/\/www\.w3\.org\/ns\/activitystreams"?$/.test(p))
      );
    });
}
