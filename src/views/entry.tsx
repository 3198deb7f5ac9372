import { raw } from 'hono/html';
import { copyLabels } from '../lib/copy-labels.js';
import { type NoteResponse, responsesOf } from '../notes/response-kinds.js';
import type { Note, Photo as PhotoData } from '../notes/types.js';
import { type AuthorCard, AuthorData } from './author.js';
import { eagerFirstImage, GRID_IMAGE_SIZES, IMAGE_SIZES, srcsetOf } from './images.js';
import { OwnerEdit } from './owner-edit.js';

// One formatter per time zone (building one costs far more than using it).
const DATE_FMTS = new Map<string, { date: Intl.DateTimeFormat; zone: Intl.DateTimeFormat }>();

/**
 * A date a person reads, in the site's time zone (settings; UTC when unset), with the zone named.
 * Every date shown to a person goes through here; the zone is a required argument so that no page
 * can fall back to UTC by forgetting it. Machine-readable times (datetime attributes, feeds) stay
 * ISO 8601 UTC.
 */
export function formatDate(d: Date, siteZone: string | undefined): string {
  const timeZone = siteZone || 'UTC';
  let f = DATE_FMTS.get(timeZone);
  if (!f) {
    f = {
      date: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }),
      zone: new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'short' }),
    };
    if (DATE_FMTS.size >= 64) DATE_FMTS.clear();
    DATE_FMTS.set(timeZone, f);
  }
  const zone = f.zone.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
  return `${f.date.format(d)} ${zone}`;
}

/**
 * What a note responds to. With its context known (fetched when the note was published, or sent
 * as an h-cite), an h-cite with the page's title and author; otherwise the bare URL.
 */
function ResponseContext(props: { response: NoteResponse }) {
  const { kind, url, citation } = props.response;
  if (!citation?.name) {
    return (
      <p class="context">
        {kind.label}{' '}
        <a class={kind.cls} href={url}>
          {url}
        </a>
      </p>
    );
  }
  return (
    <p class={`context ${kind.cls} h-cite`}>
      {kind.label}{' '}
      <a class="p-name u-url" href={url}>
        {citation.name}
      </a>
      {citation.authorName && (
        <>
          {' by '}
          {citation.authorUrl ? (
            <a class="p-author h-card" href={citation.authorUrl}>
              {citation.authorName}
            </a>
          ) : (
            <span class="p-author h-card">{citation.authorName}</span>
          )}
        </>
      )}
    </p>
  );
}

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

/**
 * A note's photo: the main file as `src` (what microformats parsers read as u-photo), the stored
 * sizes as srcset for the browser to pick from, and the intrinsic size so nothing moves as it loads.
 * `sizes` is how wide it is drawn: the text column, or a grid cell.
 */
function Photo(props: { photo: PhotoData; lazy: boolean; sizes?: string }) {
  const p = props.photo;
  const srcset = p.sources ? srcsetOf(p.sources) : undefined;
  return (
    <img
      class="u-photo"
      src={p.url}
      alt={p.alt}
      width={p.width}
      height={p.height}
      srcset={srcset}
      sizes={srcset ? (props.sizes ?? IMAGE_SIZES) : undefined}
      loading={props.lazy ? 'lazy' : undefined}
    />
  );
}

/**
 * A note's photos: one is drawn the width of the text; several are a grid of two columns (the
 * first across both when their number is odd), each a link to the full-size file.
 */
function Photos(props: { photos: PhotoData[]; firstEager: boolean }) {
  const { photos } = props;
  if (photos.length === 1) {
    return (
      <div class="photos">
        <Photo photo={photos[0]!} lazy={!props.firstEager} />
      </div>
    );
  }
  const wideFirst = photos.length % 2 === 1;
  return (
    <div class={`photos photo-grid${wideFirst ? ' wide-first' : ''}`}>
      {photos.map((p, i) => (
        <a class="photo-link" href={p.url}>
          <Photo
            photo={p}
            lazy={!(props.firstEager && i === 0)}
            sizes={wideFirst && i === 0 ? IMAGE_SIZES : GRID_IMAGE_SIZES}
          />
        </a>
      ))}
    </div>
  );
}

/** A note's copies elsewhere, by the name of the place: "Also on Mastodon, Bluesky". */
function Copies(props: { urls: string[] }) {
  if (props.urls.length === 0) return null;
  const labels = copyLabels(props.urls);
  return (
    <span class="copies">
      Also on{' '}
      {props.urls.map((u, i) => (
        <>
          {i > 0 ? ', ' : ''}
          <a class="u-syndication" href={u} rel="syndication">
            {labels[i]}
          </a>
        </>
      ))}
    </span>
  );
}

/** One note as an h-entry. `standalone` is the note's own page (h1 title, author, full meta). */
export function Entry(props: {
  note: Note;
  url: string;
  tagUrl: (key: string) => string;
  standalone: boolean;
  /** The note's author (its own page): a visible byline whose h-card is complete. */
  author?: AuthorCard;
  /** The site's time zone for the dates shown (their datetime attributes stay UTC). */
  timeZone?: string;
  /** Received responses (views/responses.tsx), HTML placed inside the h-entry so they parse as its properties. */
  responses?: string;
  /** The admin's editor of this note: an Edit link only the signed-in owner is shown (OwnerEdit). */
  editUrl?: string;
}) {
  const { note, url } = props;
  const TitleTag = props.standalone ? 'h1' : 'h2';
  // On a note's own page its first picture is in view as the page opens: it loads at once.
  const firstImageEager = props.standalone;
  const contentHasImage = note.contentHtml.includes('<img');
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
      {responsesOf(note).map((response) => (
        <ResponseContext response={response} />
      ))}
      {(() => {
        const summary = note.properties.summary?.[0];
        return typeof summary === 'string' && !note.contentHtml ? <p class="p-summary">{summary}</p> : null;
      })()}
      {note.fileMissing && (
        <p class="note-unavailable" role="note">
          The text of this note is unavailable at the moment.
        </p>
      )}
      <div class="e-content">
        {raw(firstImageEager ? eagerFirstImage(note.contentHtml) : note.contentHtml)}
      </div>
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
        <Photos photos={note.photos} firstEager={firstImageEager && !contentHasImage} />
      )}
      <footer class="entry-meta">
        <a class="u-url u-uid" href={url}>
          <time class="dt-published" datetime={note.publishedAt.toISOString()}>
            {formatDate(note.publishedAt, props.timeZone)}
          </time>
        </a>
        {note.updatedAt && (
          <span>
            updated{' '}
            <time class="dt-updated" datetime={note.updatedAt.toISOString()}>
              {formatDate(note.updatedAt, props.timeZone)}
            </time>
          </span>
        )}
        <Copies urls={httpUrls(note.properties.syndication)} />
        {props.author && (
          <span class="p-author h-card">
            by{' '}
            <a class="p-name u-url u-uid" href={props.author.url}>
              {props.author.name}
            </a>
            <AuthorData card={props.author} />
          </span>
        )}
        {props.editUrl && <OwnerEdit href={props.editUrl} />}
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
