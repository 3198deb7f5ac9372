import type { MediaItem } from '../../media/service.js';
import { formatDate } from '../entry.js';
import { IMAGE_ACCEPT, ListOr, Pagination, RowAction } from './components.js';
import { AdminForm } from './form.js';
import { type AdminFrame, renderAdmin } from './layout.js';

/** A note that uses a file of the media library, as the library names it. */
export interface MediaUse {
  title: string;
  /** Where the owner opens it: its editor, or the trash. */
  href: string;
  /** Its state in one word (published, draft, trash…). */
  status: string;
  /** The description the note gives this picture, when it shows it as a photo. */
  alt?: string;
}

/** One picture the settings hold (author photo, site icon, social image). */
export interface SitePicture {
  what: string;
  /** The picture as a thumbnail (site path or address). */
  src: string;
  /** The file itself. */
  href: string;
}

/** The media library: the settings' pictures, then upload, see, copy URL, delete (refused while a note uses the file). */
export function renderMediaLibrary(p: {
  frame: AdminFrame;
  items: MediaItem[];
  page: number;
  hasMore: boolean;
  siteUrl: string;
  /** The notes using each item (at most a few), and whether there are more. */
  usage: (item: MediaItem) => { notes: MediaUse[]; more: boolean };
  sitePictures?: SitePicture[];
}): string {
  const pictures = p.sitePictures ?? [];
  return renderAdmin(
    'Media',
    p.frame,
    <>
      <h1>Media</h1>
      <AdminForm action="/admin/media" enctype="multipart/form-data" class="stack">
        <label for="file">Image (JPEG, PNG, GIF, WebP or AVIF, up to 10 MB)</label>
        <input id="file" name="file" type="file" accept={IMAGE_ACCEPT} required />
        <label for="alt">Description (alt text)</label>
        <input id="alt" name="alt" type="text" maxlength={1000} />
        <button type="submit">Upload</button>
      </AdminForm>
      {pictures.length > 0 && (
        <section aria-labelledby="site-pictures">
          <h2 id="site-pictures">Site pictures</h2>
          <p class="help">
            Kept by the <a href="/admin/settings">settings</a>, where they are changed or removed.
          </p>
          <ul class="media-grid site-pictures">
            {pictures.map((s) => (
              <li class="media-item">
                <img src={s.src} alt={s.what} loading="lazy" />
                <p class="media-use">
                  <a href={s.href}>{s.what}</a> · used by the <a href="/admin/settings">settings</a>
                </p>
              </li>
            ))}
          </ul>
        </section>
      )}
      <h2>Uploads</h2>
      <ListOr count={p.items.length} empty="No files yet.">
        <ul class="media-grid">
          {p.items.map((m) => {
            const abs = new URL(m.url.replace(/^\//, ''), p.siteUrl).toString();
            const use = p.usage(m);
            const used = use.notes.length > 0;
            const name = m.originalName ?? m.filePath;
            return (
              <li class="media-item">
                <img
                  src={m.thumbnail.url}
                  alt={m.alt}
                  loading="lazy"
                  width={m.thumbnail.width ?? undefined}
                  height={m.thumbnail.height ?? undefined}
                />
                <p class="help">
                  {name} · {m.width}×{m.height} · {Math.ceil(m.size / 1024)} KB ·{' '}
                  {formatDate(m.createdAt, p.frame.timeZone)}
                </p>
                <p class="media-alt">
                  {m.alt ? (
                    <>
                      <span class="media-label">Description:</span> {m.alt}
                    </>
                  ) : (
                    <span class="media-label">No description.</span>
                  )}
                </p>
                <label class="visually-hidden" for={`url-${m.id}`}>
                  Address of {name}
                </label>
                <input
                  id={`url-${m.id}`}
                  type="text"
                  readonly
                  value={abs}
                  class="token-output"
                  data-select-on-focus="true"
                />
                <button type="button" class="secondary" data-copy={abs}>
                  Copy URL
                </button>
                <RowAction
                  action={`/admin/media/${m.id}/delete`}
                  confirm="Delete this file?"
                  kind="danger"
                  label="Delete"
                  disabled={used}
                  title={used ? 'A note uses this file' : undefined}
                />
                {used ? (
                  <div class="media-use">
                    <p>Used by:</p>
                    <ul>
                      {use.notes.map((n) => (
                        <li>
                          <a href={n.href}>{n.title}</a>{' '}
                          <span class={`badge badge-${n.status}`}>{n.status}</span>
                          {n.alt !== undefined && (
                            <span class="help">
                              {' '}
                              — {n.alt ? `described as “${n.alt}”` : 'no description in this note'}
                            </span>
                          )}
                        </li>
                      ))}
                      {use.more && <li>and more notes</li>}
                    </ul>
                  </div>
                ) : (
                  <p class="help media-use">Not used by any note.</p>
                )}
              </li>
            );
          })}
        </ul>
      </ListOr>
      <Pagination page={p.page} hasMore={p.hasMore} href={(page) => `/admin/media?page=${page}`} />
    </>,
  );
}
