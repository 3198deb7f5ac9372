import { Layout, type PageSite, renderDocument } from '../layout.js';

/** The sign-in page: password form and/or IndieAuth button, and the DEV_MODE button. */
export function renderLoginPage(p: {
  site: PageSite;
  method: 'password' | 'indieauth';
  hasPassword: boolean;
  adminMe: string;
  devMode: boolean;
  next: string;
  error?: string;
}): string {
  return renderDocument(
    <Layout title={`Sign in · ${p.site.name}`} site={p.site}>
      <h1>Sign in</h1>
      {p.error && (
        <p class="flash flash-error" role="alert">
          {p.error}
        </p>
      )}
      {p.method === 'indieauth' && (
        <form method="post" action="/auth/indieauth">
          <input type="hidden" name="next" value={p.next} />
          <p>
            Sign in as <strong>{p.adminMe}</strong> with your own IndieAuth server.
          </p>
          <button type="submit">Sign in with IndieAuth</button>
        </form>
      )}
      {p.hasPassword && (
        <form method="post" action="/auth/login" class="stack">
          <input type="hidden" name="next" value={p.next} />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <button type="submit">Sign in</button>
        </form>
      )}
      {p.method === 'password' && !p.hasPassword && (
        <p class="notice">
          No password is set yet. Use the one-time setup link printed in the server log, or run{' '}
          <code>starpunk password set</code>.
        </p>
      )}
      {p.devMode && (
        <form method="post" action="/auth/dev-login">
          <input type="hidden" name="next" value={p.next} />
          <button type="submit" class="danger">
            Development sign-in (DEV_MODE)
          </button>
        </form>
      )}
    </Layout>,
  );
}

/** The first-run page where the owner chooses a password. */
export function renderSetupPage(p: { site: PageSite; token: string; error?: string }): string {
  return renderDocument(
    <Layout title={`Set up · ${p.site.name}`} site={p.site}>
      <h1>Choose your admin password</h1>
      {p.error && (
        <p class="flash flash-error" role="alert">
          {p.error}
        </p>
      )}
      <form method="post" action="/auth/setup" class="stack">
        <input type="hidden" name="token" value={p.token} />
        <label for="password">New password (at least 10 characters)</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="new-password"
          minlength={10}
          required
        />
        <label for="confirm">Repeat it</label>
        <input
          id="confirm"
          name="confirm"
          type="password"
          autocomplete="new-password"
          minlength={10}
          required
        />
        <button type="submit">Save and sign in</button>
      </form>
    </Layout>,
  );
}
