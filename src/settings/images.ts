/**
 * The pictures the settings hold: the author's photo (cropped square, several sizes), the site
 * icon (favicon, touch and app icons) and the default social image. Files live under
 * MEDIA_PATH/site/, named by a hash of the upload, so a new picture never overwrites one a cache
 * may still hold.
 */

import sharp from 'sharp';
import type { Db } from '../db/open.js';
import { settingsStore } from '../db/store/settings.js';
import { AppError } from '../lib/errors.js';
import { hashBytes } from '../lib/files.js';
import { sniffImage } from '../media/image.js';
import type { MediaFileOwner, NamedFile } from '../media/owners.js';
import { writeMediaFile } from '../media/storage.js';
import { SETTING_KEYS } from './schema.js';

/** Square sizes of the author's photo; the largest is the one the settings name. */
export const PHOTO_SIZES = [96, 192, 512] as const;
/** PNG sizes of the site icon: favicon, Apple touch icon, web app icons. */
export const ICON_SIZES = [32, 180, 192, 512] as const;

/** The site path of the author's photo at `size`, from the path the settings hold (others as they are). */
export function authorPhotoAt(photo: string, size: number): string {
  return /\/media\/site\/author-[a-f0-9]+-512\.jpg$/.test(photo)
    ? photo.replace(/-512\.jpg$/, `-${size}.jpg`)
    : photo;
}

async function writeOnce(mediaPath: string, rel: string, bytes: Buffer): Promise<void> {
  try {
    await writeMediaFile(mediaPath, rel, bytes);
  } catch (err) {
    // The same picture uploaded again: its files are already there, byte for byte.
    if (!(err instanceof AppError && err.code === 'conflict')) throw err;
  }
}

async function square(bytes: Buffer, size: number, format: 'jpeg' | 'png'): Promise<Buffer> {
  const img = sharp(bytes, { limitInputPixels: false }).rotate().resize(size, size, {
    fit: 'cover',
    position: 'attention',
  });
  return format === 'jpeg'
    ? img.flatten({ background: '#ffffff' }).jpeg({ quality: 85, mozjpeg: true }).toBuffer()
    : img.png().toBuffer();
}

/** Crops an uploaded photo square and stores it in every size; returns the largest's site path. */
export async function saveAuthorPhoto(mediaPath: string, bytes: Buffer): Promise<string> {
  await sniffImage(bytes);
  const id = hashBytes(bytes).slice(0, 16);
  for (const size of PHOTO_SIZES) {
    await writeOnce(mediaPath, `site/author-${id}-${size}.jpg`, await square(bytes, size, 'jpeg'));
  }
  return `/media/site/author-${id}-512.jpg`;
}

/** The path under MEDIA_PATH of one icon file (`size` 'ico' for the favicon.ico). */
export function iconFile(id: string, size: number | 'ico'): string {
  return size === 'ico' ? `site/icon-${id}.ico` : `site/icon-${id}-${size}.png`;
}

/**
 * An .ico file holding one PNG image: the ICONDIR header, one ICONDIRENTRY, then the PNG bytes
 * (PNG inside ICO is read by every browser since Windows Vista's format change).
 */
function icoOf(png: Buffer, size: number): Buffer {
  const head = Buffer.alloc(22);
  head.writeUInt16LE(0, 0);
  head.writeUInt16LE(1, 2); // type: icon
  head.writeUInt16LE(1, 4); // one image
  head.writeUInt8(size >= 256 ? 0 : size, 6);
  head.writeUInt8(size >= 256 ? 0 : size, 7);
  head.writeUInt8(0, 8); // no palette
  head.writeUInt8(0, 9);
  head.writeUInt16LE(1, 10); // colour planes
  head.writeUInt16LE(32, 12); // bits per pixel
  head.writeUInt32LE(png.length, 14);
  head.writeUInt32LE(22, 18); // the image starts right after this header
  return Buffer.concat([head, png]);
}

/** Makes the site icon in every size (and favicon.ico) from an upload; returns the id naming them. */
export async function saveSiteIcon(mediaPath: string, bytes: Buffer): Promise<string> {
  await sniffImage(bytes);
  const id = hashBytes(bytes).slice(0, 16);
  for (const size of ICON_SIZES) {
    const png = await square(bytes, size, 'png');
    await writeOnce(mediaPath, iconFile(id, size), png);
    if (size === 32) await writeOnce(mediaPath, iconFile(id, 'ico'), icoOf(png, 32));
  }
  return id;
}

/** Stores the default social image at 1200×630 (what link previews show); returns its site path. */
export async function saveSocialImage(mediaPath: string, bytes: Buffer): Promise<string> {
  await sniffImage(bytes);
  const id = hashBytes(bytes).slice(0, 16);
  const out = await sharp(bytes, { limitInputPixels: false })
    .rotate()
    .resize(1200, 630, { fit: 'cover', position: 'attention' })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 85, mozjpeg: true })
    .toBuffer();
  await writeOnce(mediaPath, `site/social-${id}.jpg`, out);
  return `/media/site/social-${id}.jpg`;
}

/** The values of the settings that name pictures (as stored: site paths and the icon's id). */
export interface PictureSettings {
  authorPhoto?: string;
  icon?: string;
  socialImage?: string;
}

/** The files under MEDIA_PATH that these settings name, each with what it is. */
export function settingsPictures(values: PictureSettings): NamedFile[] {
  const files: NamedFile[] = [];
  const photo = values.authorPhoto ?? '';
  if (/^\/media\/site\/author-[a-f0-9]+-512\.jpg$/.test(photo)) {
    for (const size of PHOTO_SIZES) {
      files.push({
        path: authorPhotoAt(photo, size).slice('/media/'.length),
        what: `the author photo (${size} px)`,
      });
    }
  }
  if (values.icon && /^[a-f0-9]{8,64}$/.test(values.icon)) {
    for (const size of ICON_SIZES)
      files.push({ path: iconFile(values.icon, size), what: `the site icon (${size} px)` });
    files.push({ path: iconFile(values.icon, 'ico'), what: 'the site icon (favicon.ico)' });
  }
  const social = values.socialImage ?? '';
  if (/^\/media\/site\/social-[a-f0-9]+\.jpg$/.test(social))
    files.push({ path: social.slice('/media/'.length), what: 'the default social image' });
  return files;
}

/** The files under MEDIA_PATH that settings refer to (for import). */
export function settingsFiles(values: PictureSettings): string[] {
  return settingsPictures(values).map((f) => f.path);
}

/** The picture settings saved in `db`. */
export function savedPictureSettings(db: Db): PictureSettings {
  const store = settingsStore(db);
  return {
    authorPhoto: store.findSetting(SETTING_KEYS.authorPhoto),
    icon: store.findSetting(SETTING_KEYS.icon),
    socialImage: store.findSetting(SETTING_KEYS.socialImage),
  };
}

/** The names this module gives files: site/author-*, site/icon-*, site/social-* (see above). */
const PICTURE_NAME =
  /^site\/(author-[a-f0-9]+-\d+\.jpg|icon-[a-f0-9]+(-\d+\.png|\.ico)|social-[a-f0-9]+\.jpg)$/;

/**
 * The settings as an owner of files under MEDIA_PATH: the pictures the saved settings name, and
 * earlier pictures the owner replaced or removed, which are kept (the owner uploaded them, and a
 * page or feed reader may still hold their address).
 */
export const settingsPicturesOwner: MediaFileOwner = {
  name: 'settings pictures',
  named: (db) => settingsPictures(savedPictureSettings(db)),
  claims: (rel) => PICTURE_NAME.test(rel),
  keepsUnnamed: true,
};
