import type { ActivityPubSettings } from '../../activitypub/settings.js';
import type { BlockRow, FollowerRow, ServerRow } from '../../db/store/activitypub.js';
import { parseDbTime } from '../../lib/db-time.js';
import { formatDate } from '../entry.js';
import { AdminTable, ListOr, Pagination, RowAction } from './components.js';
import { AdminForm } from './form.js';
import { type AdminFrame, renderAdmin } from './layout.js';

/** What the ActivityPub screen shows; `off` (the reason) when the feature cannot run here. */
export type ActivityPubAdminView =
  | { frame: AdminFrame; off: string }
  | {
      frame: AdminFrame;
      off?: undefined;
      handle: string;
      actorUrl: string;
      settings: ActivityPubSettings;
      pending: FollowerRow[];
      followers: FollowerRow[];
      followerCount: number;
      page: number;
      hasMore: boolean;
      blocks: BlockRow[];
      servers: ServerRow[];
    };

function who(f: FollowerRow): string {
  return f.name ? `${f.name} (${f.handle ?? f.actor_id})` : (f.handle ?? f.actor_id);
}

function when(at: string | null, timeZone: string | undefined): string {
  return at ? formatDate(parseDbTime(at), timeZone) : '—';
}

/** Admin → ActivityPub. */
export function renderActivityPubAdmin(p: ActivityPubAdminView): string {
  if (p.off !== undefined)
    return renderAdmin(
      'ActivityPub',
      p.frame,
      <>
        <h1>ActivityPub</h1>
        <p class="notice" role="status">
          {p.off}
        </p>
        <p class="help">Your notes are published as before; nothing is sent to the fediverse.</p>
      </>,
    );
  const tz = p.frame.timeZone;
  const s = p.settings;
  const link = (page: number) => `/admin/activitypub${page > 1 ? `?page=${page}` : ''}#followers`;
  return renderAdmin(
    'ActivityPub',
    p.frame,
    <>
      <h1>ActivityPub</h1>
      <p>
        People on Mastodon and other fediverse servers find and follow this site as{' '}
        <strong class="fediverse-handle">{p.handle}</strong>. Its account is <code>{p.actorUrl}</code>.
      </p>

      <h2>Settings</h2>
      <AdminForm action="/admin/activitypub/settings" class="stack">
        <label for="ap-username">User name (the part before the @)</label>
        <input
          id="ap-username"
          name="username"
          type="text"
          required
          maxlength={30}
          pattern="[A-Za-z0-9_][A-Za-z0-9_.\-]*"
          value={s.username}
        />
        <p class="help">Changing it keeps every follower: the account address stays the same.</p>
        <label>
          <input type="checkbox" name="approve_followers" value="on" checked={s.approveFollowers} /> Approve
          followers: follow requests wait for me
        </label>
        <label>
          <input type="checkbox" name="discoverable" value="on" checked={s.discoverable} /> List this account
          in directories and suggestions
        </label>
        <label>
          <input type="checkbox" name="indexable" value="on" checked={s.indexable} /> Let fediverse search
          find my public notes
        </label>
        <label>
          <input type="checkbox" name="show_followers" value="on" checked={s.showFollowers} /> Show who
          follows me (the number is always public)
        </label>
        <div class="form-actions">
          <button type="submit">Save</button>
        </div>
      </AdminForm>

      <h2 id="pending">Follow requests</h2>
      <ListOr count={p.pending.length} empty="No follow request waits for you.">
        <AdminTable columns={['Who', 'Asked', 'Actions']}>
          {p.pending.map((f) => (
            <tr>
              <td>
                <a href={f.url ?? f.actor_id} rel="nofollow noreferrer">
                  {who(f)}
                </a>
              </td>
              <td>{when(f.created_at, tz)}</td>
              <td class="actions">
                <RowAction
                  action="/admin/activitypub/followers/approve"
                  fields={{ actor: f.actor_id }}
                  label="Approve"
                  row={who(f)}
                />
                <RowAction
                  action="/admin/activitypub/followers/reject"
                  fields={{ actor: f.actor_id }}
                  kind="secondary"
                  label="Refuse"
                  row={who(f)}
                />
              </td>
            </tr>
          ))}
        </AdminTable>
      </ListOr>

      <h2 id="followers">
        Followers <span class="count">{p.followerCount}</span>
      </h2>
      <ListOr count={p.followers.length} empty="Nobody follows this site from the fediverse yet.">
        <AdminTable columns={['Who', 'Since', 'Actions']}>
          {p.followers.map((f) => (
            <tr>
              <td>
                <a href={f.url ?? f.actor_id} rel="nofollow noreferrer">
                  {who(f)}
                </a>
              </td>
              <td>{when(f.created_at, tz)}</td>
              <td class="actions">
                <RowAction
                  action="/admin/activitypub/followers/remove"
                  fields={{ actor: f.actor_id }}
                  kind="secondary"
                  label="Remove"
                  row={who(f)}
                  confirm={`Remove ${who(f)} from your followers?`}
                />
                <RowAction
                  action="/admin/activitypub/blocks"
                  fields={{ target: f.actor_id }}
                  kind="danger"
                  label="Block"
                  row={who(f)}
                  confirm={`Block ${who(f)}?`}
                />
              </td>
            </tr>
          ))}
        </AdminTable>
      </ListOr>
      {(p.page > 1 || p.hasMore) && <Pagination page={p.page} hasMore={p.hasMore} href={link} rel="next" />}

      <h2 id="blocks">Blocks</h2>
      <ListOr count={p.blocks.length} empty="Nobody is blocked.">
        <AdminTable columns={['Blocked', 'Since', 'Actions']}>
          {p.blocks.map((b) => (
            <tr>
              <td>
                {b.target} {b.kind === 'domain' ? '(the server and its subdomains)' : ''}
              </td>
              <td>{when(b.created_at, tz)}</td>
              <td class="actions">
                <RowAction
                  action="/admin/activitypub/blocks/remove"
                  fields={{ target: b.target }}
                  kind="secondary"
                  label="Unblock"
                  row={b.target}
                />
              </td>
            </tr>
          ))}
        </AdminTable>
      </ListOr>
      <AdminForm action="/admin/activitypub/blocks" class="stack">
        <label for="ap-block">Account address (https://…) or server (example.social)</label>
        <input id="ap-block" name="target" type="text" required maxlength={500} />
        <div class="form-actions">
          <button type="submit" class="danger">
            Block
          </button>
        </div>
      </AdminForm>

      <h2 id="servers">Delivery</h2>
      <ListOr count={p.servers.length} empty="Nothing has been delivered yet.">
        <AdminTable columns={['Server', 'Delivered', 'Failures in a row', 'Last', 'Actions']}>
          {p.servers.map((r) => (
            <tr>
              <td>
                {r.host} {r.dead_at ? <span class="badge">given up</span> : ''}
              </td>
              <td>{r.delivered}</td>
              <td>{r.failures}</td>
              <td>
                {r.last_success_at ? `delivered ${when(r.last_success_at, tz)}` : ''}
                {r.last_failure_at ? ` failed ${when(r.last_failure_at, tz)}: ${r.last_error ?? ''}` : ''}
              </td>
              <td class="actions">
                {r.dead_at && (
                  <RowAction
                    action="/admin/activitypub/servers/revive"
                    fields={{ host: r.host }}
                    label="Try again"
                    row={r.host}
                  />
                )}
              </td>
            </tr>
          ))}
        </AdminTable>
      </ListOr>

      <h2 id="move">Moving</h2>
      <p class="help">
        To bring your followers from a Mastodon account, list that account here, then use Mastodon’s “Move to
        a different account” with {p.handle}.
      </p>
      <AdminForm action="/admin/activitypub/aliases" class="stack">
        <label for="ap-aliases">Also known as (one account address a line, https://…)</label>
        <textarea id="ap-aliases" name="also_known_as" rows={3}>
          {s.alsoKnownAs.join('\n')}
        </textarea>
        <div class="form-actions">
          <button type="submit">Save</button>
        </div>
      </AdminForm>
      {s.movedTo ? (
        <>
          <p>
            This account has moved to <a href={s.movedTo}>{s.movedTo}</a>.
          </p>
          <RowAction
            action="/admin/activitypub/move/clear"
            kind="secondary"
            label="Stop saying it moved"
            name="Stop saying the account moved"
          />
        </>
      ) : (
        <AdminForm
          action="/admin/activitypub/move"
          class="stack"
          data-confirm="Send every follower's server a Move to the new account?"
        >
          <label for="ap-move">Move to another account (its address, https://…)</label>
          <input id="ap-move" name="target" type="url" required maxlength={500} />
          <p class="help">
            The new account must list {p.actorUrl} as an alias first; then your followers’ servers move them
            there.
          </p>
          <div class="form-actions">
            <button type="submit" class="danger">
              Move
            </button>
          </div>
        </AdminForm>
      )}
    </>,
  );
}
