import { raw } from 'hono/html';
import type { Note } from '../notes/types.js';

const DATE_FMT = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** A date a person reads, in UTC. */
export function formatDate(d: Date): string {
  return `${DATE_FMT.format(d)} UTC`;
}

function firstUrl(values: unknown[] | undefined): string | undefined {
  for (const v of values ?? []) {
    if (typeof v === 'string' && /^https?:\/\//i.test(v)) return v;
    if (v && typeof v === 'object') {
      const o = v as { value?: unknown; properties?: { url?: unknown[] } };
      if (typeof o.value === 'string' && /^https?:\/\//i.test(o.value)) return o.value;
      const u = o.properties?.url?.[0];
      if (typeof u === 'string' && /^https?:\/\//i.test(u)) return u;
    }
  }
  return undefined;
}

const CONTEXTS = [
  ['in-reply-to', 'u-in-reply-to', 'In reply to'],
  ['like-of', 'u-like-of', 'Liked'],
  ['repost-of', 'u-repost-of', 'Reposted'],
  ['bookmark-of', 'u-bookmark-of', 'Bookmarked'],
] as const;

function placeOf(values: unknown[] | undefined): { name: string; url?: string } | undefined {
  const v = values?.[0];
  if (typeof v === 'string') return /^https?:\/\//i.test(v) ? { name: v, url: v } : { name: v };
  if (v && typeof v === 'object') {
    const p = (v as { properties?: Record<string, unknown[]> }).properties ?? {};
    const name = p.name?.[0] ?? p.locality?.[0] ?? p['street-address']?.[0];
    const url = p.url?.[0];
    if (typeof name === 'string')
      return { name, url: typeof url === 'string' && /^https?:\/\//i.test(url) ? url : undefined };
  }
  return undefined;
}

function httpUrls(values: unknown[] | undefined): string[] {
  return (values ?? []).filter((v): v is string => typeof v === 'string' && /^https?:\/\//i.test(v));
}

/** One note as an h-entry. `standalone` is the note's own page (h1 title, author, full meta). */
export function Entry(props: {
  note: Note;
  url: string;
  tagUrl: (key: string) => string;
  standalone: boolean;
  author?: { name: string; url: string };
  /** Received responses (views/responses.tsx), HTML placed inside the h-entry so they parse as its properties. */
  responses?: string;
}) {
  const { note, url } = props;
  const TitleTag = props.standalone ? 'h1' : 'h2';
  return (
    <article class="h-entry entry">
      {note.name &&
        (props.standalone ? (
          <TitleTag class="p-name entry-title">{note.name}</TitleTag>
        ) : (
          <TitleTag class="entry-title">
            <a class="p-name" href={url}>
              {note.name}
            </a>
          </TitleTag>
        ))}
      {CONTEXTS.map(([prop, cls, label]) => {
        const target = firstUrl(note.properties[prop]);
        return target ? (
          <p class="context">
            {label}{' '}
            <a class={cls} href={target}>
              {target}
            </a>
          </p>
        ) : null;
      })}
      {(() => {
        const summary = note.properties.summary?.[0];
        return typeof summary === 'string' && !note.contentHtml ? <p class="p-summary">{summary}</p> : null;
      })()}
      {note.fileMissing && (
        <p class="note-unavailable" role="note">
          The text of this note is unavailable at the moment.
        </p>
      )}
      <div class="e-content">{raw(note.contentHtml)}</div>
      {(() => {
        const place = placeOf(note.properties.checkin) ?? placeOf(note.properties.location);
        if (!place) return null;
        const cls = note.properties.checkin ? 'p-checkin h-card' : 'p-location h-card';
        return (
          <p class={`context ${cls}`}>
            At{' '}
            {place.url ? (
              <a class="p-name u-url" href={place.url}>
                {place.name}
              </a>
            ) : (
              <span class="p-name">{place.name}</span>
            )}
          </p>
        );
      })()}
      {note.photos.length > 0 && (
        <div class="photos">
          {note.photos.map((p) => (
            <img class="u-photo" src={p.url} alt={p.alt} loading="lazy" />
          ))}
        </div>
      )}
      <footer class="entry-meta">
        <a class="u-url u-uid" href={url}>
          <time class="dt-published" datetime={note.publishedAt.toISOString()}>
            {formatDate(note.publishedAt)}
          </time>
        </a>
        {note.updatedAt && (
          <span>
            updated{' '}
            <time class="dt-updated" datetime={note.updatedAt.toISOString()}>
              {formatDate(note.updatedAt)}
            </time>
          </span>
        )}
        {httpUrls(note.properties.syndication).map((u) => (
          <a class="u-syndication" href={u} rel="syndication">
            {new URL(u).host}
          </a>
        ))}
        {props.author && (
          <span class="p-author h-card">
            by{' '}
            <a class="p-name u-url" href={props.author.url}>
              {props.author.name}
            </a>
          </span>
        )}
      </footer>
      {note.tags.length > 0 && (
        <ul class="tags" aria-label="Tags">
          {note.tags.map((t) => (
            <li>
              <a class="p-category" href={props.tagUrl(t.key)}>
                {t.name}
              </a>
            </li>
          ))}
        </ul>
      )}
      {props.responses ? raw(props.responses) : null}
    </article>
  );
}
