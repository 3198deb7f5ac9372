import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../notes/markdown.js';
import { eagerFirstImage, imageSources, responsiveContentImages, srcsetOf } from './images.js';

const STORED = {
  width: 1600,
  height: 1200,
  sources: [
    { url: '/media/a_thumb.jpg', width: 400, height: 300 },
    { url: '/media/a.jpg', width: 1600, height: 1200 },
  ],
};

describe('responsiveContentImages', () => {
  it('adds the intrinsic size, srcset and sizes to a stored image of sanitised HTML', () => {
    const html = renderMarkdown('![A](/media/a.jpg) and ![B](https://elsewhere.example/b.jpg)');
    const out = responsiveContentImages(html, (src) => (src === '/media/a.jpg' ? STORED : undefined));
    expect(out).toBe(
      '<p><img src="/media/a.jpg" alt="A" loading="lazy" width="1600" height="1200" ' +
        'srcset="/media/a_thumb.jpg 400w, /media/a.jpg 1600w" sizes="(min-width: 40rem) 38rem, calc(100vw - 2rem)" />' +
        ' and <img src="https://elsewhere.example/b.jpg" alt="B" loading="lazy" /></p>\n',
    );
  });

  it('leaves an image the author sized, one with a single size and text that looks like a tag', () => {
    const sized = renderMarkdown('<img src="/media/a.jpg" width="200">');
    expect(responsiveContentImages(sized, () => STORED)).toBe(sized);
    const single = responsiveContentImages(renderMarkdown('![A](/media/a.jpg)'), () => ({
      ...STORED,
      sources: [STORED.sources[1]!],
    }));
    expect(single).toContain('width="1600" height="1200" />');
    expect(single).not.toContain('srcset');
    const text = renderMarkdown('`<img src="/media/a.jpg">`');
    expect(responsiveContentImages(text, () => STORED)).toBe(text);
  });

  it('reads src values decoded', () => {
    expect(imageSources(renderMarkdown('![x](/media/a.jpg?v=1&w=2) <img src="b.png">'))).toEqual([
      '/media/a.jpg?v=1&w=2',
      'b.png',
    ]);
  });
});

describe('eagerFirstImage', () => {
  it('drops loading="lazy" from the first image only', () => {
    const html = '<p><img src="a" alt="" loading="lazy" /><img src="b" alt="" loading="lazy" /></p>';
    expect(eagerFirstImage(html)).toBe('<p><img src="a" alt="" /><img src="b" alt="" loading="lazy" /></p>');
    expect(eagerFirstImage('<p>no image</p>')).toBe('<p>no image</p>');
  });
});

describe('srcsetOf', () => {
  it('lists two or more sizes with width descriptors, nothing for one', () => {
    expect(srcsetOf(STORED.sources)).toBe('/media/a_thumb.jpg 400w, /media/a.jpg 1600w');
    expect(srcsetOf([STORED.sources[0]!])).toBeUndefined();
  });
});
