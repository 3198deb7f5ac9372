import { parseDbTime } from '../../lib/db-time.js';
import { formatDate } from '../entry.js';
import { AdminTable, ListOr, RowAction } from './components.js';
import { AdminForm } from './form.js';
import { type AdminFrame, renderAdmin } from './layout.js';

/** One active session in the list. */
export interface SessionView {
  id: number;
  current: boolean;
  device: string;
  ip: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** Active sessions, each removable. */
export function renderSessions(p: { frame: AdminFrame; sessions: SessionView[] }): string {
  return renderAdmin(
    'Sessions',
    p.frame,
    <>
      <h1>Signed-in sessions</h1>
      <AdminTable columns={['Device', 'Address', 'Signed in', 'Last used', 'Actions']}>
        {p.sessions.map((s) => (
          <tr>
            <td data-label="Device" class="wrap-anywhere">
              {s.device}
              {s.current && <strong> (this one)</strong>}
            </td>
            <td data-label="Address" class="wrap-anywhere">
              {s.ip ?? '—'}
            </td>
            <td data-label="Signed in">{formatDate(s.createdAt, p.frame.timeZone)}</td>
            <td data-label="Last used">{s.lastUsedAt ? formatDate(s.lastUsedAt, p.frame.timeZone) : '—'}</td>
            <td data-label="Actions" class="actions">
              <RowAction
                action={`/admin/sessions/${s.id}/end`}
                kind="secondary"
                label={s.current ? 'Sign out here' : 'End session'}
                row={`${s.device}, signed in ${formatDate(s.createdAt, p.frame.timeZone)}`}
              />
            </td>
          </tr>
        ))}
      </AdminTable>
      <AdminForm action="/admin/sessions/end-all" class="stack">
        <p>
          Lost a device, or think someone else has your cookie? This ends every session listed above, this one
          included; you then sign in again.
        </p>
        <div class="form-actions">
          <button type="submit" class="danger">
            Sign out everywhere
          </button>
        </div>
      </AdminForm>
    </>,
  );
}

/** One access token in the list. */
export interface TokenView {
  id: number;
  client: string;
  scope: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revoked: boolean;
}

/** Tokens issued to clients, with revoke and a form to mint one by hand. */
export function renderTokens(p: {
  frame: AdminFrame;
  tokens: TokenView[];
  minted?: { token: string; scope: string };
}): string {
  return renderAdmin(
    'Tokens',
    p.frame,
    <>
      <h1>Access tokens</h1>
      <p class="help">
        Revoking a client's token ends its whole authorization: its refresh token stops working too, so the
        client has to ask you again.
      </p>
      {p.minted && (
        <div class="flash flash-ok" role="status">
          <p>
            New token with scope <code>{p.minted.scope}</code>. Copy it now: it is not stored and will not be
            shown again.
          </p>
          <p>
            <input
              type="text"
              readonly
              value={p.minted.token}
              aria-label="New access token"
              class="token-output"
              data-select-on-focus="true"
            />
          </p>
        </div>
      )}
      <ListOr count={p.tokens.length} empty="No client holds a token.">
        <AdminTable columns={['Client', 'Scopes', 'Issued', 'Last used', 'Expires', 'Actions']}>
          {p.tokens.map((t) => (
            <tr>
              <td data-label="Client" class="wrap-anywhere">
                {t.client}
              </td>
              <td data-label="Scopes">
                <code>{t.scope}</code>
              </td>
              <td data-label="Issued">{formatDate(t.createdAt, p.frame.timeZone)}</td>
              <td data-label="Last used">
                {t.lastUsedAt ? formatDate(t.lastUsedAt, p.frame.timeZone) : 'never'}
              </td>
              <td data-label="Expires">
                {t.expiresAt ? formatDate(t.expiresAt, p.frame.timeZone) : 'never'}
              </td>
              <td data-label="Actions" class="actions">
                {t.revoked ? (
                  'revoked'
                ) : (
                  <RowAction
                    action={`/admin/tokens/${t.id}/revoke`}
                    kind="danger"
                    label="Revoke"
                    row={`token for ${t.client}, issued ${formatDate(t.createdAt, p.frame.timeZone)}`}
                  />
                )}
              </td>
            </tr>
          ))}
        </AdminTable>
      </ListOr>
      <h2>Mint a token by hand</h2>
      <AdminForm action="/admin/tokens" class="stack">
        <label for="client_id">Client (URL or name)</label>
        <input id="client_id" name="client_id" type="text" required maxlength={300} />
        <label for="scope">Scopes (space-separated)</label>
        <input id="scope" name="scope" type="text" value="create update media" required maxlength={300} />
        <label for="expires_days">Expires after (days, 0 = never)</label>
        <input id="expires_days" name="expires_days" type="number" min={0} max={3650} value="90" />
        <button type="submit">Create token</button>
      </AdminForm>
    </>,
  );
}

/** Figures on the health page. */
export interface HealthView {
  version: string;
  databaseBytes: number;
  counts: Record<string, number>;
  migrations: { name: string; state: string; appliedAt?: string | null }[];
  requests: { total: number; perMinute: number; p50: number; p95: number; errors5xx: number };
  recentErrors: { at: Date; path: string; message: string }[];
  uptimeSeconds: number;
}

/**
 * When a migration was applied, in the site's time zone. The bookkeeping table holds what the
 * migration runner wrote (ISO 8601) or, in a database from Python StarPunk, SQLite's UTC
 * CURRENT_TIMESTAMP; anything else is shown as it is stored.
 */
function appliedAt(stored: string, timeZone: string | undefined): string {
  try {
    return formatDate(parseDbTime(stored), timeZone);
  } catch {
    return stored;
  }
}

/** Version, database, note counts, migrations, request rate and latency, recent errors. */
export function renderHealth(p: { frame: AdminFrame; health: HealthView }): string {
  const h = p.health;
  return renderAdmin(
    'Health',
    p.frame,
    <>
      <h1>Health</h1>
      <dl class="facts">
        <dt>Version</dt>
        <dd>{h.version}</dd>
        <dt>Up for</dt>
        <dd>{Math.round(h.uptimeSeconds / 60)} min</dd>
        <dt>Database size</dt>
        <dd>{(h.databaseBytes / 1024 / 1024).toFixed(2)} MB</dd>
        {Object.entries(h.counts).map(([k, v]) => (
          <>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </>
        ))}
        <dt>Requests</dt>
        <dd>
          {h.requests.total} since start, {h.requests.perMinute.toFixed(1)}/min in the last 5 min
        </dd>
        <dt>Latency</dt>
        <dd>
          p50 {h.requests.p50.toFixed(1)} ms, p95 {h.requests.p95.toFixed(1)} ms
        </dd>
        <dt>Server errors</dt>
        <dd>{h.requests.errors5xx}</dd>
      </dl>
      <h2>Migrations</h2>
      <ul>
        {h.migrations.map((m) => (
          <li>
            <code>{m.name}</code>: {m.state}
            {m.appliedAt ? ` (${appliedAt(m.appliedAt, p.frame.timeZone)})` : ''}
          </li>
        ))}
      </ul>
      <h2>Recent errors</h2>
      {h.recentErrors.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {h.recentErrors.map((e) => (
            <li>
              {formatDate(e.at, p.frame.timeZone)} <code>{e.path}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
    </>,
  );
}
