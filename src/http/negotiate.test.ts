import { describe, expect, it } from 'vitest';
import { negotiate } from './negotiate.js';

const OFFERS = ['application/rss+xml', 'application/atom+xml', 'application/feed+json'];

describe('negotiate', () => {
  it('gives the first offer when anything goes', () => {
    expect(negotiate(undefined, OFFERS)).toBe('application/rss+xml');
    expect(negotiate('*/*', OFFERS)).toBe('application/rss+xml');
  });
  it('honours explicit types and qualities', () => {
    expect(negotiate('application/atom+xml', OFFERS)).toBe('application/atom+xml');
    expect(negotiate('application/feed+json;q=0.9, application/atom+xml;q=0.5', OFFERS)).toBe(
      'application/feed+json',
    );
    expect(negotiate('text/html, application/*;q=0.2', OFFERS)).toBe('application/rss+xml');
  });
  it('returns undefined when nothing acceptable is offered', () => {
    expect(negotiate('text/html', OFFERS)).toBeUndefined();
    expect(negotiate('application/rss+xml;q=0', OFFERS)).toBeUndefined();
  });
});
