import { tagPath } from './tags.js';

/** Absolute URLs of the site's own pages and endpoints, built from SITE_URL. */
export function siteUrls(config: { siteUrl: string }) {
  const base = config.siteUrl;
  const abs = (path: string) => new URL(path.replace(/^\//, ''), base).toString();
  return {
    home: base,
    abs,
    note: (slug: string) => abs(`notes/${encodeURIComponent(slug)}`),
    tag: (key: string) => abs(tagPath(key)),
    feeds: { rss: abs('feed.rss'), atom: abs('feed.atom'), json: abs('feed.json'), opml: abs('opml.xml') },
    micropub: abs('micropub'),
    webmention: abs('webmention'),
    indieauthMetadata: abs('.well-known/oauth-authorization-server'),
    authorization: abs('auth/authorization'),
    token: abs('auth/token'),
    search: abs('search'),
  };
}

/** The URL builder type. */
export type SiteUrls = ReturnType<typeof siteUrls>;

/** The discovery links every page carries (HTTP Link headers on the home page). */
export function discoveryLinks(
  urls: SiteUrls,
  adminMe: string,
): { rel: string; href: string; type?: string; title?: string }[] {
  const links: { rel: string; href: string; type?: string; title?: string }[] = [
    { rel: 'micropub', href: urls.micropub },
    { rel: 'webmention', href: urls.webmention },
    { rel: 'indieauth-metadata', href: urls.indieauthMetadata },
    { rel: 'authorization_endpoint', href: urls.authorization },
    { rel: 'token_endpoint', href: urls.token },
  ];
  if (adminMe !== urls.home) links.push({ rel: 'me', href: adminMe });
  links.push(
    { rel: 'alternate', href: urls.feeds.rss, type: 'application/rss+xml', title: 'RSS' },
    { rel: 'alternate', href: urls.feeds.atom, type: 'application/atom+xml', title: 'Atom' },
    { rel: 'alternate', href: urls.feeds.json, type: 'application/feed+json', title: 'JSON Feed' },
  );
  return links;
}

/** Formats links as one HTTP `Link` header value. */
export function linkHeader(links: { rel: string; href: string; type?: string; title?: string }[]): string {
  return links
    .map((l) => {
      let s = `<${l.href}>; rel="${l.rel}"`;
      if (l.type) s += `; type="${l.type}"`;
      if (l.title) s += `; title="${l.title}"`;
      return s;
    })
    .join(', ');
}
