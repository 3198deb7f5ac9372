import { describe, expect, test } from 'vitest';
import { activityPubSupport, wantsActivityJson } from './support.js';

describe('activityPubSupport', () => {
  test('is off before Node.js 22, naming the version it needs and the one running', () => {
    const s = activityPubSupport('20.19.0');
    expect(s.enabled).toBe(false);
    expect(s.enabled ? '' : s.reason).toBe(
      'ActivityPub is switched off: it needs Node.js 22 or later (Node.js 24 LTS recommended), and this is Node.js 20.19.0.',
    );
  });
  test('is on from Node.js 22', () => {
    expect(activityPubSupport('22.0.0')).toEqual({ enabled: true });
    expect(activityPubSupport('24.22.3')).toEqual({ enabled: true });
  });
});

describe('wantsActivityJson', () => {
  test('the two ActivityPub media types (ActivityPub §3.2), and nothing else', () => {
    expect(wantsActivityJson('application/activity+json')).toBe(true);
    expect(wantsActivityJson('application/ld+json; profile="https://www.w3.org/ns/activitystreams"')).toBe(
      true,
    );
    expect(wantsActivityJson('text/html, application/activity+json;q=0.9')).toBe(true);
    expect(wantsActivityJson('application/ld+json')).toBe(false);
    expect(wantsActivityJson('text/html,application/xhtml+xml,*/*;q=0.8')).toBe(false);
    expect(wantsActivityJson('application/json')).toBe(false);
    expect(wantsActivityJson(undefined)).toBe(false);
  });
});
