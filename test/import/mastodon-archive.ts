/**
 * A Mastodon account archive as Mastodon's BackupService writes it (app/services/backup_service.rb):
 * a zip holding outbox.json (written first, compact JSON), the account's media files under the path
 * of their address without `/system/`, likes.json, bookmarks.json, the avatar and header, and
 * actor.json (written last). The JSON comes from the fixtures in fixtures/mastodon/, built from
 * Mastodon's ActivityPub serializers (see its README); the pictures are tiny real JPEGs.
 */
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import yazl from 'yazl';

export const FIXTURES = join(import.meta.dirname, 'fixtures', 'mastodon');

/** The media files BackupService puts in the archive for the fixture account (m.file.path less `…/system/`). */
export const MEDIA_FILES: { name: string; width: number; height: number }[] = [
  {
    name: 'media_attachments/files/109/318/744/830/216/801/original/8c1f2a3b4d5e6f70.jpg',
    width: 64,
    height: 48,
  },
  {
    name: 'media_attachments/files/109/327/000/000/000/811/original/1a2b3c4d5e6f7081.jpg',
    width: 80,
    height: 60,
  },
  {
    name: 'media_attachments/files/109/327/000/000/000/812/original/9f8e7d6c5b4a3921.jpg',
    width: 48,
    height: 64,
  },
];
/** A video attachment: not a picture, so not imported. */
export const VIDEO_FILE = 'media_attachments/files/109/327/000/000/000/813/original/0a0b0c0d0e0f1011.mp4';

/** The fixture's JSON as a value. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
}

async function jpeg(width: number, height: number, hue: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: hue, g: 90, b: 200 - hue } } })
    .jpeg()
    .toBuffer();
}

/** What goes into the archive, in BackupService's order. */
export interface ArchiveContents {
  outbox?: string | Buffer;
  /** Leave these files out. */
  omit?: string[];
}

async function files(c: ArchiveContents): Promise<[string, Buffer][]> {
  const out: [string, Buffer][] = [];
  const json = (name: string) => Buffer.from(JSON.stringify(fixture(name)));
  out.push(['outbox.json', c.outbox === undefined ? json('outbox.json') : Buffer.from(c.outbox)]);
  for (const [i, m] of MEDIA_FILES.entries()) out.push([m.name, await jpeg(m.width, m.height, 80 + 40 * i)]);
  // Not a playable video: the reader never looks inside a file it does not import.
  out.push([VIDEO_FILE, Buffer.from('\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom', 'latin1')]);
  out.push(['likes.json', json('likes.json')]);
  out.push(['bookmarks.json', json('bookmarks.json')]);
  out.push(['avatar.jpg', await jpeg(32, 32, 10)]);
  out.push(['header.jpg', await jpeg(96, 32, 20)]);
  out.push(['actor.json', json('actor.json')]);
  return out.filter(([name]) => !c.omit?.includes(name));
}

/** Writes the archive as a zip at `path` (deflated, as rubyzip writes it). */
export async function writeArchiveZip(path: string, c: ArchiveContents = {}): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const [name, bytes] of await files(c)) zip.addBuffer(bytes, name, { compress: true });
  zip.end();
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(path);
    out.on('close', () => resolve());
    out.on('error', reject);
    zip.outputStream.pipe(out);
  });
  return path;
}

/** Writes the archive unpacked into `folder` (what unzipping the download gives). */
export async function writeArchiveFolder(folder: string, c: ArchiveContents = {}): Promise<string> {
  for (const [name, bytes] of await files(c)) {
    const full = join(folder, name);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, bytes);
  }
  return folder;
}
