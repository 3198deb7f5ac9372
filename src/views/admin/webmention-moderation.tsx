import type { DomainRuleRow, Moderation, WebmentionWithSlug } from '../../db/store/webmentions.js';
import { parseDbTime } from '../../lib/db-time.js';
import { formatDate } from '../entry.js';
import { AdminTable, FilterNav, ListOr, Pagination, RowAction } from './components.js';
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

/** The note a mention targets, as the screen names it. */
export interface MentionTarget {
  id: number;
  slug: string;
  /** Its title, or what it responds to, or the start of its text (never the slug). */
  title: string;
}

/** The note a mention is on, by its title, linked to its page; or why there is none. */
function MentionTargetLink(props: {
  mention: WebmentionWithSlug;
  targets: ReadonlyMap<number, MentionTarget>;
}) {
  const m = props.mention;
  const note = m.note_id === null ? undefined : props.targets.get(m.note_id);
  if (!note) return <>a note no longer here</>;
  return <a href={`/notes/${encodeURIComponent(note.slug)}`}>“{note.title}”</a>;
}

/** The moderation screen: verified mentions by state, their actions, auto-approval and domain rules. */
export function renderWebmentionAdmin(p: {
  frame: AdminFrame;
  filter: MentionFilter;
  mentions: WebmentionWithSlug[];
  /** The notes the listed mentions target, by id. */
  targets: ReadonlyMap<number, MentionTarget>;
  counts: Record<MentionFilter, number>;
  page: number;
  hasMore: boolean;
  autoApprove: boolean;
  rules: DomainRuleRow[];
}): string {
  const link = (page: number) => `/admin/webmentions?filter=${p.filter}${page > 1 ? `&page=${page}` : ''}`;
  const waiting = p.mentions.filter((m) => m.moderation === 'pending');
  // All of them when the whole queue is on this page; else the ones shown (never one unseen).
  const everyOne = p.page === 1 && !p.hasMore && p.filter === 'pending';
  return renderAdmin(
    'Webmentions',
    p.frame,
    <>
      <h1>Webmentions</h1>
      <p class="help">
        Mentions of your notes from other sites, once their source was fetched and found to link here. Only
        approved ones are shown under your notes.
      </p>
      <FilterNav
        label="Filter Webmentions"
        base="/admin/webmentions"
        filters={FILTERS}
        current={p.filter}
        counts={p.counts}
      />
      <ListOr
        count={p.mentions.length}
        empty={p.filter === 'pending' ? 'Nothing waits for you.' : 'No Webmentions here.'}
      >
        {waiting.length > 1 && (
          <AdminForm action="/admin/webmentions/approve-all" class="approve-all">
            <input type="hidden" name="filter" value={p.filter} />
            <input type="hidden" name="ids" value={waiting.map((m) => m.id).join(',')} />
            <button type="submit">
              {everyOne
                ? `Approve all ${waiting.length} waiting`
                : `Approve the ${waiting.length} waiting here`}
            </button>
          </AdminForm>
        )}
        <AdminTable columns={['Mention', 'Actions']} class="admin-table webmention-table">
          {p.mentions.map((m) => {
            const domain = hostOf(m.source).replace(/^www\./, '');
            const act = `/admin/webmentions/${m.id}`;
            const fields = { filter: p.filter };
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
                    On <MentionTargetLink mention={m} targets={p.targets} />, received{' '}
                    {formatDate(parseDbTime(m.received_at), p.frame.timeZone)}
                  </p>
                </td>
                <td>
                  <div class="actions">
                    {m.moderation !== 'approved' && (
                      <RowAction action={`${act}/approve`} fields={fields} label="Approve" />
                    )}
                    {m.moderation !== 'rejected' && (
                      <RowAction action={`${act}/reject`} fields={fields} kind="secondary" label="Reject" />
                    )}
                    <RowAction
                      action={`${act}/allow-domain`}
                      fields={fields}
                      kind="secondary"
                      label={
                        m.moderation === 'approved'
                          ? `Always allow ${domain}`
                          : `Approve and always allow ${domain}`
                      }
                    />
                    <RowAction
                      action={`${act}/block-domain`}
                      fields={fields}
                      kind="danger"
                      label={`Block ${domain}`}
                    />
                  </div>
                </td>
              </tr>
            );
          })}
        </AdminTable>
      </ListOr>
      {(p.page > 1 || p.hasMore) && <Pagination page={p.page} hasMore={p.hasMore} href={link} rel="next" />}

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
      <ListOr count={p.rules.length} empty="No domain is allowed always or blocked.">
        <AdminTable columns={['Domain', 'Rule', 'Actions']}>
          {p.rules.map((r) => (
            <tr>
              <td>{r.domain}</td>
              <td>{r.rule === 'allow' ? 'always allowed' : 'blocked'}</td>
              <td class="actions">
                <RowAction
                  action="/admin/webmentions/domains/remove"
                  fields={{ filter: p.filter, domain: r.domain }}
                  kind="secondary"
                  label="Remove"
                  name={`Remove the rule for ${r.domain}`}
                />
              </td>
            </tr>
          ))}
        </AdminTable>
      </ListOr>
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
