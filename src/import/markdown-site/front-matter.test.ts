import { describe, expect, it } from 'vitest';
import { ImportSourceError } from '../contract.js';
import { hugoPath, jekyllPath } from './addresses.js';
import { parseSiteDate } from './dates.js';
import { splitFrontMatter } from './front-matter.js';

/** The error splitFrontMatter throws for `text`, as "line:column: message". */
function failure(text: string): string {
  try {
    splitFrontMatter(text, 'post.md');
  } catch (err) {
    expect(err).toBeInstanceOf(ImportSourceError);
    const e = err as ImportSourceError;
    return `${e.place?.line}:${e.place?.column}: ${e.message}`;
  }
  throw new Error('no error');
}

describe('front matter in the three formats Hugo documents (gohugo.io, front matter)', () => {
  const body = 'The body.\n';
  it('reads YAML, TOML and JSON alike', () => {
    const yaml = splitFrontMatter(
      `---\ndate: 2024-02-02T04:14:54-08:00\ndraft: false\ntitle: Example\n---\n\n${body}`,
      'a.md',
    );
    const toml = splitFrontMatter(
      `+++\ndate = 2024-02-02T04:14:54-08:00\ndraft = false\ntitle = 'Example'\n+++\n\n${body}`,
      'a.md',
    );
    const json = splitFrontMatter(
      `{\n   "date": "2024-02-02T04:14:54-08:00",\n   "draft": false,\n   "title": "Example"\n}\n\n${body}`,
      'a.md',
    );
    for (const f of [yaml, toml, json]) {
      expect(f.body).toBe(body);
      expect(f.data.title).toBe('Example');
      expect(f.data.draft).toBe(false);
      expect(parseSiteDate(f.data.date)?.toISOString()).toBe('2024-02-02T12:14:54.000Z');
    }
    expect([yaml.format, toml.format, json.format]).toEqual(['yaml', 'toml', 'json']);
  });

  it('leaves a file without front matter all body', () => {
    expect(splitFrontMatter('# Title\n\nText\n', 'a.md')).toEqual({
      data: {},
      body: '# Title\n\nText\n',
      format: 'none',
    });
  });

  it('names the line and column in the file of what it cannot read', () => {
    expect(failure("+++\ntitle = 'x'\ndate = = 2\n+++\n")).toMatch(
      /^3:8: post\.md:3:8: the TOML front matter cannot be read/,
    );
    expect(failure('{\n  "title": "x",\n  "draft" false\n}\n')).toMatch(
      /^3:\d+: .*the JSON front matter cannot be read: Missing , or :/,
    );
    expect(failure('---\ntitle: x\ntitle: y\n---\n')).toMatch(/^3:1: .*Map keys must be unique/);
    expect(failure('---\ntitle: x\n')).toMatch(/^1:1: .*never closed/);
  });
});

describe("Jekyll's permalink styles (jekyll's features/permalinks.feature and docs/_data/permalinks.yml)", () => {
  const facts = {
    date: new Date('2009-03-27T12:00:00Z'),
    slug: 'pretty-permalink-schema',
    categories: [],
    collection: 'posts',
    path: '2009-03-27-pretty-permalink-schema',
    name: '2009-03-27-pretty-permalink-schema',
  };
  it('fills the built-in styles', () => {
    expect(jekyllPath('/:categories/:year/:month/:day/:title/', facts)).toBe(
      '/2009/03/27/pretty-permalink-schema/',
    );
    expect(jekyllPath('/:categories/:title:output_ext', facts)).toBe('/pretty-permalink-schema.html');
    expect(
      jekyllPath('/:categories/:year/:y_day/:title:output_ext', { ...facts, categories: ['Work', 'Life'] }),
    ).toBe('/work/life/2009/086/pretty-permalink-schema.html');
    expect(jekyllPath('/:slugified_categories/:slug', { ...facts, categories: ['Work 2 Progress'] })).toBe(
      '/work-2-progress/pretty-permalink-schema',
    );
  });
  it('refuses a placeholder Jekyll does not have', () => {
    expect(jekyllPath('/:nonsense/:title', facts)).toBeUndefined();
  });
});

describe("Hugo's permalink tokens (gohugo.io, permalink tokens)", () => {
  const facts = {
    date: new Date('2024-02-02T12:00:00Z'),
    title: 'My First Post',
    slug: undefined,
    filename: 'post-1',
    sections: ['posts'],
  };
  it('fills :slug from the slug, else the title', () => {
    expect(hugoPath('/:year/:month/:slug/', facts)).toBe('/2024/02/my-first-post/');
    expect(hugoPath('/:year/:month/:slug/', { ...facts, slug: 'custom' })).toBe('/2024/02/custom/');
    expect(hugoPath('/:sections[last]/:contentbasename', facts)).toBe('/posts/post-1/');
  });
});
