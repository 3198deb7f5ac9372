import type { Child, JSX } from 'hono/jsx';
import { createContext, useContext } from 'hono/jsx';

/** The signed-in session's CSRF token, for the forms of the page being rendered. */
const SessionCsrf = createContext<string | undefined>(undefined);

/**
 * Gives the forms inside it the session's CSRF token: the admin layout wraps every admin page in
 * it (the token of its frame, which comes from the request's session), the consent page its own.
 */
export function CsrfScope(props: { token: string; children?: Child }) {
  return <SessionCsrf.Provider value={props.token}>{props.children}</SessionCsrf.Provider>;
}

/** A form's attributes; the method is always POST, the one kind of form that changes something. */
export type AdminFormProps = Omit<JSX.IntrinsicElements['form'], 'method' | 'action'> & {
  action: string;
  children?: Child;
};

/**
 * The one form that changes something as the signed-in owner: POST, with the session's CSRF token
 * in the hidden `_csrf` field the guard checks (http/session.ts `requireCsrf`). Rendering one
 * outside a `CsrfScope` is a programming error and fails loudly rather than posting a form the
 * guard would refuse.
 */
export function AdminForm(props: AdminFormProps) {
  const token = useContext(SessionCsrf);
  if (!token) throw new Error(`AdminForm for ${props.action} rendered outside a CsrfScope`);
  const { children, ...attributes } = props;
  return (
    <form method="post" {...attributes}>
      <input type="hidden" name="_csrf" value={token} />
      {children}
    </form>
  );
}
