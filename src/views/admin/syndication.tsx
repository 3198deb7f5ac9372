import type { SyndicationCopy } from '../../syndication/service.js';
import type { SyndicationAccount } from '../../syndication/types.js';
import { formatDate } from '../entry.js';
import { ListOr, RowAction } from './components.js';
import { AdminForm } from './form.js';
import { type AdminFrame, renderAdmin } from './layout.js';

/** What a copy's job came to, in words. */
function stateOf(c: SyndicationCopy, timeZone: string | undefined): string {
  const running = c.job?.state === 'running';
  const waiting = c.job?.state === 'queued' && (c.job?.attempts ?? 0) > 0;
  const verb =
    c.job?.kind === 'syndicate.remove'
      ? 'Removing'
      : c.job?.kind === 'syndicate.update'
        ? 'Editing'
        : c.job?.kind === 'syndicate.replace'
          ? 'Posting again'
          : 'Posting';
  // Cancelled when its account was disconnected.
  if (c.job?.state === 'cancelled')
    return c.state === 'posted'
      ? `Posted; the ${c.job.kind === 'syndicate.remove' ? 'removal' : 'edit'} was cancelled`
      : 'Cancelled';
  if (c.state === 'failed') return 'Failed for good';
  // A removal that found a record this site did not write leaves it (the reason is the error).
  if (c.state === 'removed') return c.lastError ? 'Left in place' : 'Removed';
  if (running) return `${verb} now`;
  if (waiting) return `${verb}: failed, will try again ${c.job ? formatDate(c.job.runAt, timeZone) : ''}`;
  if (c.outdated) return 'Posted, with the text the note had then';
  if (c.state === 'queued' || c.job?.state === 'queued') return `${verb}: waiting`;
  return 'Posted';
}

/** The copies list (per note and on the syndication page). */
export function CopiesList(p: {
  copies: SyndicationCopy[];
  /** The site's time zone, for the time of the next try. */
  timeZone: string | undefined;
  noteTitles?: Map<number, string>;
  /** Where "Update the copy" comes back to: the note's page, or the syndication page. */
  back?: 'note' | 'syndication';
  /** Each copy's heading level: under the page's h1 (h2), or under a section's h2 (h3). */
  heading?: 'h2' | 'h3';
}) {
  const Heading = p.heading ?? 'h2';
  return (
    <ul class="sent-list">
      {p.copies.map((c) => {
        const where = c.account?.name ?? `${c.service} (disconnected)`;
        const title = p.noteTitles?.get(c.noteId);
        return (
          <li>
            <Heading>{title ? `${title} → ${where}` : where}</Heading>
            <dl class="facts">
              <dt>State</dt>
              <dd>{stateOf(c, p.timeZone)}</dd>
              <dt>Copy</dt>
              <dd>
                {c.url ? (
                  <a href={c.url} rel="noopener noreferrer">
                    {c.url}
                  </a>
                ) : (
                  'not posted yet'
                )}
              </dd>
              <dt>Attempts</dt>
              <dd>{c.job ? `${c.job.attempts} of ${c.job.maxAttempts}` : '—'}</dd>
              {c.lastError && (
                <>
                  <dt>Remote error</dt>
                  <dd class="remote-error">{c.lastError}</dd>
                </>
              )}
            </dl>
            {c.outdated && c.account && (
              <>
                <p class="help">
                  You edited the note after this copy was posted. Bluesky cannot edit a post, so the copy
                  still shows the note as it was. Updating it deletes the copy and posts the note again: its
                  likes, reposts and replies on Bluesky are lost.
                </p>
                <RowAction
                  action={`/admin/syndication/copies/${c.id}/replace`}
                  fields={{ back: p.back ?? 'syndication' }}
                  kind="secondary"
                  label="Update the copy"
                  row={title ? `${title} → ${where}` : where}
                  confirm="Delete the copy on Bluesky and post the note again? Its likes, reposts and replies there are lost."
                />
              </>
            )}
            {c.account &&
              c.job &&
              c.job.state !== 'running' &&
              c.state !== 'removed' &&
              (c.state === 'failed' || c.lastError) && (
                <RowAction
                  action={`/admin/syndication/copies/${c.id}/retry`}
                  kind="secondary"
                  label="Retry"
                  row={title ? `${title} → ${where}` : where}
                />
              )}
          </li>
        );
      })}
    </ul>
  );
}

