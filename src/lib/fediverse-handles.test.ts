import { describe, expect, test } from 'vitest';
import { absoluteLinks, findHandles, linkHandles } from './fediverse-handles.js';

describe('fediverse handles', () => {
  test('finds @user@server, once each, not e-mail addresses or URLs', () => {
    expect(
      findHandles(
        'Hi @alice@example.social and @Bob@127.0.0.1:8080, @alice@example.social; mail me@x.org, https://a.b/@c@d.org',
      ).map((h) => h.acct),
    ).toEqual(['alice@example.social', 'Bob@127.0.0.1:8080']);
  });
  test('links the handles in text, never inside tags or existing links', () => {
    const html =
      '<p>Hi @alice@example.social <a href="/x">@alice@example.social</a></p><img alt="@alice@example.social">';
    const out = linkHandles(html, new Map([['alice@example.social', 'https://example.social/@alice']]));
    expect(out).toBe(
      '<p>Hi <span class="h-card"><a href="https://example.social/@alice" class="u-url mention">@<span>alice</span></a></span> <a href="/x">@alice@example.social</a></p><img alt="@alice@example.social">',
    );
  });
  test('makes site-relative links absolute', () => {
    expect(
      absoluteLinks(
        '<a href="/tag/x">x</a><img src="/media/a.jpg"><a href="https://o.org/">o</a>',
        'https://me.example/',
      ),
    ).toBe(
      '<a href="https://me.example/tag/x">x</a><img src="https://me.example/media/a.jpg"><a href="https://o.org/">o</a>',
    );
  });
});
