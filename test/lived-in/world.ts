/**
 * What every part of the lived-in test works with: the site, its neighbour, the services it
 * copies to, a signed-in Chromium, and the addresses earlier parts made.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { photoLike } from '../helpers/images.js';
import type { Mastodon, Pds } from './fakes.js';
import type { Site } from './harness.js';
import type { Recorder, Recording } from './record.js';

/** The world a part builds in. */
export interface World {
  /** A temporary folder for everything the run makes (removed afterwards). */
  root: string;
  /** The lived-in site. After the restore step, the restored one (the owner moved machines). */
  site: Site;
  /** Another StarPunk on loopback: the other end of every Webmention. */
  partner: Site;
  mastodon: Mastodon;
  pds: Pds;
  browser: Browser;
  /** A Chromium tab signed in to the site's admin. */
  page: Page;
  /** The site's Micropub token (`starpunk token create`, scope create update delete media). */
  token: string;
  /** The partner's Micropub token. */
  partnerToken: string;
  /** Addresses and ids parts made, by name (e.g. made.firstNote = '/notes/…'). */
  made: Record<string, string>;
}

/**
 * One feature's share of the lived-in site. `build` makes things through public interfaces only
 * (the admin in Chromium or over HTTP, Micropub, Webmention, the CLI); `snapshot` names what to
 * record (addresses are crawled: whatever they link to is recorded too); `check` states facts that
 * must hold in every record of the site, after every step.
 */
export interface Part {
  name: string;
  build(w: World): Promise<void>;
  snapshot?(w: World, r: Recorder): Promise<void> | void;
  check?(rec: Recording, w: World): void;
}

/** Writes a photograph-like picture (`width`×`height`, JPEG or PNG) and returns its path. */
export async function picture(w: World, name: string, width: number, height: number): Promise<string> {
  const img = photoLike(width, height);
  const bytes = name.endsWith('.png')
    ? await img.png().toBuffer()
    : await img.jpeg({ quality: 85 }).toBuffer();
  const path = join(w.root, name);
  writeFileSync(path, bytes);
  return path;
}

/** Opens an admin address in the signed-in tab and fails on an error answer. */
export async function open(w: World, path: string): Promise<Page> {
  const res = await w.page.goto(w.site.url(path));
  if (!res || res.status() >= 400) throw new Error(`${path} answered ${res?.status()}`);
  return w.page;
}

/** Clicks a submit button and waits for the page it leads to (`until` names it). */
export async function submit(w: World, button: string, until: (u: URL) => boolean): Promise<void> {
  await Promise.all([
    w.page.waitForURL(until),
    w.page.getByRole('button', { name: button, exact: true }).click(),
  ]);
}

/** The body of a recorded public answer ('' when absent). */
export function bodyOf(rec: Recording, path: string): string {
  return rec.page(path)?.body ?? '';
}

/** Every public HTML answer of a record, as [path, html]. */
export function htmlPages(rec: Recording): [string, string][] {
  return rec
    .pages(() => true)
    .filter(([, a]) => a.type.startsWith('text/html'))
    .map(([k, a]) => [k.slice(4), a.body]);
}
