/**
 * Responses received over ActivityPub travel in an export like Webmentions do, and keep saying
 * so: `starpunk export` writes `wm-protocol` and `wm-actor` for them, `starpunk import` stores
 * them with their protocol and actor again (so the shown-once rule and the actor's later Update,
 * Undo or Delete still apply). Needs no Fedify: it runs on every Node.js.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { webmentionsStore } from '../../src/db/store/webmentions.js';
import { cleanup, cli, openSite, tempDir } from '../ops/ops-helpers.js';

afterEach(cleanup);

const NOTE_URL = 'http://example.test/notes/hello';
const ACTOR = 'https://mastodon.example/users/alice';
const SOURCE = `${ACTOR}/statuses/1`;

describe('ActivityPub responses in exports and imports', () => {
  it('keep their protocol and actor through export → import, and only that actor can remove them', async () => {
    const a = join(tempDir(), 'a');
    const site = openSite(a);
    const note = site.notes.createNote({ content: 'Hello', slug: 'hello' });
    webmentionsStore(site.db).upsertFederatedResponse({
      source: SOURCE,
      target: NOTE_URL,
      source_host: 'mastodon.example',
      note_id: note.id,
      actor_id: ACTOR,
      moderation: 'approved',
      kind: 'reply',
      rsvp: null,
      url: 'https://mastodon.example/@alice/1',
      author_name: 'Alice',
      author_url: 'https://mastodon.example/@alice',
      author_photo: null,
      published_at: '2026-11-27T10:00:00.000Z',
      content_html: '<p>From the fediverse</p>',
      content_text: 'From the fediverse',
      in_reply_to: JSON.stringify([NOTE_URL]),
      status_token: 'token-token-token-token-x',
      now: '2026-11-27 11:00:00',
    });
    site.close();
    const out = tempDir();
    const exp = await cli(['export', '--out', out], a);
    expect(exp.code, exp.err).toBe(0);
    const dir = /to (\S+)\n$/.exec(exp.out)![1]!;
    const doc = JSON.parse(readFileSync(join(dir, 'webmentions.json'), 'utf8')) as {
      items: Record<string, unknown>[];
    };
    expect(doc.items).toEqual([
      expect.objectContaining({ 'wm-source': SOURCE, 'wm-protocol': 'activitypub', 'wm-actor': ACTOR }),
    ]);

    const c = join(tempDir(), 'c');
    openSite(c).close();
    const imp = await cli(['import', dir], c);
    expect(imp.code, imp.err).toBe(0);
    expect(imp.out).toContain('received webmentions: imported 1, skipped 0, failed 0');
    const imported = openSite(c);
    try {
      const store = webmentionsStore(imported.db);
      const [row] = store.findFederatedResponses(ACTOR, SOURCE);
      expect(row).toEqual(
        expect.objectContaining({
          protocol: 'activitypub',
          actor_id: ACTOR,
          moderation: 'approved',
          kind: 'reply',
        }),
      );
      expect(store.deleteFederatedResponse('https://mastodon.example/users/mallory', SOURCE)).toBe(0);
      expect(store.deleteFederatedResponse(ACTOR, SOURCE)).toBe(1);
    } finally {
      imported.close();
    }
  });

  it('an item claiming ActivityPub without a usable actor is imported as a plain Webmention', async () => {
    const a = join(tempDir(), 'a');
    const site = openSite(a);
    site.notes.createNote({ content: 'Hello', slug: 'hello' });
    site.close();
    const exp = await cli(['export', '--out', tempDir()], a);
    const dir = /to (\S+)\n$/.exec(exp.out)![1]!;
    writeFileSync(
      join(dir, 'webmentions.json'),
      JSON.stringify({
        items: [
          {
            type: ['h-cite'],
            properties: { url: ['https://blog.example/r'], content: ['Hi'], 'in-reply-to': [NOTE_URL] },
            'wm-source': 'https://blog.example/r',
            'wm-target': NOTE_URL,
            'wm-property': 'in-reply-to',
            'wm-received': '2026-11-27T10:00:00.000Z',
            'wm-status': 'approved',
            'wm-protocol': 'activitypub',
            'wm-actor': 'javascript:alert(1)',
          },
        ],
      }),
    );
    const c = join(tempDir(), 'c');
    openSite(c).close();
    const imp = await cli(['import', dir], c);
    expect(imp.code, imp.err).toBe(0);
    const imported = openSite(c);
    try {
      const row = webmentionsStore(imported.db).findWebmention('https://blog.example/r', NOTE_URL);
      expect(row).toEqual(expect.objectContaining({ protocol: 'webmention', actor_id: null }));
    } finally {
      imported.close();
    }
  });
});
