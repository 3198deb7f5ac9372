import { raw } from 'hono/html';
import {
  type GroupedResponses,
  groupResponses,
  type ReplyNode,
  type ResponseView,
} from '../webmention/responses.js';
import { formatDate } from './entry.js';

// Every link to another site that a mention brings: the site vouches for none of them.
const REL = 'nofollow ugc';

const RSVP_LABELS: Readonly<Record<string, string>> = {
  yes: 'is going',
  no: 'is not going',
  maybe: 'might go',
  interested: 'is interested',
};

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The author as an h-card: photo, name, and their URL when known. */
function AuthorCard(props: { r: ResponseView; size: number; nameShown: boolean }) {
  const { author } = props.r;
  const img = (
    <img
      class="u-photo avatar"
      src={author.avatar}
      alt={props.nameShown ? '' : author.name}
      width={props.size}
      height={props.size}
      loading="lazy"
    />
  );
  return (
    <span class="p-author h-card">
      {img}
      {props.nameShown ? (
        author.url ? (
          <a class="p-name u-url" href={author.url} rel={REL}>
            {author.name}
          </a>
        ) : (
          <span class="p-name">{author.name}</span>
        )
      ) : (
        <>
          <data class="p-name" value={author.name} />
          {author.url && <data class="u-url" value={author.url} />}
        </>
      )}
    </span>
  );
}

/** A like or repost: the author's face linking to their post, as an h-cite of `prop` (p-like, p-repost). */
function Face(props: { r: ResponseView; prop: string; verb: string }) {
  const { r } = props;
  return (
    <li class={`${props.prop} h-cite`}>
      <a class="u-url" href={r.url} rel={REL} title={`${r.author.name} ${props.verb}`}>
        <AuthorCard r={r} size={40} nameShown={false} />
      </a>
      {r.published && <data class="dt-published" value={r.published.toISOString()} />}
    </li>
  );
}

function Content(props: { r: ResponseView }) {
  const { r } = props;
  if (r.contentHtml) return <div class="e-content comment-content">{raw(r.contentHtml)}</div>;
  if (r.contentText)
    return (
      <div class="e-content comment-content">
        <p>{r.contentText}</p>
      </div>
    );
  return null;
}

/** A reply (or RSVP) as an h-cite comment, with the replies to it nested as its own comments. */
function Comment(props: { node: ReplyNode; timeZone: string }) {
  const { reply: r, children } = props.node;
  return (
    <li class="p-comment h-cite comment" id={`response-${r.id}`}>
      <p class="comment-meta">
        <AuthorCard r={r} size={32} nameShown={true} />
        {r.rsvp && (
          <>
            {' '}
            <data class="p-rsvp" value={r.rsvp}>
              {RSVP_LABELS[r.rsvp] ?? r.rsvp}
            </data>
          </>
        )}{' '}
        <a class="u-url comment-date" href={r.url} rel={REL}>
          {r.published ? (
            <time class="dt-published" datetime={r.published.toISOString()}>
              {formatDate(r.published, props.timeZone)}
            </time>
          ) : (
            'link'
          )}
        </a>
      </p>
      <Content r={r} />
      {children.length > 0 && (
        <ol class="comments">
          {children.map((n) => (
            <Comment node={n} timeZone={props.timeZone} />
          ))}
        </ol>
      )}
    </li>
  );
}

function mentionTitle(r: ResponseView): string {
  if (r.contentText) return r.contentText.length > 140 ? `${r.contentText.slice(0, 139)}…` : r.contentText;
  try {
    const u = new URL(r.url);
    return `${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return r.url;
  }
}

/**
 * The responses block of a note's page, inside its h-entry; empty when there are none. Dates read
 * in `timeZone`, the site's, like the note's own.
 */
export function renderResponses(all: readonly ResponseView[], timeZone: string): string {
  if (all.length === 0) return '';
  const g: GroupedResponses = groupResponses(all);
  return (
    <section class="responses" id="responses" aria-labelledby="responses-title">
      <h2 id="responses-title">Responses</h2>
      {g.likes.length > 0 && (
        <div class="response-group">
          <h3>{plural(g.likes.length, 'like', 'likes')}</h3>
          <ul class="faces">
            {g.likes.map((r) => (
              <Face r={r} prop="p-like" verb="liked this" />
            ))}
          </ul>
        </div>
      )}
      {g.reposts.length > 0 && (
        <div class="response-group">
          <h3>{plural(g.reposts.length, 'repost', 'reposts')}</h3>
          <ul class="faces">
            {g.reposts.map((r) => (
              <Face r={r} prop="p-repost" verb="reposted this" />
            ))}
          </ul>
        </div>
      )}
      {g.replyCount > 0 && (
        <div class="response-group">
          <h3>{plural(g.replyCount, 'reply', 'replies')}</h3>
          <ol class="comments">
            {g.replies.map((n) => (
              <Comment node={n} timeZone={timeZone} />
            ))}
          </ol>
        </div>
      )}
      {g.mentions.length > 0 && (
        <div class="response-group">
          <h3>{plural(g.mentions.length, 'mention', 'mentions')}</h3>
          <ul class="mentions">
            {g.mentions.map((r) => (
              <li class="p-mention h-cite">
                <AuthorCard r={r} size={24} nameShown={true} />{' '}
                {r.kind === 'bookmark' ? 'bookmarked this: ' : 'mentioned this in '}
                <a class="u-url" href={r.url} rel={REL}>
                  {mentionTitle(r)}
                </a>
                {r.published && (
                  <>
                    {' '}
                    <time class="dt-published" datetime={r.published.toISOString()}>
                      {formatDate(r.published, timeZone)}
                    </time>
                  </>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  ).toString();
}

/** The counts a list entry shows ("2 replies · 5 likes"), linking to the note's responses; empty when none. */
export function renderResponseCounts(
  counts: Readonly<Record<string, number>> | undefined,
  noteUrl: string,
): string {
  if (!counts) return '';
  const replies = (counts.reply ?? 0) + (counts.rsvp ?? 0);
  const mentions = (counts.mention ?? 0) + (counts.bookmark ?? 0);
  const parts = [
    replies > 0 ? plural(replies, 'reply', 'replies') : '',
    counts.like ? plural(counts.like, 'like', 'likes') : '',
    counts.repost ? plural(counts.repost, 'repost', 'reposts') : '',
    mentions > 0 ? plural(mentions, 'mention', 'mentions') : '',
  ].filter((p) => p !== '');
  if (parts.length === 0) return '';
  return (
    <p class="response-counts">
      <a href={`${noteUrl}#responses`}>{parts.join(' · ')}</a>
    </p>
  ).toString();
}
