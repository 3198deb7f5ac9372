/**
 * The owner's Edit link on public pages (docs/decisions/0020-owner-edit-link.md). Every visitor
 * gets the same bytes, so public pages stay cached and fast: the link is in the page but hidden,
 * and /static/site.js shows it only when the owner's sign-in hint cookie is present.
 */

/** The name of the hint cookie: set with the session at sign-in, no secret in it (src/http/session.ts). */
export const OWNER_HINT_COOKIE = 'starpunk_owner';

/** A hidden Edit link for the signed-in owner, shown by /static/site.js. */
export function OwnerEdit(props: { href: string }) {
  return (
    <a class="owner-edit" href={props.href} hidden>
      Edit
    </a>
  );
}
