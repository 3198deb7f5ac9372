/**
 * The owner's Edit link on public pages (docs/decisions/0020-owner-edit-link.md). Every visitor
 * gets the same bytes, so public pages stay cached and fast: the page holds an empty placeholder
 * naming the editor, and /static/site.js puts the link in it only when the owner's sign-in hint
 * cookie is present. Visitors get no link at all, hidden or not.
 */

/** The name of the hint cookie: set with the session at sign-in, no secret in it (src/http/session.ts). */
export const OWNER_HINT_COOKIE = 'starpunk_owner';

/** The place of the owner's Edit link (empty, and not drawn, until /static/site.js fills it). */
export function OwnerEdit(props: { href: string }) {
  return <span class="owner-edit" data-edit={props.href} />;
}
