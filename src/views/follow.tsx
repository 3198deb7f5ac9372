/** The Follow page (/follow): how a visitor follows the site, in plain HTML (no XSLT, no script needed). */
import { type PageSite, renderInLayout } from './layout.js';

/** One feed address the page offers. */
export interface FollowFeed {
  /** The element id of its address field (the copy button names it). */
  id: string;
  label: string;
  url: string;
  /** A line on who reads this format. */
  note: string;
}

/** An account elsewhere that carries copies of the notes (Mastodon, Bluesky). */
export interface FollowAccount {
  /** The service as a reader knows it: "Mastodon", "Bluesky". */
  service: string;
  /** The handle as shown there (`@ada@mastodon.social`, `@ada.bsky.social`). */
  handle: string;
  url: string;
}

/**
 * Another way to follow, offered by a feature (the site's own fediverse handle, say): a label, the
 * address to copy or follow, an optional link and a sentence of explanation.
 */
export interface FollowWay {
  label: string;
  value: string;
  href?: string;
  description?: string;
}

/** What the Follow page shows. */
export interface FollowPageProps {
  site: PageSite;
  url: string;
  feeds: FollowFeed[];
  /** Accounts elsewhere that get copies of the notes; none when nothing is connected. */
  accounts: FollowAccount[];
  /** Other ways to follow (the fediverse handle of the site itself, when a feature offers one), shown first. */
  otherWays?: FollowWay[];
}

/** A read-only address with a copy button (shown by /static/site.js; without it, the field is selectable). */
function CopyField(props: { id: string; label: string; value: string }) {
  return (
    <div class="copy-field">
      <label for={props.id}>{props.label}</label>
      <div class="copy-row">
        <input id={props.id} type="text" readonly value={props.value} spellcheck={false} />
        <button type="button" data-copy={props.id} hidden>
          Copy <span class="visually-hidden">{props.label}</span>
        </button>
      </div>
      <span id={`${props.id}-status`} class="copy-status" role="status" />
    </div>
  );
}

/** The Follow page. */
export function renderFollowPage(p: FollowPageProps): string {
  const ways = p.otherWays ?? [];
  return renderInLayout(
    {
      title: `Follow · ${p.site.name}`,
      site: p.site,
      canonical: p.url,
      description: `How to follow ${p.site.name}: feeds${p.accounts.length + ways.length > 0 ? ' and accounts elsewhere' : ''}.`,
    },
    <article class="follow-page">
      <h1>Follow {p.site.name}</h1>
      <p>
        New notes appear here first. To see them without coming back to look, follow the site in a feed reader
        {p.accounts.length + ways.length > 0 ? ', or from an account you already have.' : '.'}
      </p>

      {ways.length > 0 && (
        <section aria-labelledby="follow-other">
          <h2 id="follow-other">From the fediverse and elsewhere</h2>
          <ul class="follow-list">
            {ways.map((w, i) => (
              <li>
                <CopyField id={`follow-way-${i}`} label={w.label} value={w.value} />
                {w.description && <p class="follow-note">{w.description}</p>}
                {w.href && (
                  <p class="follow-note">
                    <a href={w.href}>Open {w.label}</a>
                  </p>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-labelledby="follow-feeds">
        <h2 id="follow-feeds">In a feed reader</h2>
        <p>
          A feed reader (such as NetNewsWire, Feedly, Inoreader, Miniflux or Thunderbird) collects new posts
          from the sites you follow into one list, in the order they were written, with no algorithm and no
          account here. Copy one of these addresses and add it to your reader; most readers also find the feed
          when given the site's own address,{' '}
          <a href={p.site.url}>{p.site.url.replace(/^https?:\/\//, '').replace(/\/$/, '')}</a>.
        </p>
        <ul class="follow-list">
          {p.feeds.map((f) => (
            <li>
              <CopyField id={f.id} label={f.label} value={f.url} />
              <p class="follow-note">{f.note}</p>
            </li>
          ))}
        </ul>
      </section>

      {p.accounts.length > 0 && (
        <section aria-labelledby="follow-accounts">
          <h2 id="follow-accounts">On Mastodon and Bluesky</h2>
          <p>Notes are also posted to these accounts; follow them there to see each note in your timeline.</p>
          <ul class="follow-accounts">
            {p.accounts.map((a) => (
              <li>
                {a.service}: <a href={a.url}>{a.handle}</a>
              </li>
            ))}
          </ul>
        </section>
      )}
    </article>,
  );
}
