import { Layout, type PageSite, renderDocument } from './layout.js';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Sign-in required',
  403: 'Forbidden',
  404: 'Not found',
  406: 'Not acceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'Too large',
  415: 'Unsupported type',
  429: 'Too many requests',
  500: 'Server error',
  503: 'Unavailable',
  507: 'Out of space',
};

/** A readable error page; the message is escaped like every other value. */
export function renderErrorPage(p: {
  status: number;
  message: string;
  site: PageSite;
  /** The way on, when there is a better one than the home page (sign in again, back to the editor). */
  link?: { href: string; label: string };
}): string {
  const title = TITLES[p.status] ?? 'Error';
  return renderDocument(
    <Layout title={`${title} · ${p.site.name}`} site={p.site}>
      <h1>{title}</h1>
      <p>{p.message}</p>
      {p.link && (
        <p>
          <a href={p.link.href}>{p.link.label}</a>
        </p>
      )}
      <p>
        <a href="/">Back to the home page</a>
      </p>
    </Layout>,
  );
}
