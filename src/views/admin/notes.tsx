import { raw } from 'hono/html';
import type { AdminFilter } from '../../db/store/notes.js';
import { RESPONSE_KINDS, type ResponseProperty } from '../../notes/response-kinds.js';
import type { Note } from '../../notes/types.js';
import type { AuthorCard } from '../author.js';
import { Entry, formatDate } from '../entry.js';
import {
  AdminTable,
  FilterNav,
  IMAGE_ACCEPT,
  ListOr,
  Pagination,
  Problems,
  RowAction,
} from './components.js';
import { AdminForm } from './form.js';
import { type AdminFrame, renderAdmin, rowAction } from './layout.js';

const FILTERS: [AdminFilter, string][] = [
  ['all', 'All'],
  ['published', 'Published'],
  ['drafts', 'Drafts'],
  ['scheduled', 'Scheduled'],
  ['unlisted', 'Unlisted'],
  ['private', 'Private'],
  ['trash', 'Trash'],
];

/** A note's state in one word, as the dashboard shows it. */
export function noteStatus(n: Note, now: Date): string {
  if (n.deletedAt) return 'trash';
  if (!n.published) return 'draft';
  if (n.publishedAt > now) return 'scheduled';
  return n.visibility === 'public' ? 'published' : n.visibility;
}

/** The dashboard's line about received Webmentions waiting for a decision; nothing when none waits. */
function WaitingNotice(props: { count: number }) {
  if (props.count <= 0) return null;
  const one = props.count === 1;
  return (
    <p class="notice waiting-notice">
      {props.count} Webmention{one ? '' : 's'} {one ? 'is' : 'are'} waiting for your approval.{' '}
      <a href="/admin/webmentions">Moderate {one ? 'it' : 'them'}</a>
    </p>
  );
}

