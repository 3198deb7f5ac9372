import type { PageSite } from './layout.js';

/** The author as an h-card shows them: every property absolute, ready for microformats parsers. */
export interface AuthorCard {
  name: string;
  /** The site's home page: the card's first u-url (and u-uid), what IndieWeb readers key on. */
  url: string;
  photo: string;
  note: string;
  /** Other addresses of the author (their own URL, rel-me profiles), each a further u-url. */
  otherUrls: string[];
}

function absolute(href: string, base: string): string {
  try {
    return new URL(href, base).toString();
  } catch {
    return '';
  }
}

/** The author's h-card properties from the site facts. */
export function authorCardOf(site: PageSite): AuthorCard {
  const others = [site.authorUrl ?? '', ...(site.relMe ?? [])].filter((u) => u !== '' && u !== site.url);
  return {
    name: site.author || site.name,
    url: site.url,
    photo: site.authorPhoto ? absolute(site.authorPhoto, site.url) : '',
    note: site.authorNote || site.description,
    otherUrls: [...new Set(others)],
  };
}

/**
 * The card's properties that a person does not need to see as <data> elements: read by
 * microformats parsers (u-* and p-* from `value`), never shown and never focusable, so a card
 * can be complete without adding hidden links (WCAG 2.4.7).
 */
export function AuthorData(props: { card: AuthorCard; withName?: boolean }) {
  const c = props.card;
  return (
    <>
      {props.withName && <data class="p-name" value={c.name} />}
      {props.withName && <data class="u-url u-uid" value={c.url} />}
      {c.photo && <data class="u-photo" value={c.photo} />}
      {c.note && <data class="p-note" value={c.note} />}
      {c.otherUrls.map((u) => (
        <data class={/^mailto:/i.test(u) ? 'u-email' : 'u-url'} value={u} />
      ))}
    </>
  );
}
