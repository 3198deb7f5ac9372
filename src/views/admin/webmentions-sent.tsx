import type { SyndicationCopy } from '../../syndication/service.js';
import type { SentWebmention } from '../../webmention/sender.js';
import { formatDate } from '../entry.js';
import { ListOr, RowAction } from './components.js';
import { AdminForm } from './form.js';
import { type AdminFrame, renderAdmin } from './layout.js';
import { CopiesList } from './syndication.js';

/** What one target's latest attempt came to, in words. */
function resultOf(w: SentWebmention): string {
  const running = w.job?.state === 'running';
  const waiting = w.job?.state === 'queued';
  if (w.outcome === null) return running ? 'Sending now' : 'Waiting to be sent';
  if (w.outcome === 'no_endpoint') return 'The page advertises no Webmention endpoint';
  if (w.outcome === 'sent')
    return `Sent${w.status ? `: HTTP ${w.status}` : ''}${waiting ? ' (sending again)' : ''}`;
  const status = w.status ? `HTTP ${w.status}` : 'no answer';
  return waiting ? `Failed (${status}), will try again` : running ? 'Trying again now' : `Failed (${status})`;
}

function attemptsOf(w: SentWebmention, timeZone: string | undefined): string {
  if (!w.job) return '—';
  const next =
    w.job.state === 'queued' && w.job.attempts > 0 ? `; next try ${formatDate(w.job.runAt, timeZone)}` : '';
  return `${w.job.attempts} of ${w.job.maxAttempts}${next}`;
}

/** Per note: every target it sent a Webmention to, with the result, and resend buttons. */
export function renderSentWebmentions(p: {
  frame: AdminFrame;
  note: { id: number; title: string; url: string; deleted: boolean };
  items: SentWebmention[];
  /** The note's copies on other services. */
  copies?: SyndicationCopy[];
}): string {
  const action = `/admin/notes/${p.note.id}/webmentions/resend`;
  const copies = p.copies ?? [];
  return renderAdmin(
    `Copies and Webmentions of “${p.note.title}”`,
    p.frame,
    <>
      <h1>Copies and Webmentions</h1>
      <p>
        Of <a href={p.note.url}>“{p.note.title}”</a>
        {p.note.deleted ? ' (in the trash)' : ''} · <a href={`/admin/edit/${p.note.id}`}>Edit the note</a>
      </p>
      <h2 id="copies">Copies elsewhere</h2>
      <ListOr
        count={copies.length}
        empty={
          <>
            This note has no copy on another service. Tick an account under “Copy to” in the editor, or
            connect one in <a href="/admin/syndication">Syndication</a>.
          </>
        }
      >
        <div class="note-copies">
          <CopiesList copies={copies} timeZone={p.frame.timeZone} back="note" heading="h3" />
        </div>
      </ListOr>
      <h2 id="sent">Webmentions sent</h2>
      <p>
        Every page a public note links to (its text, and what it replies to, likes, reposts or bookmarks) is
        told when the note is published, edited or deleted. Pages the note no longer links to are told once
        more, so they can take the mention down. Links to this site are not sent.
      </p>
      <ListOr count={p.items.length} empty="This note has not sent any Webmention.">
        <ul class="sent-list">
          {p.items.map((w) => (
            <li>
              <h3>
                <a href={w.target} rel="nofollow noopener noreferrer">
                  {w.target}
                </a>
              </h3>
              <dl class="facts">
                <dt>Link</dt>
                <dd>
                  {w.linked ? 'In the note' : 'No longer in the note (told so it can remove the mention)'}
                </dd>
                <dt>Result</dt>
                <dd>{resultOf(w)}</dd>
                <dt>Endpoint</dt>
                <dd>{w.endpoint ?? '—'}</dd>
                {w.location && (
                  <>
                    <dt>Status page</dt>
                    <dd>
                      <a href={w.location} rel="nofollow noopener noreferrer">
                        {w.location}
                      </a>
                    </dd>
                  </>
                )}
                <dt>Last attempt</dt>
                <dd>{w.attemptedAt ? formatDate(w.attemptedAt, p.frame.timeZone) : 'not yet'}</dd>
                <dt>Last success</dt>
                <dd>{w.sentAt ? formatDate(w.sentAt, p.frame.timeZone) : 'never'}</dd>
                <dt>Attempts</dt>
                <dd>{attemptsOf(w, p.frame.timeZone)}</dd>
                {w.lastError && (
                  <>
                    <dt>Last error</dt>
                    <dd>{w.lastError}</dd>
                  </>
                )}
              </dl>
              <RowAction
                action={action}
                fields={{ target: w.target }}
                kind="secondary"
                label="Send again"
                name={`Send again to ${w.target}`}
              />
            </li>
          ))}
        </ul>
      </ListOr>
      <AdminForm action={action} class="stack">
        <p>Sending again rediscovers each endpoint and tells every page the note links to now.</p>
        <div class="form-actions">
          <button type="submit">Send all again</button>
        </div>
      </AdminForm>
    </>,
  );
}
