import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { importNotes } from '../ops/import.js';
import { EXIT, type Io } from './context.js';
import { withSiteDatabase } from './site-database.js';

const USAGE = 'usage: starpunk import <path>   (a StarPunk data directory, or a folder of Markdown files)\n';

/** `starpunk import <path>`: import notes from a StarPunk data directory or a Markdown folder, idempotently. */
export async function importCommand(args: string[], io: Io): Promise<number> {
  let source: string;
  try {
    const parsed = parseArgs({ args, options: {}, allowPositionals: true, strict: true });
    if (parsed.positionals.length !== 1) throw new Error('exactly one path is needed');
    source = resolve(io.cwd, parsed.positionals[0]!);
  } catch (err) {
    io.stderr(`starpunk import: ${(err as Error).message}\n${USAGE}`);
    return EXIT.failure;
  }
  return withSiteDatabase(io, { command: 'import', ensureDirs: true }, async ({ config, db }) => {
    const r = await importNotes({
      source,
      db,
      databasePath: config.databasePath,
      notesPath: config.notesPath,
      mediaPath: config.mediaPath,
    });
    for (const l of [...r.mediaLines, ...r.lines]) {
      if (l.outcome === 'failed') io.stdout(`failed    ${l.source}: ${l.detail ?? 'unknown error'}\n`);
      else if (l.detail && l.outcome === 'imported') io.stdout(`imported  ${l.source}: ${l.detail}\n`);
    }
    const kind = r.kind === 'markdown-folder' ? 'Markdown folder' : 'StarPunk data directory';
    io.stdout(
      `${kind} ${source}: imported ${r.imported}, skipped ${r.skipped}, failed ${r.failed}` +
        ` (media files: copied ${r.media.copied}, skipped ${r.media.skipped}, failed ${r.media.failed})\n`,
    );
    if (r.settings) {
      const st = r.settings;
      io.stdout(`settings: imported ${st.imported}, kept as they were ${st.skipped}, pictures ${st.files}\n`);
    }
    for (const l of r.formerSlugs.lines) io.stdout(`not kept  ${l.source}: ${l.detail ?? ''}\n`);
    if (r.formerSlugs.kept > 0) io.stdout(`former addresses: kept ${r.formerSlugs.kept}\n`);
    if (r.replyContexts) {
      const c = r.replyContexts;
      for (const l of c.lines)
        if (l.outcome === 'failed')
          io.stdout(`failed    reply context ${l.source}: ${l.detail ?? 'unknown error'}\n`);
      io.stdout(`reply contexts: imported ${c.imported}, skipped ${c.skipped}, failed ${c.failed}\n`);
    }
    if (r.webmentions) {
      const w = r.webmentions;
      for (const l of w.lines)
        if (l.outcome === 'failed')
          io.stdout(`failed    webmention ${l.source}: ${l.detail ?? 'unknown error'}\n`);
      io.stdout(`received webmentions: imported ${w.imported}, skipped ${w.skipped}, failed ${w.failed}\n`);
    }
    return r.failed + r.media.failed === 0 ? EXIT.ok : EXIT.failure;
  });
}
