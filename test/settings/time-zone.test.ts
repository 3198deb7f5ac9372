import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromZonedInput, toZonedInput } from '../../src/settings/time-zone.js';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { saveSettings } from '../helpers/settings.js';

let t: TestApp;
let admin: Admin;
beforeEach(async () => {
  // A Saturday at noon UTC, the day before New York's clocks go back (2026-11-01 02:00 EDT → 01:00 EST).
  t = createTestApp({}, '2026-10-31T12:00:00.000Z');
  admin = await signIn(t);
});
afterEach(() => t.close());

/** Schedules a note through the real editor form; returns the saved note. */
async function schedule(content: string, when: string) {
  const res = await postForm(t, admin, '/admin/new', { content, status: 'schedule', publish_at: when });
  expect(res.status, await res.clone().text()).toBe(303);
  return t.notes.listForAdmin('scheduled', 50, 0).find((n) => n.contentHtml.includes(content))!;
}

describe('the site time zone and “Schedule for”', () => {
  it('America/New_York: entered on New York clocks, stored in UTC, public at that instant', async () => {
    expect((await saveSettings(t, admin, { time_zone: 'America/New_York' })).status).toBe(303);
    const editor = await (await t.get('/admin/new', { Cookie: admin.cookie })).text();
    expect(editor).toContain('Publication time, in America/New_York');
    // The proposed time (now + 1 h) is on New York clocks: 13:00 UTC is 09:00 EDT.
    expect(editor).toContain('value="2026-10-31T09:00"');

    const summer = await schedule('Still summer time', '2026-10-31T20:00');
    expect(summer.publishedAt.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    // The DST edge: 01:30 happens twice on 1 November; the first (EDT, UTC−4) is meant.
    const twice = await schedule('Clocks go back', '2026-11-01T01:30');
    expect(twice.publishedAt.toISOString()).toBe('2026-11-01T05:30:00.000Z');
    const winter = await schedule('Winter time', '2026-11-01T09:00');
    expect(winter.publishedAt.toISOString()).toBe('2026-11-01T14:00:00.000Z');

    // The editor shows the stored instant back on New York clocks.
    const edit = await (await t.get(`/admin/edit/${winter.id}`, { Cookie: admin.cookie })).text();
    expect(edit).toContain('value="2026-11-01T09:00"');

    // Not public a minute before, public at the instant, dated in New York time on the page.
    t.clock.set('2026-11-01T13:59:00.000Z');
    expect((await t.get(`/notes/${winter.slug}`)).status).toBe(404);
    t.clock.set('2026-11-01T14:00:00.000Z');
    const page = await t.get(`/notes/${winter.slug}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('datetime="2026-11-01T14:00:00.000Z"');
    expect(html).toContain('1 Nov 2026, 09:00 GMT-5');
    // Feeds keep exact instants.
    const atom = await (await t.get('/feed.atom')).text();
    expect(atom).toContain('2026-11-01T14:00:00');
  });

  it('Asia/Kolkata (UTC+5:30, no DST): 09:00 on Kolkata clocks is 03:30 UTC', async () => {
    expect((await saveSettings(t, admin, { time_zone: 'Asia/Kolkata' })).status).toBe(303);
    const note = await schedule('Morning in Kolkata', '2026-11-02T09:00');
    expect(note.publishedAt.toISOString()).toBe('2026-11-02T03:30:00.000Z');
    t.clock.set('2026-11-02T03:29:59.000Z');
    expect((await t.get(`/notes/${note.slug}`)).status).toBe(404);
    t.clock.set('2026-11-02T03:30:00.000Z');
    const html = await (await t.get(`/notes/${note.slug}`)).text();
    expect(html).toContain('2 Nov 2026, 09:00 GMT+5:30');
    const dashboard = await (await t.get('/admin', { Cookie: admin.cookie })).text();
    expect(dashboard).toContain('2 Nov 2026, 09:00 GMT+5:30');
  });

  it('refuses a time that is not one, and one already past on the site clocks', async () => {
    await saveSettings(t, admin, { time_zone: 'Asia/Kolkata' });
    const bad = await postForm(t, admin, '/admin/new', {
      content: 'x',
      status: 'schedule',
      publish_at: '2026-02-30T09:00',
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Give the date and time to publish at.');
    // 17:00 in Kolkata is 11:30 UTC: before "now" (12:00 UTC), though 17:00 UTC would not be.
    const past = await postForm(t, admin, '/admin/new', {
      content: 'x',
      status: 'schedule',
      publish_at: '2026-10-31T17:00',
    });
    expect(past.status).toBe(400);
    expect(await past.text()).toContain('The scheduled time is in the past');
  });

  it('converts both ways around the spring-forward gap and the fall-back overlap', () => {
    // 02:30 does not exist in New York on 8 March 2026: the clocks show 03:30 EDT then.
    expect(fromZonedInput('2026-03-08T02:30', 'America/New_York')?.toISOString()).toBe(
      '2026-03-08T07:30:00.000Z',
    );
    expect(fromZonedInput('2026-03-08T01:59', 'America/New_York')?.toISOString()).toBe(
      '2026-03-08T06:59:00.000Z',
    );
    expect(fromZonedInput('2026-03-08T03:00', 'America/New_York')?.toISOString()).toBe(
      '2026-03-08T07:00:00.000Z',
    );
    expect(toZonedInput(new Date('2026-11-01T06:30:00Z'), 'America/New_York')).toBe('2026-11-01T01:30');
    expect(toZonedInput(new Date('2026-11-01T05:30:00Z'), 'America/New_York')).toBe('2026-11-01T01:30');
    expect(fromZonedInput('2026-06-01T00:00', 'UTC')?.toISOString()).toBe('2026-06-01T00:00:00.000Z');
    expect(fromZonedInput('nonsense', 'UTC')).toBeUndefined();
  });
});
