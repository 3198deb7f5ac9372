/**
 * Names of the places a note's copies live ("Also on Mastodon", "Bluesky"), from their addresses:
 * what a reader recognises, instead of a bare host name.
 */

// Services known by host name.
const HOSTS: Record<string, string> = {
  'bsky.app': 'Bluesky',
  'staging.bsky.app': 'Bluesky',
  'twitter.com': 'X',
  'x.com': 'X',
  'threads.net': 'Threads',
  'www.threads.net': 'Threads',
  'micro.blog': 'Micro.blog',
  'github.com': 'GitHub',
  'www.flickr.com': 'Flickr',
  'flickr.com': 'Flickr',
  'www.instagram.com': 'Instagram',
  'instagram.com': 'Instagram',
  'www.linkedin.com': 'LinkedIn',
  'news.ycombinator.com': 'Hacker News',
  'www.reddit.com': 'Reddit',
  'reddit.com': 'Reddit',
  'medium.com': 'Medium',
  'tumblr.com': 'Tumblr',
  'www.tumblr.com': 'Tumblr',
};

// A Mastodon status address: https://host/@name/123 (what its API gives as `url`), or the
// ActivityPub form https://host/users/name/statuses/123.
const MASTODON_STATUS = /^\/(?:@[^/]+\/\d+|users\/[^/]+\/statuses\/\d+)\/?$/;

/** What to call the place a copy lives at `url`: a service's name, else the host name. */
export function copyLabel(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  const host = u.hostname.toLowerCase();
  const known = HOSTS[host];
  if (known) return known;
  if (MASTODON_STATUS.test(u.pathname)) return 'Mastodon';
  return host.replace(/^www\./, '');
}

/**
 * Labels for a note's copies, in order: each copy's service name, with its host name added where
 * two copies would otherwise read the same (two Mastodon accounts on two servers).
 */
export function copyLabels(urls: readonly string[]): string[] {
  const labels = urls.map(copyLabel);
  return labels.map((label, i) => {
    if (labels.indexOf(label) === labels.lastIndexOf(label)) return label;
    let host = '';
    try {
      host = new URL(urls[i]!).host;
    } catch {
      return label;
    }
    return host === label ? label : `${label} (${host})`;
  });
}
