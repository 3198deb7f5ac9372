/**
 * What an upload to the media library is about to write, recorded before its first file as
 * MEDIA_PATH/.uploads/<uuid>.json (a dot folder: never served, never archived). The upload then
 * writes its files, commits its row and removes the record. A record left behind is the proof
 * that its files belong to an upload a crash interrupted: start-up removes the files of those
 * whose row never committed, and nothing else. (Recovery once deleted every file without a media
 * row, the owner's settings pictures among them: issue 20.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { removeMediaFile, writeMediaFile } from './storage.js';

/** The folder under MEDIA_PATH holding the records of uploads under way. */
export const UPLOADS_FOLDER = '.uploads';

/** One upload under way, as recorded. */
export interface UploadIntent {
  /** Path of the main file under MEDIA_PATH: the media row that commits the upload names it. */
  main: string;
  /** Every file the upload writes (main file first). */
  files: string[];
  /** The writing process, so a start-up never undoes the upload of a process still running. */
  pid: number;
  host: string;
}

/** A record found under MEDIA_PATH/.uploads/ (intent undefined when it cannot be read). */
export interface FoundIntent {
  /** Its own path under MEDIA_PATH. */
  record: string;
  intent: UploadIntent | undefined;
}

/** The record of upload `uuid`, relative to MEDIA_PATH. */
export function uploadIntentPath(uuid: string): string {
  return `${UPLOADS_FOLDER}/${uuid}.json`;
}

/** Records (durably: fsynced) that upload `uuid` is about to write `files`; `files[0]` is the main one. */
export async function recordUploadIntent(mediaPath: string, uuid: string, files: string[]): Promise<void> {
  const intent: UploadIntent = { main: files[0]!, files, pid: process.pid, host: hostname() };
  await writeMediaFile(mediaPath, uploadIntentPath(uuid), Buffer.from(JSON.stringify(intent), 'utf8'));
}

/** Removes the record of upload `uuid` (its row committed, or its files were removed again). */
export function clearUploadIntent(mediaPath: string, uuid: string): void {
  removeMediaFile(mediaPath, uploadIntentPath(uuid));
}

function parseIntent(text: string): UploadIntent | undefined {
  try {
    const v = JSON.parse(text) as Partial<UploadIntent>;
    const files = Array.isArray(v.files) ? v.files.filter((f): f is string => typeof f === 'string') : [];
    if (typeof v.main !== 'string' || files.length === 0 || files[0] !== v.main) return undefined;
    return {
      main: v.main,
      files,
      pid: typeof v.pid === 'number' ? v.pid : 0,
      host: typeof v.host === 'string' ? v.host : '',
    };
  } catch {
    return undefined;
  }
}

/** The upload records under MEDIA_PATH/.uploads/ (temp files of a record being written are left out). */
export function readUploadIntents(mediaPath: string): FoundIntent[] {
  let names: string[];
  try {
    names = readdirSync(join(mediaPath, UPLOADS_FOLDER));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: FoundIntent[] = [];
  for (const name of names.sort()) {
    if (!/^[0-9a-f-]{36}\.json$/.test(name)) continue;
    const record = `${UPLOADS_FOLDER}/${name}`;
    let text: string;
    try {
      text = readFileSync(join(mediaPath, record), 'utf8');
    } catch {
      continue;
    }
    out.push({ record, intent: parseIntent(text) });
  }
  return out;
}

/** Whether the process that recorded `intent` is another one, still running on this machine. */
export function isRunningElsewhere(intent: UploadIntent): boolean {
  if (intent.host !== hostname() || intent.pid === process.pid || intent.pid <= 0) return false;
  try {
    process.kill(intent.pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else (not a StarPunk of ours, but alive all the same).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
