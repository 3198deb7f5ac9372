import type { Child } from 'hono/jsx';
import { renderDocument } from '../layout.js';
import { AdminForm, CsrfScope } from './form.js';

/** What every admin page knows about the request. */
export interface AdminFrame {
  siteName: string;
  csrf: string;
  me: string;
  devMode: boolean;
  /** The site's time zone (settings): the admin shows and takes dates in it. */
  timeZone?: string;
  /** A one-line confirmation or problem shown at the top ("Note published."). */
  flash?: { kind: 'ok' | 'error'; text: string };
}

/** The admin shell: navigation, DEV_MODE banner, sign-out form. */
export function AdminLayout(props: { title: string; frame: AdminFrame; children?: Child }) {
  const f = props.frame;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${props.title} · ${f.siteName} admin`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/static/style.css" />
        <link rel="stylesheet" href="/static/admin.css" />
        <script src="/static/admin.js" defer />
      </head>
      <body class="admin">
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        {f.devMode && (
          <p class="dev-banner" role="alert">
            DEVELOPMENT MODE — anyone can sign in as {f.me}. Never use this on a public site.
          </p>
        )}
        <header class="site-header">
          <a class="site-title" href="/admin">
            {f.siteName} admin
          </a>
          <nav class="site-nav" aria-label="Admin">
            <ul>
              <li>
                <a href="/admin">Notes</a>
              </li>
              <li>
                <a href="/admin/new">New note</a>
              </li>
              <li>
                <a href="/admin/pages">Pages</a>
              </li>
              <li>
                <a href="/admin/media">Media</a>
              </li>
              <li>
                <a href="/admin/webmentions">Webmentions</a>
              </li>
              <li>
                <a href="/admin/syndication">Syndication</a>
              </li>
              <li>
                <a href="/admin/tokens">Tokens</a>
              </li>
              <li>
                <a href="/admin/sessions">Sessions</a>
              </li>
              <li>
                <a href="/admin/settings">Settings</a>
              </li>
              <li>
                <a href="/admin/import">Import</a>
              </li>
              <li>
                <a href="/admin/health">Health</a>
              </li>
              <li>
                <a href="/">View site</a>
              </li>
            </ul>
          </nav>
          <AdminForm action="/auth/logout" class="inline-form">
            <button type="submit" class="link-button">
              Sign out
            </button>
          </AdminForm>
        </header>
        <main id="main" tabindex={-1}>
          {f.flash && (
            <p class={`flash flash-${f.flash.kind}`} role={f.flash.kind === 'error' ? 'alert' : 'status'}>
              {f.flash.text}
            </p>
          )}
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** Renders an admin page to a document; every `AdminForm` on it carries the frame's CSRF token. */
export function renderAdmin(title: string, frame: AdminFrame, body: Child): string {
  return renderDocument(
    <CsrfScope token={frame.csrf}>
      <AdminLayout title={title} frame={frame}>
        {body}
      </AdminLayout>
    </CsrfScope>,
  );
}

/**
 * The accessible name of a row's action: the visible words first, then which row, so a table of
 * "Move to trash" buttons reads as "Move to trash: “First note”" (WCAG 2.4.6, 2.5.3).
 */
export function rowAction(action: string, row: string): string {
  return `${action}: “${row}”`;
}
