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
  /** How many received Webmentions wait for the owner's decision (the navigation shows it). */
  waitingMentions?: number;
  /** A one-line confirmation or problem shown at the top ("Note published."). */
  flash?: { kind: 'ok' | 'error'; text: string };
}

/** The admin's sections, in the order the navigation lists them. */
const ADMIN_NAV: readonly (readonly [string, string])[] = [
  ['/admin', 'Notes'],
  ['/admin/new', 'New note'],
  ['/admin/pages', 'Pages'],
  ['/admin/media', 'Media'],
  ['/admin/webmentions', 'Webmentions'],
  ['/admin/syndication', 'Syndication'],
  ['/admin/tokens', 'Tokens'],
  ['/admin/sessions', 'Sessions'],
  ['/admin/activitypub', 'ActivityPub'],
  ['/admin/settings', 'Settings'],
  ['/admin/import', 'Import'],
  ['/admin/health', 'Health'],
];

/**
 * How many Webmentions wait, as a bubble after the navigation's "Webmentions": the number is
 * visible text (not a colour alone) and a screen reader hears "Webmentions 3 waiting".
 * Nothing when none waits.
 */
export function WaitingCount(props: { count: number }) {
  if (props.count <= 0) return null;
  return (
    <>
      {' '}
      <span class="nav-count">{props.count > 99 ? '99+' : String(props.count)}</span>
      <span class="visually-hidden"> waiting</span>
    </>
  );
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
        <header class="site-header admin-header">
          <a class="site-title" href="/admin">
            {f.siteName} admin
          </a>
          <div class="admin-account">
            <a href="/">View site</a>
            <AdminForm action="/auth/logout" class="inline-form">
              <button type="submit" class="link-button">
                Sign out
              </button>
            </AdminForm>
          </div>
          <nav class="site-nav admin-nav" aria-label="Admin">
            <ul>
              {ADMIN_NAV.map(([href, label]) => (
                <li>
                  <a href={href}>
                    {label}
                    {href === '/admin/webmentions' && <WaitingCount count={f.waitingMentions ?? 0} />}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
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
