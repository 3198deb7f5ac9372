/**
 * Moving in (issue 24): a WordPress export imported with `starpunk import` while the site runs —
 * two posts with their old permalinks, a comment and a tag. Checked on every record: the old
 * permalink and `?p=` answer 301 to the note, and the note shows the comment carried with it,
 * through restarts, restore and export → import.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { wxr } from '../../import/wxr.js';
import type { Recording } from '../record.js';
import type { Part, World } from '../world.js';

const OLD = 'https://old-blog.example';

const OLD_LINKS: [string, string][] = [
  ['/2014/03/10/moving-day/', '/notes/moving-day'],
  ['/?p=9001', '/notes/moving-day'],
  ['/2014/04/02/boxes/', '/notes/boxes'],
];

export const movingIn: Part = {
  name: 'moving in from WordPress',

  async build(w: World) {
    const file = join(w.root, 'old-blog.wordpress.xml');
    writeFileSync(
      file,
      wxr(
        OLD,
        [
          {
            id: 9001,
            title: 'Moving day',
            name: 'moving-day',
            content: 'The boxes are packed.\n\nThe yarn is not.',
            dateGmt: '2014-03-10 09:00:00',
            link: `${OLD}/2014/03/10/moving-day/`,
            terms: [{ domain: 'post_tag', nicename: 'moving', name: 'moving' }],
            comments: [
              {
                id: 1,
                author: 'Grace',
                authorUrl: 'https://grace.example/',
                content: 'Good luck with the yarn!',
                approved: '1',
                dateGmt: '2014-03-10 10:00:00',
              },
            ],
          },
          {
            id: 9002,
            title: 'Boxes',
            name: 'boxes',
            content: '<!-- wp:paragraph --><p>Forty-two cartons of yarn.</p><!-- /wp:paragraph -->',
            dateGmt: '2014-04-02 09:00:00',
            link: `${OLD}/2014/04/02/boxes/`,
          },
        ],
        { version: '1.2', cdata: true },
      ),
    );
    const r = await w.site.cli(['import', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('imported 2 notes and 0 pages');
    w.made.movedIn = '/notes/moving-day';
    // Its comment is an approved response: the Webmention admin counts it with the others.
    w.made.approvedResponsesImported = '1';
  },

  snapshot(_w, r) {
    for (const [from] of OLD_LINKS) r.seed(from);
    r.seed('/notes/moving-day');
  },

  check(rec: Recording) {
    const wrong: string[] = [];
    for (const [from, to] of OLD_LINKS) {
      const a = rec.page(from);
      if (a?.status !== 301 || a.location !== to) wrong.push(`${from}: ${a?.status} → ${a?.location}`);
    }
    expect.soft(wrong, 'old WordPress links that do not lead to their notes').toEqual([]);
    const note = rec.page('/notes/moving-day');
    expect.soft(note?.status, 'the imported note').toBe(200);
    expect.soft(note?.body ?? '', 'the imported note and its comment').toContain('Good luck with the yarn!');
  },
};
