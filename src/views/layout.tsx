import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { authorPhotoAt } from '../settings/images.js';
import { authorCardOf } from './author.js';

/** Site facts every page shows. */
export interface PageSite {
  name: string;
  url: string;
  author: string;
  description: string;
  /** The author's photo (saved profile), or ''. */
  authorPhoto?: string;
  /** A short bio (saved profile), or ''. */
  authorNote?: string;
  /** The author's other profiles, linked with rel="me". */
  relMe?: string[];
  /** The author's own URL when it is not the site (settings), or ''. */
  authorUrl?: string;
  /** Language of the pages (`<html lang>`); 'en' when unset. */
  language?: string;
  /** A line the owner wrote for the footer, or ''. */
  footerText?: string;
  /** The IANA time zone dates are shown in; 'UTC' when unset. */
  timeZone?: string;
  /** Hash of the site icon files (src/routes/site/identity.ts serves them), or '' for none. */
  icon?: string;
  links: { rel: string; href: string; type?: string; title?: string }[];
  /** Standalone pages in the owner's menu order (after the built-in entries). */
  menu?: { href: string; title: string }[];
  /** The site's fediverse address (`@name@host`) while ActivityPub runs; shown in the author card. */
  fediverseHandle?: string;
  /** Absolute URL of the default social image, or ''. */
  socialImage?: string;
}

/** Link-preview facts of a page (Open Graph, Twitter Card). */
export interface PageMeta {
  type: 'website' | 'article';
  /** Absolute URL of the page. */
  url?: string;
  title?: string;
  description?: string;
  image?: { url: string; width?: number; height?: number; alt?: string };
  /** When an article was published. */
  publishedTime?: Date;
}

/** Properties of the page shell. */
export interface LayoutProps {
  title: string;
  site: PageSite;
  description?: string;
  /** Canonical URL of the page, when it has one. */
  canonical?: string;
  /** Link-preview meta; pages without it get a website preview from title, description and URL. */
  meta?: PageMeta;
  children?: Child;
}

/** Open Graph (ogp.me) and Twitter Card meta tags for a page. */
function PreviewMeta(props: {
  title: string;
  description: string;
  canonical?: string;
  site: PageSite;
  meta?: PageMeta;
}) {
  const m = props.meta;
  const title = m?.title ?? props.title;
  const description = m?.description ?? props.description;
  const url = m?.url ?? props.canonical;
  const image = m?.image ?? (props.site.socialImage ? { url: props.site.socialImage } : undefined);
  return (
    <>
      <meta property="og:type" content={m?.type ?? 'website'} />
      <meta property="og:site_name" content={props.site.name} />
      <meta property="og:title" content={title} />
      {description !== '' && <meta property="og:description" content={description} />}
      {url && <meta property="og:url" content={url} />}
      {image && <meta property="og:image" content={image.url} />}
      {image?.width && <meta property="og:image:width" content={String(image.width)} />}
      {image?.height && <meta property="og:image:height" content={String(image.height)} />}
      {image?.alt && <meta property="og:image:alt" content={image.alt} />}
      {m?.publishedTime && <meta property="article:published_time" content={m.publishedTime.toISOString()} />}
      <meta name="twitter:card" content={image ? 'summary_large_image' : 'summary'} />
      <meta name="twitter:title" content={title} />
      {description !== '' && <meta name="twitter:description" content={description} />}
      {image && <meta name="twitter:image" content={image.url} />}
    </>
  );
}

