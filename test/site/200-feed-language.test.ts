/**
 * Issue 20 defect 5 (feeds): the language the owner saves in Settings is the feeds' language, in
 * RSS `<language>`, Atom `xml:lang` and JSON Feed `language`, as it is the pages' `<html lang>`;
 * saving another one changes all three at once (no feed built under the old settings is served).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { saveSettings } from '../helpers/settings.js';

let t: TestApp;
let admin: Admin;
beforeEach(async () => {
  t = createTestApp();
  t.notes.createNote({ content: 'Ein Eintrag' });
  admin = await signIn(t);
});
afterEach(() => t.close());

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

/** The language each feed declares, after checking each is well-formed. */
async function languages(): Promise<{ rss: string; atom: string; json: string }> {
  const rss = await (await t.get('/feed.rss')).text();
  const atom = await (await t.get('/feed.atom')).text();
  const json = await (await t.get('/feed.json')).text();
  expect(XMLValidator.validate(rss)).toBe(true);
  expect(XMLValidator.validate(atom)).toBe(true);
  return {
    rss: (parser.parse(rss) as { rss: { channel: { language: string } } }).rss.channel.language,
    atom: (parser.parse(atom) as { feed: Record<string, string> }).feed['xml:lang']!,
    json: (JSON.parse(json) as { language: string }).language,
  };
}

describe('feeds follow the language setting', () => {
  it('declare the saved language in RSS, Atom and JSON Feed, and follow a change', async () => {
    expect(await languages()).toEqual({ rss: 'en', atom: 'en', json: 'en' });

    expect((await saveSettings(t, admin, { language: 'de-AT' })).status).toBe(303);
    // The pages already said so; the feeds now say the same.
    expect(await (await t.get('/')).text()).toContain('<html lang="de-AT">');
    expect(await languages()).toEqual({ rss: 'de-AT', atom: 'de-AT', json: 'de-AT' });

    expect((await saveSettings(t, admin, { language: 'pt-BR' })).status).toBe(303);
    expect(await languages()).toEqual({ rss: 'pt-BR', atom: 'pt-BR', json: 'pt-BR' });
  });
});
