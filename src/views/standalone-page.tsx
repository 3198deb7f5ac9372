import { raw } from 'hono/html';
import { type PageSite, renderInLayout } from './layout.js';
import { OwnerEdit } from './owner-edit.js';

/** A standalone page (About, Now, …): its title and sanitised Markdown, without note markup. */
export function renderStandalonePage(p: {
  site: PageSite;
  title: string;
  html: string;
  url: string;
  description: string;
  /** The admin's editor of this page: an Edit link only the signed-in owner is shown. */
  editUrl?: string;
}): string {
  return renderInLayout(
    {
      title: `${p.title} · ${p.site.name}`,
      site: p.site,
      canonical: p.url,
      description: p.description,
      meta: { type: 'website', url: p.url, title: p.title, description: p.description },
    },
    <article class="standalone-page">
      <h1>{p.title}</h1>
      <div class="e-content">{raw(p.html)}</div>
      {p.editUrl && (
        <p class="page-meta">
          <OwnerEdit href={p.editUrl} />
        </p>
      )}
    </article>,
  );
}
