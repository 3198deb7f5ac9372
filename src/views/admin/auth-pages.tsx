import { Layout, type PageSite, renderDocument } from '../layout.js';

/**
 * The owner's name for password managers: a password form with no username field is one that
 * several managers will not offer to save or fill. There is one owner, so the field is fixed
 * (their address) and hidden; the server never reads it.
 */
function OwnerUsername(props: { me: string }) {
  return <input type="text" name="username" autocomplete="username" value={props.me} hidden />;
}

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
      <div class="auth-card">
        <h1>Sign in</h1>
        {p.error && (
          <p class="flash flash-error" role="alert" id="form-error">
            {p.error}
          </p>
        )}
        {p.method === 'indieauth' && (
          <form method="post" action="/auth/indieauth" class="stack">
            <input type="hidden" name="next" value={p.next} />
            <p>
              Sign in as <strong>{p.adminMe}</strong> with your own IndieAuth server.
            </p>
            <div class="form-actions">
              <button type="submit">Sign in with IndieAuth</button>
            </div>
          </form>
        )}
        {p.hasPassword && (
          <form method="post" action="/auth/login" class="stack">
            <input type="hidden" name="next" value={p.next} />
            <OwnerUsername me={p.adminMe} />
            <label for="password">Password</label>
            <input
              id="password"
              name="password"
              type="password"
              autocomplete="current-password"
              autofocus
              required
              aria-invalid={p.error ? 'true' : undefined}
              aria-describedby={p.error ? 'form-error' : undefined}
            />
            <div class="form-actions">
              <button type="submit">Sign in</button>
            </div>
          </form>
        )}
        {p.method === 'password' && !p.hasPassword && (
          <p class="notice">
            No password is set yet. Use the one-time setup link printed in the server log, or run{' '}
            <code>starpunk password set</code>.
          </p>
        )}
        {p.devMode && (
          <form method="post" action="/auth/dev-login" class="stack">
            <input type="hidden" name="next" value={p.next} />
            <div class="form-actions">
              <button type="submit" class="danger">
                Development sign-in (DEV_MODE)
              </button>
            </div>
          </form>
        )}
      </div>
    </Layout>,
  );
}

/** The first-run page where the owner chooses a password. */
export function renderSetupPage(p: { site: PageSite; token: string; me: string; error?: string }): string {
  return renderDocument(
    <Layout title={`Set up · ${p.site.name}`} site={p.site}>
      <div class="auth-card">
        <h1>Choose your admin password</h1>
        {p.error && (
          <p class="flash flash-error" role="alert" id="form-error">
            {p.error}
          </p>
        )}
        <form method="post" action="/auth/setup" class="stack">
          <input type="hidden" name="token" value={p.token} />
          <OwnerUsername me={p.me} />
          <label for="password">New password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            autofocus
            minlength={10}
            required
            aria-invalid={p.error ? 'true' : undefined}
            aria-describedby={p.error ? 'form-error password-help' : 'password-help'}
          />
          <p id="password-help" class="help">
            At least 10 characters. A few unrelated words make a good one.
          </p>
          <label for="confirm">Repeat it</label>
          <input
            id="confirm"
            name="confirm"
            type="password"
            autocomplete="new-password"
            minlength={10}
            required
          />
          <div class="form-actions">
            <button type="submit">Save and sign in</button>
          </div>
        </form>
      </div>
    </Layout>,
  );
}
