/**
 * Settings in exports and imports: `settings.json` holds the public settings (keys under `site.`
 * and `author.` only: never the password hash, session or signing secrets, which live in the same
 * table under other keys), and the pictures they name travel in the export's media/ folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/open.js';
import { settingsStore } from '../db/store/settings.js';
import { resolveUnder } from '../lib/files.js';
import { writeMediaFile } from '../media/storage.js';
import { savedPictureSettings, settingsFiles } from './images.js';
import { isPublicSettingKey } from './schema.js';

/** The name of the settings file in an export. */
export const SETTINGS_FILE = 'settings.json';

/** What an import did with the settings of an export. */
export interface SettingsImportReport {
  imported: number;
  /** Keys the target had saved already (its owner's choice wins) or that were not valid. */
  skipped: number;
  files: number;
}

/** The document written to settings.json: the saved public settings, by key. */
export function exportSettings(db: Db): { settings: Record<string, string> } {
  const settings: Record<string, string> = {};
  for (const r of settingsStore(db).listPublicSettings()) {
    if (isPublicSettingKey(r.key)) settings[r.key] = r.value;
  }
  return { settings };
}

/**
 * Imports an export's settings.json (when there is one) into `db`: each public setting the
 * target has not saved yet, then the pictures those settings name, from `root`/media/.
 */
export async function importSettings(
  root: string,
  db: Db,
  mediaPath: string,
  now: Date,
): Promise<SettingsImportReport | undefined> {
  const path = join(root, SETTINGS_FILE);
  if (!existsSync(path)) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path} is not valid JSON`, { cause: err });
  }
  const given = (doc as { settings?: unknown })?.settings;
  const report: SettingsImportReport = { imported: 0, skipped: 0, files: 0 };
  if (!given || typeof given !== 'object') return report;
  const store = settingsStore(db);
  const entries: [string, string][] = [];
  for (const [key, value] of Object.entries(given as Record<string, unknown>)) {
    if (!isPublicSettingKey(key) || typeof value !== 'string' || value.length > 20_000) {
      report.skipped++;
      continue;
    }
    if (store.findSetting(key) !== undefined) {
      report.skipped++;
      continue;
    }
    entries.push([key, value]);
  }
  store.upsertSettings(entries, now.toISOString());
  report.imported = entries.length;
  report.files = await copySettingsPictures(join(root, 'media'), db, mediaPath);
  return report;
}

/**
 * Copies the pictures the settings now in force in `db` name from another media folder (an
 * export's, or a data directory's) into MEDIA_PATH, unless already there; returns how many.
 */
export async function copySettingsPictures(fromMedia: string, db: Db, mediaPath: string): Promise<number> {
  let copied = 0;
  for (const rel of settingsFiles(savedPictureSettings(db))) {
    let from: string;
    try {
      from = resolveUnder(fromMedia, rel);
    } catch {
      continue;
    }
    if (!existsSync(from) || existsSync(resolveUnder(mediaPath, rel))) continue;
    await writeMediaFile(mediaPath, rel, readFileSync(from));
    copied++;
  }
  return copied;
}
