import { describe, expect, it } from 'vitest';
import { formerAddressKey, formerAddressKeyOfUrl } from './former-address.js';

describe('formerAddressKey', () => {
  it('drops the trailing slash and keeps the root', () => {
    expect(formerAddressKey('/2010/05/09/post-format-aside/')).toBe('/2010/05/09/post-format-aside');
    expect(formerAddressKey('/')).toBe('/');
  });
  it('reads /index.php as the root and sorts the query', () => {
    expect(formerAddressKey('/index.php', '?p=12')).toBe('/?p=12');
    expect(formerAddressKey('/', '?b=2&a=1')).toBe('/?a=1&b=2');
  });
  it('decodes percent escapes so both spellings of a Unicode slug meet', () => {
    const encoded = formerAddressKeyOfUrl(
      'https://example.com/greek/%ce%b5%cf%80%ce%af%cf%80%ce%b5%ce%b4%ce%bf-2/',
    );
    expect(encoded).toBe('/greek/επίπεδο-2');
    expect(formerAddressKeyOfUrl('https://example.com/greek/επίπεδο-2')).toBe(encoded);
  });
  it('refuses what is not an http(s) URL', () => {
    expect(formerAddressKeyOfUrl('mailto:a@example.com')).toBeUndefined();
    expect(formerAddressKeyOfUrl('not a url')).toBeUndefined();
  });
});
