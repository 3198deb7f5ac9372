import { describe, expect, it } from 'vitest';
import { copyLabel, copyLabels } from './copy-labels.js';

describe('copy labels', () => {
  it('names Bluesky, Mastodon statuses and known services; other hosts by name', () => {
    expect(copyLabel('https://bsky.app/profile/did:plc:ada/post/3kabc')).toBe('Bluesky');
    expect(copyLabel('https://mastodon.social/@ada/113456789')).toBe('Mastodon');
    expect(copyLabel('https://social.example/users/ada/statuses/42')).toBe('Mastodon');
    expect(copyLabel('https://x.com/ada/status/1')).toBe('X');
    expect(copyLabel('https://www.example.org/post/1')).toBe('example.org');
    expect(copyLabel('not a url')).toBe('not a url');
  });

  it('adds the host where two copies would read the same', () => {
    expect(
      copyLabels([
        'https://mastodon.social/@ada/1',
        'https://fosstodon.org/@ada/2',
        'https://bsky.app/profile/ada/post/3',
      ]),
    ).toEqual(['Mastodon (mastodon.social)', 'Mastodon (fosstodon.org)', 'Bluesky']);
  });
});
