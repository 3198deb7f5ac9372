import { spawnSync } from 'node:child_process';
import { buildApp } from '../../src/app.js';
import { openDatabase } from '../../src/db/open.js';
import { silentLogger } from '../../src/logger.js';
import { createNoteService } from '../../src/notes/service.js';
import type { Admin, SiteClient } from './admin.js';
import { postMultipart } from './admin.js';
import { hostsFetch, type TestApp } from './app.js';

/** Every text field of the settings form, as a person who changes nothing would post it. */
export const SETTINGS_FIELDS = [
  'site_name',
  'site_description',
  'language',
  'posts_per_page',
  'footer_text',
  'time_zone',
  'author_name',
  'author_url',
  'author_note',
  'rel_me',
  'social_image_url',
] as const;

/** The settings form's current values, read from the page like a browser would. */
export async function currentForm(t: SiteClient, admin: Admin): Promise<Record<string, string>> {
  const html = await (await t.get('/admin/settings', { Cookie: admin.cookie })).text();
  const out: Record<string, string> = {};
  const decode = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  for (const name of SETTINGS_FIELDS) {
    const input = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html);
    const area = new RegExp(`<textarea[^>]*name="${name}"[^>]*>([^<]*)</textarea>`).exec(html);
    const select = new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
    const chosen = select ? /<option value="([^"]*)" selected/.exec(select[1]!) : undefined;
    out[name] = decode(input?.[1] ?? area?.[1] ?? chosen?.[1] ?? '');
  }
  return out;
}

/** Posts the settings form: the current values with `changes` over them, plus any files. */
export async function saveSettings(
  t: SiteClient,
  admin: Admin,
  changes: Record<string, string>,
  files: Record<string, Buffer> = {},
): Promise<Response> {
  const form = new FormData();
  for (const [k, v] of Object.entries({ ...(await currentForm(t, admin)), ...changes })) form.set(k, v);
  for (const [k, bytes] of Object.entries(files)) {
    form.set(k, new File([new Uint8Array(bytes)], `${k}.png`, { type: 'image/png' }));
  }
  return postMultipart(t, admin, '/admin/settings', form);
}

/**
 * A second app on the same data directory, as after a restart (a new process, a new connection);
 * `hosts` as for createTestApp.
 */
export function restart(t: TestApp, options: { hosts?: Record<string, string> } = {}) {
  const db = openDatabase(t.config.databasePath);
  const logger = silentLogger();
  const notes = createNoteService({ db, notesPath: t.config.notesPath, clock: t.clock, logger });
  const app = buildApp({
    config: t.config,
    db,
    clock: t.clock,
    logger,
    version: '0.0.0-test',
    notes,
    secret: 'test-secret-test-secret-test-secret',
    ...(options.hosts ? { fetch: hostsFetch(options.hosts) } : {}),
  });
  return {
    app,
    get: (path: string, headers: Record<string, string> = {}) =>
      Promise.resolve(app.request(`http://example.test${path}`, { headers })),
    close: () => db.close(),
  };
}

/** The Python interpreter that has mf2py (the system one on Debian: python3-mf2py), or undefined. */
export const MF2PY_PYTHON = ['python3', '/usr/bin/python3'].find(
  (py) => spawnSync(py, ['-c', 'import mf2py'], { stdio: 'ignore' }).status === 0,
);

/** Parses HTML with Python's mf2py, as an IndieWeb reader written in Python would. */
export function parseWithMf2py(
  html: string,
  url: string,
): {
  items: { type: string[]; properties: Record<string, unknown[]>; children?: unknown[] }[];
  rels: Record<string, string[]>;
} {
  if (!MF2PY_PYTHON) throw new Error('mf2py is not installed');
  const r = spawnSync(
    MF2PY_PYTHON,
    [
      '-c',
      'import sys, json, mf2py; print(json.dumps(mf2py.parse(doc=sys.stdin.read(), url=sys.argv[1])))',
      url,
    ],
    { input: html, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`mf2py failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