/** The HTML shell shared by every public page: discovery links, landmarks, skip link, author h-card. */
export function Layout(props: LayoutProps) {
  const { site } = props;
  const card = authorCardOf(site);
  return (
    <html lang={site.language || 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        {(props.description ?? site.description) !== '' && (
          <meta name="description" content={props.description ?? site.description} />
        )}
        {props.canonical && <link rel="canonical" href={props.canonical} />}
        <PreviewMeta
          title={props.title}
          description={props.description ?? site.description}
          canonical={props.canonical}
          site={site}
          meta={props.meta}
        />
        {site.icon ? (
          <>
            <link rel="icon" href={`/favicon.ico?v=${site.icon}`} sizes="32x32" />
            <link rel="icon" type="image/png" href={`/icon-192.png?v=${site.icon}`} sizes="192x192" />
            <link rel="apple-touch-icon" href={`/apple-touch-icon.png?v=${site.icon}`} />
          </>
        ) : (
          <link rel="icon" href="/favicon.ico" />
        )}
        <link rel="stylesheet" href="/static/style.css" />
        <script src="/static/site.js" defer />
        {site.links.map((l) => (
          <link rel={l.rel} href={l.href} type={l.type} title={l.title} />
        ))}
        {(site.relMe ?? []).map((href) => (
          <link rel="me" href={href} />
        ))}
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="site-header">
          <a class="site-title" href="/">
            {site.name}
          </a>
          <nav class="site-nav" aria-label="Site">
            <ul>
              <li>
                <a href="/">Notes</a>
              </li>
              <li>
                <a href="/search">Search</a>
              </li>
              <li>
                <a href="/follow">Follow</a>
              </li>
              {(site.menu ?? []).map((p) => (
                <li>
                  <a href={p.href}>{p.title}</a>
                </li>
              ))}
            </ul>
          </nav>
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
        <footer class="site-footer">
          {/* The representative h-card: the author as a person sees them, with every property a
              microformats parser needs; nothing in it is hidden, so nothing hidden takes focus. */}
          <div class="h-card author-card">
            {site.authorPhoto && (
              // The site path as saved (relative: the page's own origin, whatever name it is
              // reached by); microformats parsers resolve it against the page's URL.
              <img
                class="u-photo"
                src={authorPhotoAt(site.authorPhoto, 96)}
                srcset={
                  authorPhotoAt(site.authorPhoto, 96) === site.authorPhoto
                    ? undefined
                    : `${authorPhotoAt(site.authorPhoto, 96)} 96w, ${authorPhotoAt(site.authorPhoto, 192)} 192w`
                }
                sizes="48px"
                alt=""
                width={48}
                height={48}
              />
            )}
            <div>
              <a class="p-name u-url u-uid" href={card.url} rel="me">
                {card.name}
              </a>
              {card.note && <p class="p-note">{card.note}</p>}
              {site.fediverseHandle && (
                <p class="fediverse-handle">
                  In the fediverse: <a href="/follow">{site.fediverseHandle}</a>
                </p>
              )}
              {(site.authorUrl || (site.relMe ?? []).length > 0) && (
                <ul class="rel-me">
                  {site.authorUrl && site.authorUrl !== site.url && (
                    <li>
                      <a class="u-url" href={site.authorUrl} rel="me">
                        {site.authorUrl.replace(/^https?:\/\//i, '')}
                      </a>
                    </li>
                  )}
                  {(site.relMe ?? []).map((href) => (
                    <li>
                      <a class={/^mailto:/i.test(href) ? 'u-email' : 'u-url'} href={href} rel="me">
                        {href.replace(/^mailto:/i, '').replace(/^https?:\/\//i, '')}
                      </a>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </div>
          {site.footerText && <p class="footer-text">{site.footerText}</p>}
          <nav class="footer-nav" aria-label="Browse">
            <ul>
              <li>
                <a href="/tags">Tags</a>
              </li>
              <li>
                <a href="/archive">Archive</a>
              </li>
            </ul>
          </nav>
        </footer>
      </body>
    </html>
  );
}

// Where a frame's <main> content goes. NUL cannot come from configuration (environment variables
// cannot hold it) and nothing else is rendered into a frame.
const SLOT = '\u0000main\u0000';
const frames = new WeakMap<PageSite, Map<string, readonly [string, string]>>();

/**
 * A complete document around `content`, with the page shell (head, header, footer) rendered once
 * per site, title, description and canonical URL and reused after: the shell is most of a page's
 * markup, and the same for every page of a list.
 */
export function renderInLayout(props: Omit<LayoutProps, 'children'>, content: unknown): string {
  let bySite = frames.get(props.site);
  if (!bySite) {
    bySite = new Map();
    frames.set(props.site, bySite);
  }
  const key = `${props.title}\u0000${props.description ?? ''}\u0000${props.canonical ?? ''}\u0000${props.meta ? JSON.stringify(props.meta) : ''}`;
  let frame = bySite.get(key);
  if (!frame) {
    const whole = renderDocument(<Layout {...props}>{raw(SLOT)}</Layout>);
    const at = whole.indexOf(SLOT);
    frame = [whole.slice(0, at), whole.slice(at + SLOT.length)] as const;
    // Bounded: titles include tag names and note titles.
    if (bySite.size >= 512) bySite.clear();
    bySite.set(key, frame);
  }
  return `${frame[0]}${String(content)}${frame[1]}`;
}

/** Renders a JSX page to a complete HTML document. */
export function renderDocument(node: unknown): string {
  return `<!doctype html>${String(node)}`;
}