/** The syndication page: connected accounts, connecting Mastodon, and the latest copies. */
export function renderSyndication(p: {
  frame: AdminFrame;
  accounts: SyndicationAccount[];
  copies: SyndicationCopy[];
  noteTitles: Map<number, string>;
  /** Extra connect forms (Bluesky) rendered by their own modules. */
  extraConnect?: unknown;
}): string {
  return renderAdmin(
    'Syndication',
    p.frame,
    <>
      <h1>Syndication</h1>
      <p>
        Notes you publish here can be copied to your accounts elsewhere; each copy is shown on the note (“Also
        on Mastodon”). A copy that had to be shortened ends with a link back to the note, and a titled note on
        Bluesky is its title and that link. A short note is copied whole, without a link back, except on
        Bluesky when it has no photos: there it gets a link card to the note. Deleting the note deletes its
        copies. Edits follow on Mastodon; Bluesky cannot edit a post, so a Bluesky copy keeps the text it was
        posted with until you update it (it is then deleted and posted again).
      </p>
      <h2>Accounts</h2>
      <ListOr count={p.accounts.length} empty="No account is connected yet.">
        <ul class="sent-list">
          {p.accounts.map((a) => (
            <li>
              <h3>
                <a href={a.user.url} rel="noopener noreferrer">
                  {a.name}
                </a>
              </h3>
              <p>
                {a.defaultOn ? 'Ticked by default in the editor.' : 'Not ticked by default in the editor.'}
              </p>
              <RowAction
                action={`/admin/syndication/accounts/${a.id}/default`}
                fields={{ on: a.defaultOn ? '0' : '1' }}
                kind="secondary"
                label={a.defaultOn ? 'Untick by default' : 'Tick by default'}
                row={a.name}
              />{' '}
              <RowAction
                action={`/admin/syndication/accounts/${a.id}/disconnect`}
                kind="secondary"
                label="Disconnect"
                row={a.name}
              />
            </li>
          ))}
        </ul>
      </ListOr>
      <h2>Connect Mastodon</h2>
      <AdminForm action="/admin/syndication/mastodon/connect" class="stack">
        <label for="mastodon-server">Your server's address</label>
        <input
          id="mastodon-server"
          name="server"
          type="text"
          inputmode="url"
          placeholder="mastodon.social"
          required
          autocomplete="url"
        />
        <p class="hint">
          You will be asked on your server to let this site post for you. GoToSocial and Akkoma work too.
        </p>
        <div class="form-actions">
          <button type="submit">Connect Mastodon</button>
        </div>
      </AdminForm>
      {p.extraConnect as never}
      <h2>Latest copies</h2>
      <ListOr count={p.copies.length} empty="Nothing has been copied yet.">
        <CopiesList copies={p.copies} timeZone={p.frame.timeZone} noteTitles={p.noteTitles} />
      </ListOr>
    </>,
  );
}

/** Connecting a Bluesky account: handle, app password, and the service for a PDS of one's own. */
export function BlueskyConnectForm() {
  return (
    <>
      <h2>Connect Bluesky</h2>
      <AdminForm action="/admin/syndication/bluesky/connect" class="stack">
        <label for="bluesky-handle">Your handle</label>
        <input
          id="bluesky-handle"
          name="handle"
          type="text"
          placeholder="you.bsky.social"
          required
          autocomplete="username"
        />
        <label for="bluesky-password">An app password</label>
        <input id="bluesky-password" name="app_password" type="password" required autocomplete="off" />
        <p class="hint">
          Make one in Bluesky under Settings → Privacy and security → App passwords; never use your main
          password.
        </p>
        <label for="bluesky-service">Service (only with a server of your own)</label>
        <input
          id="bluesky-service"
          name="service"
          type="text"
          inputmode="url"
          placeholder="https://bsky.social"
        />
        <div class="form-actions">
          <button type="submit">Connect Bluesky</button>
        </div>
      </AdminForm>
    </>
  );
}
