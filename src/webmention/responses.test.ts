import { describe, expect, it } from 'vitest';
import { groupResponses, MAX_THREAD_DEPTH, type ReplyNode, type ResponseView } from './responses.js';

const NOTE = 'https://site.example/notes/n';

function reply(id: number, inReplyTo: string[], kind: ResponseView['kind'] = 'reply'): ResponseView {
  const url = `https://r${id}.example/p`;
  return {
    id,
    kind,
    source: url,
    url,
    author: { name: `R${id}`, url: null, avatar: '/webmention/avatar/default' },
    published: null,
    contentHtml: null,
    contentText: `reply ${id}`,
    rsvp: null,
    inReplyTo,
  };
}

const ids = (nodes: ReplyNode[]): unknown[] =>
  nodes.map((n) => (n.children.length ? [n.reply.id, ids(n.children)] : n.reply.id));

describe('groupResponses', () => {
  it('groups by kind: likes, reposts, replies with RSVPs, mentions with bookmarks', () => {
    const g = groupResponses([
      reply(1, [NOTE]),
      { ...reply(2, []), kind: 'like' },
      { ...reply(3, []), kind: 'repost' },
      { ...reply(4, [NOTE]), kind: 'rsvp', rsvp: 'yes' },
      { ...reply(5, []), kind: 'bookmark' },
      { ...reply(6, []), kind: 'mention' },
    ]);
    expect([g.likes, g.reposts, g.mentions].map((l) => l.map((r) => r.id))).toEqual([[2], [3], [5, 6]]);
    expect(ids(g.replies)).toEqual([1, 4]);
    expect(g.replyCount).toBe(2);
  });

  it('threads a reply under the shown reply it answers', () => {
    const g = groupResponses([reply(1, [NOTE]), reply(2, ['https://r1.example/p', NOTE]), reply(3, [NOTE])]);
    expect(ids(g.replies)).toEqual([[1, [2]], 3]);
  });

  it('replies that answer each other are all shown, none lost', () => {
    const g = groupResponses([
      reply(1, ['https://r2.example/p']),
      reply(2, ['https://r1.example/p']),
      reply(3, ['https://r3.example/p']),
    ]);
    expect(ids(g.replies)).toEqual([[1, [2]], 3]);
  });

  it(`nests at most ${MAX_THREAD_DEPTH} levels; deeper replies join the deepest`, () => {
    const chain = [reply(1, [NOTE])];
    for (let i = 2; i <= 7; i++) chain.push(reply(i, [`https://r${i - 1}.example/p`]));
    const g = groupResponses(chain);
    expect(ids(g.replies)).toEqual([[1, [[2, [[3, [4, 5, 6, 7]]]]]]]);
  });
});
