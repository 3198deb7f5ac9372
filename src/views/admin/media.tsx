import type { MediaItem } from '../../media/service.js';
import { formatDate } from '../entry.js';
import { IMAGE_ACCEPT, ListOr, Pagination, RowAction } from './components.js';
import { AdminForm } from './form.js';
import { type AdminFrame, renderAdmin } from './layout.js';

/** The media library: upload, see, copy URL, delete (refused while a note uses the file). */
export function renderMediaLibrary(p: {
  frame: AdminFrame;
  items: MediaItem[];
  page: number;
  hasMore: boolean;
  siteUrl: string;
  isUsed: (url: string) => boolean;
}): string {
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
      <ListOr count={p.items.length} empty="No files yet.">
        <ul class="media-grid">
          {p.items.map((m) => {
            const abs = new URL(m.url.replace(/^\//, ''), p.siteUrl).toString();
            const used = p.isUsed(m.url);
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
                  {m.originalName ?? m.filePath} · {m.width}×{m.height} · {Math.ceil(m.size / 1024)} KB ·{' '}
                  {formatDate(m.createdAt, p.frame.timeZone)}
                </p>
                <label class="visually-hidden" for={`url-${m.id}`}>
                  Address of {m.originalName ?? m.filePath}
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
                {used && <p class="help">Used by a note.</p>}
              </li>
            );
          })}
        </ul>
      </ListOr>
      <Pagination page={p.page} hasMore={p.hasMore} href={(page) => `/admin/media?page=${page}`} />
    </>,
  );
}
