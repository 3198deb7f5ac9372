/** Generators shared by the fuzz properties: Micropub names and values, hostile text, URL-ish strings. */
import fc from 'fast-check';

/**
 * Names Object.prototype already has. Micropub code that indexes a plain object by a
 * client-chosen name breaks on them (see the `it.fails` cases in micropub-parse.test.ts), so the
 * broad properties leave them out and those tests cover them; drop this filter once they pass.
 */
export const PROTOTYPE_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** True unless `name` (with or without a trailing `[]`) is an Object.prototype member. */
export const notPrototypeName = (name: string): boolean => !PROTOTYPE_NAMES.has(name.replace(/\[\]$/, ''));

/** Strings that mix every kind of code point, lone surrogates included. */
export const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom('%', '"', '<', '>', '&', '\\', '\0', '\n', '\r', ' ', 'a', '*', ':') }),
);

const KNOWN_NAMES = [
  'content',
  'name',
  'summary',
  'category',
  'photo',
  'published',
  'updated',
  'post-status',
  'visibility',
  'like-of',
  'in-reply-to',
  'repost-of',
  'bookmark-of',
  'location',
  'syndication',
  'mp-slug',
  'mp-syndicate-to',
  'mp-unknown',
  'h',
  'action',
  'url',
  'access_token',
  'type',
  'properties',
] as const;

/** A property name as a client might send it: a known one, a valid-looking one, or anything. */
export const propName = fc
  .oneof(
    { weight: 4, arbitrary: fc.constantFrom(...KNOWN_NAMES, ...PROTOTYPE_NAMES) },
    { weight: 2, arbitrary: fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,70}$/) },
    { weight: 1, arbitrary: anyText },
  )
  .filter(notPrototypeName);

/** A form field name: a property name, sometimes with the `[]` array suffix. */
export const formKey = fc.tuple(propName, fc.boolean()).map(([n, arr]) => (arr ? `${n}[]` : n));

const interestingValue = fc.constantFrom(
  '',
  ' ',
  'draft',
  'published',
  'public',
  'unlisted',
  'private',
  'secret',
  'update',
  'delete',
  'undelete',
  'create',
  'entry',
  'card',
  '2026-01-02T03:04:05Z',
  'not a date',
  '+275760-09-13T00:00:00.000Z',
  'https://example.com/photo.jpg',
  'javascript:alert(1)',
  'http://example.test/notes/first',
  'admin',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '#tag',
  '\u0000',
);

/** A form value. */
export const formValue = fc.oneof(interestingValue, anyText);

/** An mf2 value: text, numbers, {value, alt}, {html}, nested h-* objects, or any JSON at all. */
export const mf2Value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    formValue,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.record(
      { value: fc.oneof(formValue, fc.integer()), alt: fc.oneof(formValue, fc.integer()) },
      {
        requiredKeys: [],
      },
    ),
    fc.record({ html: fc.oneof(formValue, fc.integer()), value: formValue }, { requiredKeys: [] }),
    fc.record({ markdown: formValue }),
    fc.record({
      type: fc.array(fc.constantFrom('h-card', 'h-entry', 'h-adr', 'x'), { maxLength: 2 }),
      properties: fc.dictionary(propName, fc.array(tie('value'), { maxLength: 3 }), { maxKeys: 3 }),
    }),
    fc.jsonValue({ maxDepth: 3 }),
  ),
})).value;

/** Micropub properties: names to arrays of mf2 values (valid shape, arbitrary content). */
export const mf2Properties = fc.dictionary(propName, fc.array(mf2Value, { maxLength: 4 }), { maxKeys: 6 });

