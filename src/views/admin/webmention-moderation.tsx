import type { DomainRuleRow, Moderation, WebmentionWithSlug } from '../../db/store/webmentions.js';
import { parseDbTime } from '../../notes/time.js';
import { formatDate } from '../entry.js';
import { AdminForm } from './form.js';
import { type AdminFrame, renderAdmin } from './layout.js';

/** The lists of the moderation screen. */
export type MentionFilter = Moderation | 'all';

const FILTERS: [MentionFilter, string][] = [
  ['pending', 'Waiting'],
  ['approved', 'Approved'],
  ['rejected', 'Rejected'],
  ['all', 'All'],
];

const KIND_LABELS: Readonly<Record<string, string>> = {
  reply: 'Reply',
  like: 'Like',
  repost: 'Repost',
  bookmark: 'Bookmark',
  mention: 'Mention',
  rsvp: 'RSVP',
};

const STATE_LABELS: Readonly<Record<Moderation, string>> = {
  pending: 'waiting',
  approved: 'approved',
  rejected: 'rejected',
};

/** The host of a URL for display, or the URL itself. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function ActionForm(props: {
  frame: AdminFrame;
  action: string;
  filter: MentionFilter;
  label: string;
  kind?: string;
}) {
  return (
    <AdminForm action={props.action} class="inline-form">
      <input type="hidden" name="filter" value={props.filter} />
      <button type="submit" class={props.kind}>
        {props.label}
      </button>
    </AdminForm>
  );
}

/** The moderation screen: verified mentions by state, their actions, auto-approval and domain rules. */
export function renderWebmentionAdmin(p: {
  frame: AdminFrame;
  filter: MentionFilter;
  mentions: WebmentionWithSlug[];
  counts: Record<MentionFilter, number>;
  page: number;
  hasMore: boolean;
  autoApprove: boolean;
  rules: DomainRuleRow[];
}): string {
  const link = (page: number) => `/admin/webmentions?filter=${p.filter}${page > 1 ? `&page=${page}` : ''}`;
  return renderAdmin(
    'Webmentions',
    p.frame,
    <>
      <h1>Webmentions</h1>
      <p class="help">
        Mentions of your notes from other sites, once their source was fetched and found to link here. Only
        approved ones are shown under your notes.
      </p>
      <nav aria-label="Filter Webmentions">
        <ul class="filters">
          {FILTERS.map(([f, label]) => (
            <li>
              <a href={`/admin/webmentions?filter=${f}`} aria-current={f === p.filter ? 'page' : undefined}>
                {label} <span class="count">{p.counts[f]}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {p.mentions.length === 0 ? (
        <p class="notice">{p.filter === 'pending' ? 'Nothing waits for you.' : 'No Webmentions here.'}</p>
      ) : (
        <table class="admin-table webmention-table">
          <thead>
            <tr>
              <th scope="col">Mention</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {p.mentions.map((m) => {
              const domain = hostOf(m.source).replace(/^www\./, '');
              return (
                <tr id={`mention-${m.id}`}>
                  <td>
                    <p>
                      <strong>{KIND_LABELS[m.kind ?? 'mention'] ?? 'Mention'}</strong>
                      {m.rsvp ? ` (${m.rsvp})` : ''} by {m.author_name || hostOf(m.author_url ?? m.source)}{' '}
                      <span class="badge">{STATE_LABELS[m.moderation]}</span>
                    </p>
                    <p>
                      <a href={m.url ?? m.source} rel="nofollow ugc noreferrer">
                        {m.source}
                      </a>
                    </p>
                    {m.content_text && <p class="help">{m.content_text.slice(0, 280)}</p>}
                    {m.detail && <p class="help">{m.detail}</p>}
                    <p class="help">
                      On{' '}
                      {m.note_slug ? (
                        <a href={`/notes/${encodeURIComponent(m.note_slug)}`}>{m.note_slug}</a>
                      ) : (
                        'a note no longer here'
                      )}
                      , received {formatDate(parseDbTime(m.received_at), p.frame.timeZone)}
                    </p>
                  </td>
                  <td>
                    <div class="actions">
                      {m.moderation !== 'approved' && (
                        <ActionForm
                          frame={p.frame}
                          action={`/admin/webmentions/${m.id}/approve`}
                          filter={p.filter}
                          label="Approve"
                        />
                      )}
                      {m.moderation !== 'rejected' && (
                        <ActionForm
                          frame={p.frame}
                          action={`/admin/webmentions/${m.id}/reject`}
                          filter={p.filter}
                          label="Reject"
                          kind="secondary"
                        />
                      )}
                      <ActionForm
                        frame={p.frame}
                        action={`/admin/webmentions/${m.id}/allow-domain`}
                        filter={p.filter}
                        label={`Always allow ${domain}`}
                        kind="secondary"
                      />
                      <ActionForm
                        frame={p.frame}
                        action={`/admin/webmentions/${m.id}/block-domain`}
                        filter={p.filter}
                        label={`Block ${domain}`}
                        kind="danger"
                      />
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {(p.page > 1 || p.hasMore) && (
        <nav class="pagination" aria-label="Pages">
          {p.page > 1 ? <a href={link(p.page - 1)}>← Newer</a> : <span />}
          {p.hasMore ? (
            <a href={link(p.page + 1)} rel="next">
              Older →
            </a>
          ) : (
            <span />
          )}
        </nav>
      )}

      <h2>Approval</h2>
      <AdminForm action="/admin/webmentions/settings" class="stack">
        <input type="hidden" name="filter" value={p.filter} />
        <label>
          <input type="checkbox" name="auto_approve" value="on" checked={p.autoApprove} /> Show verified
          Webmentions at once, without waiting for my approval
        </label>
        <p class="help">
          Mentions from blocked domains are never shown; mentions from domains you always allow are shown at
          once either way.
        </p>
        <div class="form-actions">
          <button type="submit">Save</button>
        </div>
      </AdminForm>

      <h2>Domains</h2>
      {p.rules.length === 0 ? (
        <p class="notice">No domain is allowed always or blocked.</p>
      ) : (
        <table class="admin-table">
          <thead>
            <tr>
              <th scope="col">Domain</th>
              <th scope="col">Rule</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {p.rules.map((r) => (
              <tr>
                <td>{r.domain}</td>
                <td>{r.rule === 'allow' ? 'always allowed' : 'blocked'}</td>
                <td class="actions">
                  <AdminForm action="/admin/webmentions/domains/remove" class="inline-form">
                    <input type="hidden" name="filter" value={p.filter} />
                    <input type="hidden" name="domain" value={r.domain} />
                    <button type="submit" class="secondary" aria-label={`Remove the rule for ${r.domain}`}>
                      Remove
                    </button>
                  </AdminForm>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <AdminForm action="/admin/webmentions/domains" class="stack">
        <input type="hidden" name="filter" value={p.filter} />
        <label for="wm-domain">Domain (its subdomains included)</label>
        <input id="wm-domain" name="domain" type="text" required maxlength={253} placeholder="example.com" />
        <label for="wm-rule">Rule</label>
        <select id="wm-rule" name="rule">
          <option value="allow">Always allow</option>
          <option value="block">Block</option>
        </select>
        <div class="form-actions">
          <button type="submit">Add rule</button>
        </div>
      </AdminForm>
    </>,
  );
}
