import type { ClientInfo } from '../../indieauth/client.js';
import { AdminForm, CsrfScope } from '../admin/form.js';
import { Layout, type PageSite, renderDocument } from '../layout.js';

const DESCRIPTIONS: Record<string, string> = {
  create: 'create new posts',
  update: 'edit posts',
  delete: 'delete and undelete posts',
  undelete: 'restore deleted posts',
  media: 'upload photos and files',
  draft: 'create drafts only',
  profile: 'see your name and profile URL',
  email: 'see your e-mail address',
};

/** The request as the consent form carries it back in hidden inputs. */
export interface ConsentRequest {
  response_type: string;
  client_id: string;
  redirect_uri: string;
  state: string;
  code_challenge: string;
  code_challenge_method: string;
  me: string;
  scopes: string[];
}

/** The page where the signed-in owner approves or denies a client (PRODUCT.md §4 contract). */
export function renderConsentPage(p: {
  site: PageSite;
  csrf: string;
  client: ClientInfo;
  request: ConsentRequest;
  me: string;
  redirectDeclared: boolean;
  sameOriginRedirect: boolean;
}): string {
  const r = p.request;
  const name = p.client.name ?? new URL(r.client_id).host;
  // The decision is posted as the signed-in owner, with the session's CSRF token.
  return renderDocument(
    <CsrfScope token={p.csrf}>
      <Layout title={`Approve ${name}? · ${p.site.name}`} site={p.site}>
        <div class="auth-card consent">
          <h1>
            Approve <span class="client-name">{name}</span>?
          </h1>
          <p>It asks to sign in to your site as you.</p>
          <div class="consent-client">
            {p.client.logo && <img src={p.client.logo} alt="" width={64} height={64} />}
            <dl class="consent-facts">
              <dt>Application</dt>
              <dd>
                <code>{r.client_id}</code>
                {p.client.url && p.client.url !== r.client_id && (
                  <>
                    {' '}
                    (<a href={p.client.url}>{p.client.url}</a>)
                  </>
                )}
                {!p.client.fetched && (
                  <p class="help">
                    Unknown application: no information could be fetched about this application.
                  </p>
                )}
              </dd>
              <dt>Signed in as</dt>
              <dd>
                <strong>{p.me}</strong>
              </dd>
              <dt>Sends you back to</dt>
              <dd>
                <code>{r.redirect_uri}</code>
              </dd>
            </dl>
          </div>
          {!p.sameOriginRedirect && (
            <p class="flash flash-error" role="note">
              Afterwards you will be sent to <strong>another site</strong> than the application's own
              {p.redirectDeclared && ' (declared by the application)'}: <code>{r.redirect_uri}</code>
            </p>
          )}
          <AdminForm action="/auth/authorization" class="stack">
            <input type="hidden" name="response_type" value={r.response_type} />
            <input type="hidden" name="client_id" value={r.client_id} />
            <input type="hidden" name="redirect_uri" value={r.redirect_uri} />
            <input type="hidden" name="state" value={r.state} />
            <input type="hidden" name="code_challenge" value={r.code_challenge} />
            <input type="hidden" name="code_challenge_method" value={r.code_challenge_method} />
            <input type="hidden" name="me" value={r.me} />
            <input type="hidden" name="requested_scope" value={r.scopes.join(' ')} />
            {r.scopes.length > 0 ? (
              <fieldset>
                <legend>It asks to</legend>
                <p class="help">Untick anything you do not want to allow.</p>
                <ul class="choices">
                  {r.scopes.map((s) => (
                    <li>
                      <label>
                        <input type="checkbox" name="scope" value={s} checked />
                        <span>
                          {DESCRIPTIONS[s] ? (
                            <>
                              {DESCRIPTIONS[s]} (<code>{s}</code>)
                            </>
                          ) : (
                            <>
                              <code>{s}</code> (a permission StarPunk does not know)
                            </>
                          )}
                        </span>
                      </label>
                    </li>
                  ))}
                </ul>
              </fieldset>
            ) : (
              <p>It asks for no permissions: only to confirm who you are.</p>
            )}
            <div class="form-actions">
              <button type="submit" name="decision" value="approve">
                Approve
              </button>
              <button type="submit" name="decision" value="deny" class="secondary">
                Deny
              </button>
            </div>
          </AdminForm>
        </div>
      </Layout>
    </CsrfScope>,
  );
}