/** The dashboard: counts, filters, search, the list with actions. */
export function renderDashboard(p: {
  frame: AdminFrame;
  notes: Note[];
  counts: Record<AdminFilter, number>;
  filter: AdminFilter;
  query: string;
  page: number;
  hasMore: boolean;
  now: Date;
  title: (n: Note) => string;
  /** How many notes have no Markdown file (their text cannot be shown). */
  missingFiles?: number;
}): string {
  const qs = (page: number) =>
    `/admin?filter=${p.filter}${p.query ? `&q=${encodeURIComponent(p.query)}` : ''}${page > 1 ? `&page=${page}` : ''}`;
  return renderAdmin(
    'Notes',
    p.frame,
    <>
      <h1>Notes</h1>
      <WaitingNotice count={p.frame.waitingMentions ?? 0} />
      {(p.missingFiles ?? 0) > 0 && (
        <div class="flash flash-error" role="alert">
          {p.missingFiles} note(s) have no Markdown file, so visitors see no text for them. Run{' '}
          <code>starpunk doctor</code> for the list, and put the files back from a backup or the old data
          directory.
        </div>
      )}
      <FilterNav label="Filter notes" base="/admin" filters={FILTERS} current={p.filter} counts={p.counts} />
      <search>
        <form method="get" action="/admin" class="search-form">
          <input type="hidden" name="filter" value={p.filter} />
          <label class="visually-hidden" for="admin-q">
            Search notes
          </label>
          <input id="admin-q" name="q" type="search" value={p.query} placeholder="Search notes" />
          <button type="submit">Search</button>
        </form>
      </search>
      <ListOr count={p.notes.length} empty="No notes here.">
        <AdminTable columns={['Note', 'Status', 'Date', 'Actions']}>
          {p.notes.map((n) => {
            const status = noteStatus(n, p.now);
            const title = p.title(n);
            return (
              <tr>
                <td data-label="Note" class="wrap-anywhere">
                  {n.deletedAt ? title : <a href={`/admin/edit/${n.id}`}>{title}</a>}
                </td>
                <td data-label="Status">
                  <span class={`badge badge-${status}`}>{status}</span>
                </td>
                <td data-label="Date">{formatDate(n.publishedAt, p.frame.timeZone)}</td>
                <td data-label="Actions" class="actions">
                  {n.deletedAt ? (
                    <>
                      <RowAction action={`/admin/notes/${n.id}/restore`} label="Restore" row={title} />
                      <RowAction
                        action={`/admin/notes/${n.id}/purge`}
                        confirm="Delete this note for good? This cannot be undone."
                        kind="danger"
                        label="Delete forever"
                        row={title}
                      />
                    </>
                  ) : (
                    <>
                      {(status === 'draft' || status === 'scheduled') && (
                        <a href={`/admin/preview/${n.id}`}>
                          Preview<span class="visually-hidden"> {p.title(n)}</span>
                        </a>
                      )}
                      {status !== 'draft' && status !== 'private' && status !== 'scheduled' && (
                        <a
                          href={`/notes/${encodeURIComponent(n.slug)}`}
                          aria-label={rowAction('View', title)}
                        >
                          View
                        </a>
                      )}
                      <a
                        href={`/admin/notes/${n.id}/webmentions`}
                        aria-label={rowAction('Copies and mentions', title)}
                      >
                        Copies and mentions
                      </a>
                      <RowAction
                        action={`/admin/notes/${n.id}/delete`}
                        kind="secondary"
                        label="Move to trash"
                        row={title}
                      />
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </AdminTable>
      </ListOr>
      <Pagination page={p.page} hasMore={p.hasMore} href={qs} />
    </>,
  );
}

/** Values of the editor form (as typed, so nothing is lost when validation fails). */
export interface EditorValues {
  content: string;
  name: string;
  tags: string;
  slug: string;
  status: 'publish' | 'schedule' | 'draft';
  publishAt: string;
  visibility: 'public' | 'unlisted' | 'private';
  photoUrls: { url: string; alt: string }[];
  /** What the note responds to: like-of, in-reply-to, repost-of, bookmark-of, or '' (none). */
  responseKind: ResponseProperty | '';
  /** The URL of the page it responds to. */
  responseUrl: string;
  /** The kind and URL the note had when the editor opened: a change of kind removes the old one. */
  responseKindWas: ResponseProperty | '';
  responseUrlWas: string;
}

/** An account the editor offers to copy the note to. */
export interface SyndicationChoice {
  id: number;
  name: string;
  checked: boolean;
  /** Where the copy already is (or "queued"): the box is shown ticked and cannot be unticked. */
  copied?: string;
}

/** A picture of the media library the editor offers to add to the note. */
export interface MediaChoice {
  url: string;
  thumb: string;
  alt: string;
  /** The file's name, to tell pictures apart. */
  label: string;
}

/** A note rendered exactly as its public page shows it, for previews (fragment of HTML). */
export function renderPreviewEntry(p: {
  note: Note;
  url: string;
  tagUrl: (key: string) => string;
  author: AuthorCard;
  timeZone?: string;
}): string {
  return (
    <Entry
      note={p.note}
      url={p.url}
      tagUrl={p.tagUrl}
      standalone={true}
      author={p.author}
      timeZone={p.timeZone}
    />
  ).toString();
}

/** The admin-only page showing a draft or scheduled note as it will look once published. */
export function renderNotePreview(p: {
  frame: AdminFrame;
  note: Note;
  state: 'draft' | 'scheduled' | 'published';
  publicUrl?: string;
  entryHtml: string;
}): string {
  const n = p.note;
  return renderAdmin(
    'Preview',
    p.frame,
    <>
      <div class="preview-banner">
        <h1>Preview</h1>
        <p>
          {p.state === 'draft'
            ? 'This is a draft: nobody else can see it. This is how it will look once published.'
            : p.state === 'scheduled'
              ? `This note is scheduled for ${formatDate(n.publishedAt, p.frame.timeZone)}: this is how it will look then.`
              : 'This note is published.'}{' '}
          {p.publicUrl && p.state === 'published' && <a href={p.publicUrl}>See its public page</a>}
        </p>
        <p>
          <a href={`/admin/edit/${n.id}`}>Edit this note</a>
        </p>
      </div>
      <div class="note-preview">{raw(p.entryHtml)}</div>
    </>,
  );
}

/** The button that moves the `i`th photo one place up or down in the note's order. */
function MovePhoto(props: { i: number; to: 'up' | 'down'; disabled: boolean }) {
  return (
    <button
      type="submit"
      name="photo_move"
      value={`${props.i}:${props.to}`}
      class="secondary"
      data-move={props.to}
      disabled={props.disabled}
    >
      Move {props.to}
      <span class="visually-hidden"> photo {props.i + 1}</span>
    </button>
  );
}

/** One photo of the note in the editor, with its description and the buttons that arrange it. */
function PhotoRow(props: { url: string; alt: string; i: number; count: number }) {
  const { url, alt, i, count } = props;
  return (
    <li class="photo-row" data-photo-row="true">
      <img src={url} alt="" class="thumb" />
      <div class="photo-fields">
        <input type="hidden" name={`photo_url_${i}`} value={url} />
        <label for={`photo_alt_${i}`}>
          Description (alt text)<span class="visually-hidden"> of photo {i + 1}</span>
        </label>
        <input id={`photo_alt_${i}`} name={`photo_alt_${i}`} type="text" value={alt} />
        <div class="photo-actions">
          <MovePhoto i={i} to="up" disabled={i === 0} />
          <MovePhoto i={i} to="down" disabled={i === count - 1} />
          <label class="inline-check">
            <input type="checkbox" name={`photo_remove_${i}`} value="1" /> Remove
            <span class="visually-hidden"> photo {i + 1}</span>
          </label>
        </div>
      </div>
    </li>
  );
}

/**
 * Which kinds of post each part of the editor is for ('note' is a plain note; the others are the
 * response properties). The editor script hides a part the chosen kind does not use, unless it
 * holds something; without the script every part shows.
 */
const FIELD_KINDS = {
  response: 'in-reply-to like-of repost-of bookmark-of',
  name: 'note bookmark-of',
  photos: 'note in-reply-to',
} as const;

/** The note editor (new or edit); works without JavaScript, enhanced by /static/editor.js. */
export function renderEditor(p: {
  frame: AdminFrame;
  mode: 'new' | 'edit';
  noteId?: number;
  /** The note's revision when the editor opened (autosaved drafts record what they started from). */
  revision?: number;
  /** The note is live (published, its date reached): a save changes what readers see. */
  live?: boolean;
  values: EditorValues;
  errors: string[];
  /** The note as it will appear (renderPreviewEntry), after a Preview without a script. */
  previewHtml?: string;
  publicUrl?: string;
  /** The admin preview page of a draft or scheduled note. */
  previewUrl?: string;
  /** Pictures of the media library that can be added. */
  media?: MediaChoice[];
  /** The form shows what was posted, not what is saved (a problem, a preview, photos arranged). */
  unsaved?: boolean;
  /** Connected accounts the note can be copied to (syndication), one checkbox each. */
  syndication?: SyndicationChoice[];
}): string {
  const v = p.values;
  const action = p.mode === 'new' ? '/admin/new' : `/admin/edit/${p.noteId}`;
  const media = p.media ?? [];
  // The first field to write in: the address a response is about while it is empty, else the text.
  const focusUrl = v.responseKind !== '' && v.responseUrl === '' && p.errors.length === 0;
  return renderAdmin(
    p.mode === 'new' ? 'New note' : 'Edit note',
    p.frame,
    <>
      <h1>{p.mode === 'new' ? 'New note' : 'Edit note'}</h1>
      {(p.publicUrl || p.noteId !== undefined || p.previewUrl) && (
        <div class="editor-links">
          {p.publicUrl && (
            <p>
              Public address: <a href={p.publicUrl}>{p.publicUrl}</a>
            </p>
          )}
          {p.previewUrl && (
            <p>
              Not public yet: <a href={p.previewUrl}>Preview this note</a> as it will look.
            </p>
          )}
          {p.noteId !== undefined && (
            <p>
              <a href={`/admin/notes/${p.noteId}/webmentions`}>Copies and Webmentions sent</a>
            </p>
          )}
        </div>
      )}
      {/* Live regions the editor script fills (restored text, signed out); present from the start
          so that screen readers announce what appears in them. */}
      <div id="draft-alert" class="draft-alert" aria-live="assertive" />
      <div id="draft-status" class="draft-status" aria-live="polite" />
      <Problems errors={p.errors} intro={(which) => `Please fix ${which} before saving:`} />
      <AdminForm
        action={action}
        enctype="multipart/form-data"
        class="editor stack"
        data-editor="true"
        data-draft-key={p.mode === 'new' ? 'new' : String(p.noteId)}
        data-revision={p.revision === undefined ? undefined : String(p.revision)}
        data-unsaved={p.unsaved ? 'true' : undefined}
        data-live={p.live ? 'true' : undefined}
      >
        {/* What the note says, then (beside it on a wide screen) how and when it is published. */}
        <div class="editor-main">
          <div class="field field-kind">
            <label for="response_kind">Kind of post</label>
            <select id="response_kind" name="response_kind">
              <option value="" selected={v.responseKind === ''}>
                Note
              </option>
              {RESPONSE_KINDS.map((k) => (
                <option value={k.property} selected={v.responseKind === k.property}>
                  {k.noun}
                </option>
              ))}
            </select>
          </div>
          <div class="field" data-kinds={FIELD_KINDS.response}>
            <label for="response_url">Address (URL) it responds to</label>
            <input
              id="response_url"
              name="response_url"
              type="url"
              value={v.responseUrl}
              maxlength={2048}
              placeholder="https://"
              aria-describedby="response-help"
              autofocus={focusUrl}
            />
            <p id="response-help" class="help">
              For a reply, like, repost or bookmark: the page it is about. Its title and author are shown with
              the note once it is published.
            </p>
          </div>
          {p.mode === 'edit' && (
            <>
              <input type="hidden" name="response_kind_was" value={v.responseKindWas} />
              <input type="hidden" name="response_url_was" value={v.responseUrlWas} />
            </>
          )}
          <div class="field" data-kinds={FIELD_KINDS.name}>
            <label for="name">Title (optional)</label>
            <input id="name" name="name" type="text" value={v.name} maxlength={500} />
          </div>
          <div class="field">
            <label for="content">Text (Markdown)</label>
            <textarea
              id="content"
              name="content"
              rows={12}
              aria-describedby="content-help"
              autofocus={!focusUrl && p.errors.length === 0}
            >
              {v.content}
            </textarea>
            <p id="content-help" class="help">
              Markdown: **bold**, _italic_, [links](https://example.com), lists, code, footnotes[^1].
            </p>
          </div>
          {/* The first submit button of the form: Enter in a one-line field previews, never saves. */}
          <div class="preview-actions">
            <button type="submit" name="intent" value="preview" class="secondary" data-preview-button="true">
              Preview
            </button>
          </div>
          <section class="preview" aria-live="polite" aria-label="Preview" id="preview">
            {p.previewHtml !== undefined && (
              <>
                <h2>Preview</h2>
                <div class="preview-entry">{raw(p.previewHtml)}</div>
              </>
            )}
          </section>
          <fieldset class="photos-field" data-kinds={FIELD_KINDS.photos}>
            <legend>Photos</legend>
            <p class="help" id="photos-help">
              {v.photoUrls.length === 0
                ? 'No photos yet.'
                : 'Shown in this order; move them up or down to change it.'}
            </p>
            <ol class="photo-list" id="photo-list">
              {v.photoUrls.map((ph, i) => (
                <PhotoRow url={ph.url} alt={ph.alt} i={i} count={v.photoUrls.length} />
              ))}
            </ol>
            <p id="photo-status" class="visually-hidden" aria-live="polite" />
            <div class="photo-drop" data-photo-drop="true">
              <label for="photo">Add photos</label>
              <input
                id="photo"
                name="photo"
                type="file"
                accept={IMAGE_ACCEPT}
                multiple
                aria-describedby="photo-help"
              />
              <p class="help" id="photo-help" data-no-script-help="true">
                Choose one or several (up to 30 MB together). “Upload and describe” shows them here with a
                description field each; or save, and they are added to the note.
              </p>
              <p class="help" id="photo-help-script" hidden>
                Choose, drop or paste one or several pictures: each is uploaded at once and shown here with a
                field for its description.
              </p>
              <div class="photo-no-script" data-no-script="true">
                <label for="photo_alt">Description (alt text) when you add one photo</label>
                <input id="photo_alt" name="photo_alt" type="text" maxlength={1000} />
                <button type="submit" name="intent" value="upload" class="secondary">
                  Upload and describe
                </button>
              </div>
            </div>
            {media.length > 0 && (
              <details class="media-picker">
                <summary>Choose from the media library</summary>
                <ul class="media-choices">
                  {media.map((m) => (
                    <li class="media-choice">
                      <img src={m.thumb} alt="" loading="lazy" />
                      <span class="media-choice-label">{m.label}</span>
                      <button
                        type="submit"
                        name="add_photo"
                        value={m.url}
                        class="secondary"
                        data-add-photo={m.url}
                        data-alt={m.alt}
                      >
                        Add to photos<span class="visually-hidden"> ({m.label})</span>
                      </button>
                      <button
                        type="button"
                        class="secondary"
                        data-insert-media={m.url}
                        data-alt={m.alt}
                        hidden
                      >
                        Insert in text<span class="visually-hidden"> ({m.label})</span>
                      </button>
                    </li>
                  ))}
                </ul>
                <p class="help">
                  <a href="/admin/media">Open the media library</a> to upload more pictures.
                </p>
              </details>
            )}
          </fieldset>
        </div>
        <div class="editor-side">
          <div class="field">
            <label for="tags">Tags (comma-separated)</label>
            <input id="tags" name="tags" type="text" value={v.tags} />
          </div>
          <div class="field">
            <label for="slug">Address (slug)</label>
            <input
              id="slug"
              name="slug"
              type="text"
              value={v.slug}
              pattern="[a-z0-9]([a-z0-9\-]*[a-z0-9])?"
              maxlength={200}
              aria-describedby="slug-help"
            />
            <p id="slug-help" class="help">
              {p.mode === 'new'
                ? 'Lower-case letters, digits and hyphens; leave empty to make one from the title or text.'
                : 'Lower-case letters, digits and hyphens. Changing it moves the note: its old address keeps leading here.'}
            </p>
          </div>
          <fieldset class="when-field">
            <legend>When</legend>
            <label>
              <input type="radio" name="status" value="publish" checked={v.status === 'publish'} /> Publish
              now
            </label>
            <label>
              <input type="radio" name="status" value="schedule" checked={v.status === 'schedule'} /> Schedule
              for
            </label>
            <div class="publish-at" data-publish-at="true">
              <label for="publish_at">Publication time, in {p.frame.timeZone ?? 'UTC'}</label>
              <input id="publish_at" name="publish_at" type="datetime-local" value={v.publishAt} />
            </div>
            <label>
              <input type="radio" name="status" value="draft" checked={v.status === 'draft'} /> Save as draft
            </label>
          </fieldset>
          <div class="field">
            <label for="visibility">Who can see it</label>
            <select id="visibility" name="visibility">
              <option value="public" selected={v.visibility === 'public'}>
                Public
              </option>
              <option value="unlisted" selected={v.visibility === 'unlisted'}>
                Unlisted (only people with the link)
              </option>
              <option value="private" selected={v.visibility === 'private'}>
                Private (only me)
              </option>
            </select>
          </div>
          {(p.syndication ?? []).length > 0 && (
            <fieldset class="syndication-field">
              <legend>Copy to</legend>
              {(p.syndication ?? []).map((a) => (
                <label>
                  <input
                    type="checkbox"
                    name="syndicate_to"
                    value={String(a.id)}
                    checked={a.checked || a.copied !== undefined}
                    disabled={a.copied !== undefined}
                  />{' '}
                  {a.name}
                  {a.copied &&
                    (a.copied === 'queued' ? (
                      ' (queued)'
                    ) : (
                      <>
                        {' '}
                        (<a href={a.copied}>copied</a>)
                      </>
                    ))}
                </label>
              ))}
            </fieldset>
          )}
          {/* Kept in view at the bottom of the window (sticky) wherever the form is scrolled. */}
          <div class="form-actions editor-actions">
            <button type="submit" name="intent" value="save" data-save-button="true">
              {p.mode === 'new' ? 'Save note' : 'Save changes'}
            </button>
            <span class="editor-state" id="editor-state" data-editor-state="true">
              {stateWords(v.status, p.live === true)}
            </span>
            <p class="help shortcut-help" id="shortcut-help" hidden>
              <kbd data-mod-key="true">Ctrl</kbd>+<kbd>Enter</kbd> publishes;{' '}
              <kbd data-mod-key="true">Ctrl</kbd>+<kbd>S</kbd> saves{p.live ? '' : ' without publishing'}.
            </p>
          </div>
        </div>
      </AdminForm>
      <script src="/static/editor.js" defer />
    </>,
  );
}

/** What the Save button will do, in words beside it (the editor script keeps it current). */
function stateWords(status: EditorValues['status'], live: boolean): string {
  if (status === 'draft') return live ? 'Takes it off the site, as a draft.' : 'Saves a draft.';
  if (status === 'schedule') return 'Schedules it.';
  return live ? 'Updates the published note.' : 'Publishes it now.';
}
