import { raw } from 'hono/html';
import type { PageRow } from '../../db/store/pages.js';
import { AdminTable, ListOr, Problems, RowAction } from './components.js';
import { AdminForm } from './form.js';
import { type AdminFrame, renderAdmin, rowAction } from './layout.js';

/** The pages list: each page's address, whether it is in the menu, and its actions. */
export function renderPagesList(p: { frame: AdminFrame; pages: PageRow[] }): string {
  const menu = p.pages.filter((x) => x.menu_order !== null);
  return renderAdmin(
    'Pages',
    p.frame,
    <>
      <h1>Pages</h1>
      <p>
        Standalone pages (About, Now, Uses…) live at the site's root and never appear among notes or in feeds.
        Pages in the menu are listed in the site's navigation in the order shown here.
      </p>
      <p>
        <a href="/admin/pages/new" class="button">
          New page
        </a>
      </p>
      <ListOr count={p.pages.length} empty="No pages yet.">
        <AdminTable columns={['Page', 'Address', 'Menu', 'Actions']}>
          {p.pages.map((page) => {
            const at = menu.findIndex((m) => m.id === page.id);
            // One place up or down in the menu.
            const move = (by: string, label: string) => (
              <RowAction
                action={`/admin/pages/${page.id}/move`}
                fields={{ by }}
                kind="secondary"
                label={label}
                row={page.title}
              />
            );
            return (
              <tr>
                <td data-label="Page" class="wrap-anywhere">
                  <a href={`/admin/pages/${page.id}`}>{page.title}</a>
                  {page.published === 0 && <strong> (hidden)</strong>}
                </td>
                <td data-label="Address" class="wrap-anywhere">
                  {page.published === 1 ? <a href={`/${page.slug}`}>/{page.slug}</a> : `/${page.slug}`}
                </td>
                <td data-label="Menu">{at < 0 ? 'Not in menu' : `${at + 1} of ${menu.length}`}</td>
                <td data-label="Actions" class="actions">
                  {page.published === 0 && (
                    <a href={`/admin/pages/${page.id}/preview`} aria-label={rowAction('Preview', page.title)}>
                      Preview
                    </a>
                  )}
                  {at > 0 && move('-1', 'Move up')}
                  {at >= 0 && at < menu.length - 1 && move('1', 'Move down')}
                  <RowAction
                    action={`/admin/pages/${page.id}/delete`}
                    kind="danger"
                    label="Delete"
                    row={page.title}
                  />
                </td>
              </tr>
            );
          })}
        </AdminTable>
      </ListOr>
    </>,
  );
}

/** The form values of the page editor. */
export interface PageFormValues {
  title: string;
  slug: string;
  content: string;
  published: boolean;
  inMenu: boolean;
}

/** The page editor (new or existing page), with its problems and an optional preview. */
export function renderPageEditor(p: {
  frame: AdminFrame;
  id?: number;
  values: PageFormValues;
  errors: string[];
  previewHtml?: string;
  /** The saved page is hidden: the editor links its preview page. */
  hidden?: boolean;
}): string {
  const v = p.values;
  const action = p.id === undefined ? '/admin/pages/new' : `/admin/pages/${p.id}`;
  const heading = p.id === undefined ? 'New page' : `Edit page “${v.title}”`;
  return renderAdmin(
    p.id === undefined ? 'New page' : 'Edit page',
    p.frame,
    <>
      <h1>{heading}</h1>
      {p.id !== undefined && p.hidden && (
        <p>
          Not published: <a href={`/admin/pages/${p.id}/preview`}>Preview this page</a> as visitors will see
          it.
        </p>
      )}
      <Problems errors={p.errors} intro={(which) => `Please fix ${which} before saving:`} />
      <AdminForm action={action} class="editor stack">
        <label for="title">Title</label>
        <input id="title" name="title" type="text" value={v.title} maxlength={200} required />
        <label for="slug">Address (slug)</label>
        <input
          id="slug"
          name="slug"
          type="text"
          value={v.slug}
          maxlength={200}
          pattern="[a-z0-9]([a-z0-9\-]*[a-z0-9])?"
          aria-describedby="slug-help"
        />
        <p id="slug-help" class="help">
          The page lives at /<em>slug</em> (letters a–z, digits, hyphens). Left empty, it is made from the
          title.
        </p>
        <label for="content">Text (Markdown)</label>
        <textarea id="content" name="content" rows={16} aria-describedby="content-help">
          {v.content}
        </textarea>
        <p id="content-help" class="help">
          Markdown: **bold**, _italic_, [links](https://example.com), lists, code.
        </p>
        <label class="inline-check">
          <input type="checkbox" name="published" value="1" checked={v.published} /> Published (visible to
          everyone)
        </label>
        <label class="inline-check">
          <input type="checkbox" name="in_menu" value="1" checked={v.inMenu} /> Show in the site's menu
        </label>
        <div class="form-actions">
          <button type="submit" name="intent" value="preview" class="secondary">
            Preview
          </button>
          <button type="submit" name="intent" value="save">
            Save page
          </button>
        </div>
      </AdminForm>
      {p.previewHtml !== undefined && (
        <section class="preview" aria-label="Preview">
          <h2>Preview</h2>
          <div class="preview-entry">{raw(p.previewHtml)}</div>
        </section>
      )}
    </>,
  );
}

/** The admin-only page showing a page as it will look once published (hidden pages answer 404). */
export function renderPagePreview(p: { frame: AdminFrame; page: PageRow }): string {
  const page = p.page;
  const hidden = page.published === 0;
  return renderAdmin(
    'Page preview',
    p.frame,
    <>
      <div class="preview-banner">
        <h1>Preview</h1>
        <p>
          {hidden ? (
            <>
              This page is not published: visitors to <code>/{page.slug}</code> get “not found”. This is how
              it will look once published.
            </>
          ) : (
            <>
              This page is published: <a href={`/${page.slug}`}>see it at /{page.slug}</a>.
            </>
          )}
        </p>
        <p>
          <a href={`/admin/pages/${page.id}`}>Edit this page</a>
        </p>
      </div>
      <div class="note-preview">
        <article class="standalone-page">
          <h2 class="page-preview-title">{page.title}</h2>
          <div class="e-content">{raw(page.content_html)}</div>
        </article>
      </div>
    </>,
  );
}
