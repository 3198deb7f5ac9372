/**
 * Issue #16, item 11. Pages show stored pictures with their intrinsic size (no layout shift), the
 * stored sizes in srcset with sizes (phones do not download the 2560 px original), and lazy
 * loading except for the first picture of the page. Sizes are looked up once per page.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MediaItem } from '../../src/media/service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { photoLike } from '../helpers/images.js';

let t: TestApp;
let photo: MediaItem;
let inline: MediaItem;
beforeEach(async () => {
  t = createTestApp();
  const media = t.app.services.media;
  photo = await media.saveUpload({ bytes: await photoLike(1600, 1200).jpeg().toBuffer(), alt: 'A loom' });
  inline = await media.saveUpload({ bytes: await photoLike(900, 600).jpeg().toBuffer() });
});
afterEach(() => t.close());

/** Every <img …> tag of a page, in document order. */
async function images(path: string): Promise<string[]> {
  const res = await t.get(path);
  expect(res.status).toBe(200);
  return [...(await res.text()).matchAll(/<img\b[^>]*>/g)].map((m) => m[0]);
}

const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

describe('a note with a stored photo and a stored picture in its text', () => {
  beforeEach(() => {
    t.notes.createNote({
      slug: 'with-pictures',
      content: `Before.\n\n![A small one](${inline.url})\n\nAfter, and one from elsewhere: ![far](https://photos.example/x.jpg)`,
      photos: [{ url: photo.url, alt: 'A loom' }],
    });
  });

  it('gives the photo its intrinsic size, the stored sizes as srcset, and sizes', async () => {
    const [, , tag] = await images('/notes/with-pictures');
    expect(attr(tag!, 'class')).toBe('u-photo');
    // The main file stays the src: it is what microformats parsers read as the photo.
    expect(attr(tag!, 'src')).toBe(photo.url);
    expect([attr(tag!, 'width'), attr(tag!, 'height')]).toEqual(['1600', '1200']);
    expect(attr(tag!, 'srcset')).toBe(
      `${photo.variants.thumb} 400w, ${photo.variants.medium} 1280w, ${photo.url} 1600w`,
    );
    expect(attr(tag!, 'sizes')).toBe('(min-width: 40rem) 38rem, calc(100vw - 2rem)');
    expect(attr(tag!, 'alt')).toBe('A loom');
  });

  it('does the same for a stored picture in the text, and leaves pictures from elsewhere alone', async () => {
    const [first, far] = await images('/notes/with-pictures');
    expect(attr(first!, 'src')).toBe(inline.url);
    expect([attr(first!, 'width'), attr(first!, 'height')]).toEqual(['900', '600']);
    expect(attr(first!, 'srcset')).toBe(`${inline.variants.thumb} 400w, ${inline.url} 900w`);
    expect(far).toBe('<img src="https://photos.example/x.jpg" alt="far" loading="lazy" />');
  });

  it('loads the first picture of the note page at once and the others lazily', async () => {
    const tags = await images('/notes/with-pictures');
    const noteImages = tags.filter((tag) => !tag.includes('site-footer'));
    expect(noteImages.map((tag) => attr(tag, 'loading'))).toEqual([undefined, 'lazy', 'lazy']);
  });

  it('shows the same on the home page, the first picture of the first note eager', async () => {
    t.clock.advance(60_000);
    t.notes.createNote({ slug: 'newer', content: 'Newer', photos: [{ url: photo.url, alt: 'again' }] });
    const tags = await images('/');
    const photos = tags.filter((tag) => attr(tag, 'class') === 'u-photo');
    // Newest first: the newer note's photo is the first picture of the page.
    expect(photos.map((tag) => attr(tag, 'loading'))).toEqual([undefined, 'lazy']);
    for (const tag of photos) expect(attr(tag, 'srcset')).toContain(`${photo.variants.thumb} 400w`);
    const inText = tags.find((tag) => attr(tag, 'src') === inline.url)!;
    expect(attr(inText, 'width')).toBe('900');
    expect(attr(inText, 'loading')).toBe('lazy');
  });

  it('knows an absolute URL of this site as the stored file (what Micropub clients send)', async () => {
    t.notes.createNote({
      slug: 'absolute',
      content: 'Absolute',
      photos: [{ url: `http://example.test${photo.url}`, alt: '' }],
    });
    const [tag] = await images('/notes/absolute');
    expect(attr(tag!, 'width')).toBe('1600');
    expect(attr(tag!, 'srcset')).toContain(`${photo.variants.medium} 1280w`);
  });
});

describe('a photo the library does not know', () => {
  it('is shown as it is, lazily unless first', async () => {
    t.notes.createNote({
      slug: 'unknown',
      content: 'Text',
      photos: [
        { url: '/media/2026/11/gone.jpg', alt: 'gone' },
        { url: 'https://photos.example/y.jpg', alt: 'far' },
      ],
    });
    const tags = (await images('/notes/unknown')).filter((tag) => attr(tag, 'class') === 'u-photo');
    expect(tags).toEqual([
      '<img class="u-photo" src="/media/2026/11/gone.jpg" alt="gone"/>',
      '<img class="u-photo" src="https://photos.example/y.jpg" alt="far" loading="lazy"/>',
    ]);
  });
});

describe('sizes are looked up once per page', () => {
  it('with one query for all the notes of the home page', async () => {
    for (let i = 0; i < 5; i++) {
      t.clock.advance(1000);
      t.notes.createNote({ content: `Note ${i} ![](${inline.url})`, photos: [{ url: photo.url, alt: '' }] });
    }
    const media = t.app.services.media;
    const calls: number[] = [];
    const original = media.findImages.bind(media);
    media.findImages = (urls, siteUrl) => {
      const found = original(urls, siteUrl);
      calls.push(found.size);
      return found;
    };
    await images('/');
    expect(calls).toEqual([2]);
  });
});