/** An update operation (§3.4): usually the right shape, sometimes not. */
export const updateOp: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: mf2Properties },
  { weight: 2, arbitrary: fc.array(fc.oneof(propName, fc.jsonValue({ maxDepth: 1 })), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(propName, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/**
 * fromJson turns a non-string `action` into text with String(), which throws a TypeError for an
 * object whose own `toString`/`valueOf` are not functions (the `it.fails` case in
 * micropub-parse.test.ts). Bodies with such an action are left out until that is fixed.
 */
function actionCoercible(body: unknown): boolean {
  const action = body && typeof body === 'object' ? (body as { action?: unknown }).action : undefined;
  return !(
    action &&
    typeof action === 'object' &&
    !Array.isArray(action) &&
    ('toString' in action || 'valueOf' in action)
  );
}

/** A Micropub JSON body: a create, an update/delete/undelete, or any JSON value. */
export const micropubJson = (postUrl: fc.Arbitrary<string>): fc.Arbitrary<unknown> =>
  fc
    .oneof(
      fc.record(
        {
          type: fc.oneof(
            fc.constant(['h-entry']),
            fc.array(fc.oneof(fc.constantFrom('h-entry', 'h-card', 'h-', 'entry'), anyText), {
              maxLength: 2,
            }),
            fc.jsonValue({ maxDepth: 1 }),
          ),
          properties: fc.oneof(
            { weight: 5, arbitrary: mf2Properties },
            { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
          ),
          action: fc.oneof(fc.constantFrom('create', 'CREATE', ''), fc.jsonValue({ maxDepth: 1 })),
          access_token: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
        },
        { requiredKeys: ['type', 'properties'] },
      ),
      fc.record(
        {
          action: fc.oneof(
            fc.constantFrom('update', 'delete', 'undelete', 'explode'),
            fc.jsonValue({ maxDepth: 1 }),
          ),
          url: fc.oneof(postUrl, fc.webUrl(), anyText, fc.jsonValue({ maxDepth: 1 })),
          replace: updateOp,
          add: updateOp,
          delete: updateOp,
        },
        { requiredKeys: ['action'] },
      ),
      fc.jsonValue({ maxDepth: 4 }),
    )
    .filter(actionCoercible);

const HOSTILE_TAGS = [
  'script',
  'SCRIPT',
  'ScRiPt',
  'img',
  'a',
  'svg',
  'math',
  'iframe',
  'object',
  'embed',
  'style',
  'link',
  'meta',
  'base',
  'form',
  'input',
  'button',
  'details',
  'video',
  'audio',
  'source',
  'body',
  'frameset',
  'template',
  'noscript',
  'textarea',
  'xmp',
  'div',
  'span',
  'p',
  'td',
  'blockquote',
  'section',
  'code',
] as const;

const HOSTILE_ATTRS = [
  'onerror',
  'onload',
  'onclick',
  'OnMouseOver',
  'onfocus',
  'onanimationstart',
  'style',
  'STYLE',
  'href',
  'src',
  'cite',
  'srcset',
  'srcdoc',
  'formaction',
  'action',
  'xlink:href',
  'background',
  'poster',
  'data',
  'class',
  'id',
  'rel',
  'width',
  'title',
] as const;

/** URL and script values written in the ways browsers still accept them. */
export const HOSTILE_URLS = [
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  'java\tscript:alert(1)',
  'java\nscript:alert(1)',
  'java&#x09;script:alert(1)',
  'java&#9;script:alert(1)',
  '&#106;avascript:alert(1)',
  '&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)',
  'javascript&colon;alert(1)',
  '&#x01;javascript:alert(1)',
  '\u0001javascript:alert(1)',
  'vbscript:msgbox(1)',
  'VBScript:msgbox(1)',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'DATA:text/html,<script>alert(1)</script>',
  'data:image/svg+xml,<svg onload=alert(1)>',
  'livescript:alert(1)',
  'javascript://%0aalert(1)',
  '//evil.example/x.js',
  'https://example.com/" onmouseover="alert(1)',
  "x' onerror='alert(1)",
  'expression(alert(1))',
  'alert(1)',
  'https://example.com/ok',
] as const;

const attr = fc
  .tuple(
    fc.constantFrom(...HOSTILE_ATTRS),
    fc.constantFrom(...HOSTILE_URLS),
    fc.constantFrom('"', "'", '', '`'),
    fc.constantFrom(' ', '/', '\n', '\t', ' /'),
  )
  .map(([name, value, q, sep]) => `${sep}${name}=${q}${value}${q}`);

/** One piece of hostile HTML or Markdown. */
export const hostileFragment: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...HOSTILE_TAGS), fc.array(attr, { maxLength: 3 }), fc.boolean(), anyText)
    .map(([tag, attrs, close, inner]) => `<${tag}${attrs.join('')}>${inner}${close ? `</${tag}>` : ''}`),
  fc
    .tuple(fc.constantFrom(...HOSTILE_URLS), fc.string({ maxLength: 8 }))
    .chain(([url, text]) =>
      fc.constantFrom(
        `[${text}](${url})`,
        `[${text}](<${url}>)`,
        `![${text}](${url})`,
        `<${url}>`,
        `[${text}][r]\n\n[r]: ${url}`,
        `[${text}](${url} "t")`,
        url,
        `<a href="${url}">${text}</a>`,
        `<img src="${url}" alt="${text}">`,
      ),
    ),
  fc.constantFrom(
    '<scr<script>ipt>alert(1)</script>',
    '<script><script>alert(1)</script></script>',
    '<<script>script>alert(1)<</script>/script>',
    '<!--<script>alert(1)</script>-->',
    '<!-- --!><script>alert(1)</script>',
    '<![CDATA[<script>alert(1)</script>]]>',
    '<svg><script>alert(1)</script></svg>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<textarea><script>alert(1)</script></textarea>',
    '<xmp><script>alert(1)</script></xmp>',
    '<style>@import "javascript:alert(1)";</style>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<a href="https://ok.example"onclick=alert(1)>x</a>',
    '<img src=x:alert(alt) onerror=eval(src) alt=0>',
    '<img """><script>alert(1)</script>">',
    '<p <script>alert(1)</script>>',
    '<a href=javascript&colon;alert(1)>x</a>',
    '<iframe srcdoc="<script>alert(1)</script>">',
    '<object data="javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<form><button formaction=javascript:alert(1)>x</button></form>',
    '```\n<script>alert(1)</script>\n```',
    '`<script>alert(1)</script>`',
    '    <script>alert(1)</script>',
    '[^1]\n\n[^1]: <script>alert(1)</script>',
    '| a | b |\n|:--|--:|\n| <img src=x onerror=alert(1)> | x |',
    '\\<script>alert(1)\\</script>',
    '&lt;script&gt;alert(1)&lt;/script&gt;',
    '<details open ontoggle=alert(1)>',
    '<a href="#" id="x" class="footnote-ref" style="color:red">x</a>',
    '<td style="text-align:left;background:url(javascript:alert(1))">x</td>',
  ),
);

/** A document: hostile fragments and arbitrary text joined by Markdown-relevant separators. */
export const hostileDocument = fc
  .array(
    fc.tuple(fc.oneof(hostileFragment, anyText), fc.constantFrom('', ' ', '\n', '\n\n', '> ', '- ', '# ')),
    {
      minLength: 1,
      maxLength: 6,
    },
  )
  .map((parts) => parts.map(([f, sep]) => `${sep}${f}`).join(''));

/** URL-like strings: real URLs, URLs with hostile pieces, and arbitrary text. */
export const urlish = fc.oneof(
  fc.webUrl({ withFragments: true, withQueryParameters: true }),
  fc
    .tuple(
      fc.constantFrom(
        'http://',
        'https://',
        'HTTPS://',
        'ftp://',
        'javascript:',
        '//',
        '',
        'http:/',
        'https:',
      ),
      fc.constantFrom(
        'example.com',
        'EXAMPLE.com',
        '127.0.0.1',
        '[::1]',
        '[::ffff:127.0.0.1]',
        '10.0.0.1',
        '0x7f.1',
        '2130706433',
        'localhost',
        'a.localhost',
        'user:pass@example.com',
        'example.com:0',
        'example.com:99999',
        'exa mple.com',
        'xn--nxasmq6b.com',
        'bücher.example',
        '%65xample.com',
        '',
      ),
      fc.constantFrom(
        '',
        '/',
        '/./',
        '/../',
        '/%2e%2e/',
        '/%2E/',
        '/a/..',
        '/a?b#c',
        '#frag',
        '?q',
        '\\..\\',
        '/%',
      ),
      fc.string({ maxLength: 12 }),
    )
    .map((parts) => parts.join('')),
  anyText,
);
