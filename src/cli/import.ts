import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import { buildApp } from '../app.js';
import { fixedClock } from '../clock.js';
import type { Config } from '../config.js';
import type { Db } from '../db/open.js';
import { type ImportFormat, ImportSourceError } from '../import/contract.js';
import { type ImportReport, runImport } from '../import/engine.js';
import { detectFormat, FORMATS, formatNamed } from '../import/formats.js';
import { describeReport, reportLines } from '../import/report.js';
import { loadSiteKeys, sealedSecrets } from '../keys/site-keys.js';
import { silentLogger } from '../logger.js';
import { importNotes } from '../ops/import.js';
import { userAgent, withUserAgent } from '../outbound/policy.js';
import { createSafeFetch } from '../outbound/safe-fetch.js';
import { appVersion } from '../version.js';
import { configFromIo, EXIT, type Io, resolveSessionSecret } from './context.js';
import { withSiteDatabase } from './site-database.js';

const FROM = ['starpunk', 'markdown', ...FORMATS.map((f) => f.name)];

/** The choices the formats offer (`--mastodon-visibility keep`), with the format offering each. */
const CHOICES = FORMATS.flatMap((f) => (f.choices ?? []).map((c) => ({ ...c, format: f })));

/** A usage line per choice, wrapped. */
const choiceUsage = CHOICES.map((c) => {
  const head = `  --${c.name} ${c.values.join('|')}`;
  const words = c.help.split(' ');
  const lines: string[] = [];
  let lineNow = '';
  for (const w of words) {
    if (lineNow && lineNow.length + w.length + 1 > 80) {
      lines.push(lineNow);
      lineNow = w;
    } else lineNow = lineNow ? `${lineNow} ${w}` : w;
  }
  if (lineNow) lines.push(lineNow);
  return `${head}\n${lines.map((l) => `                  ${l}`).join('\n')}\n`;
}).join('');

const USAGE = `usage: starpunk import <file | folder | URL> [options]
  a WordPress export (WXR), a Mastodon account archive (the zip, or the folder it unpacks to),
  a feed (RSS, Atom, JSON Feed, h-feed; its pages are followed),
  the folder of a Jekyll, Hugo, Eleventy or Indiekit site,
  a StarPunk data directory or export, or a folder of Markdown files
  --from NAME     the format, when it cannot be told from the file (${FROM.join(', ')})
  --media DIR     where the export's pictures are (WordPress: a copy of wp-content/uploads)
  --site URL      the old site's address, when its files do not say it (Eleventy) or say it wrongly
  --no-fetch      never fetch pictures from the old site (only --media is read)
  --dry-run       read everything and report what would happen; write nothing
  --announce      send Webmentions, syndication and WebSub pings for the imported notes
                  (by default an import tells no one)
${choiceUsage}`;

/** `starpunk import <source>`: bring a site in (see USAGE); importing twice creates nothing new. */
export async function importCommand(args: string[], io: Io): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    io.stderr(`starpunk import: ${(err as Error).message}\n${USAGE}`);
    return EXIT.failure;
  }
  const { positionals, values } = parsed;
  const raw = positionals[0]!;
  const isUrl = /^https?:\/\//i.test(raw);
  const source = isUrl ? raw : resolve(io.cwd, raw);
  const from = values.from;
  if (from !== undefined && !FROM.includes(from)) {
    io.stderr(`starpunk import: unknown format "${from}" (known: ${FROM.join(', ')})\n`);
    return EXIT.failure;
  }
  if (!isUrl && !existsSync(source)) {
    io.stderr(`starpunk import: nothing to import at ${source}\n`);
    return EXIT.failure;
  }
  const legacy =
    from === 'starpunk' ||
    from === 'markdown' ||
    (!isUrl &&
      from === undefined &&
      ((statSync(source).isDirectory() && !detectFormat(source)) || /\.(db|sqlite3?)$/i.test(source)));
  if (legacy) {
    if (
      values['dry-run'] ||
      values.announce ||
      values.media ||
      values.site ||
      CHOICES.some((c) => c.name in values)
    ) {
      io.stderr(
        'starpunk import: --dry-run, --announce, --media and --site apply to exports of other platforms, not to a StarPunk data directory or a Markdown folder\n',
      );
      return EXIT.failure;
    }
    return importStarPunk(source, io);
  }

  const config = configFromIo(io);
  if (!config) return EXIT.config;
  const fetch = withUserAgent(
    createSafeFetch({ allowedPrivateAddresses: config.allowedPrivateAddresses }),
    userAgent(appVersion(), 'import', config.siteUrl),
  );
  let file = source;
  let scratch: string | undefined;
  try {
    if (isUrl) {
      scratch = mkdtempSync(join(tmpdir(), 'starpunk-import-'));
      file = join(scratch, 'source');
      const res = await fetch(source, { signal: AbortSignal.timeout(10 * 60_000) });
      if (!res.ok || !res.body) {
        io.stderr(`starpunk import: ${source} answered ${res.status}\n`);
        return EXIT.failure;
      }
      await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(file));
    }
    let format: ImportFormat | undefined;
    if (from !== undefined) format = formatNamed(from);
    else format = detectFormat(file);
    if (!format) {
      io.stderr(
        `starpunk import: cannot tell what ${source} is; name its format with --from (${FROM.join(', ')})\n`,
      );
      return EXIT.failure;
    }
    const chosen = format;
    const siteUrl = values.site;
    if (siteUrl !== undefined && !/^https?:\/\/[^/\s]+/i.test(siteUrl)) {
      io.stderr(`starpunk import: --site wants the old site's address (https://…), not "${siteUrl}"\n`);
      return EXIT.failure;
    }
    const choices: Record<string, string> = {};
    for (const c of CHOICES) {
      const v = (values as Record<string, unknown>)[c.name];
      if (typeof v !== 'string') continue;
      if (c.format !== chosen) {
        io.stderr(`starpunk import: --${c.name} applies to a ${c.format.title}, not to a ${chosen.title}\n`);
        return EXIT.failure;
      }
      if (!c.values.includes(v)) {
        io.stderr(`starpunk import: --${c.name} must be one of ${c.values.join(', ')}\n`);
        return EXIT.failure;
      }
      choices[c.name] = v;
    }
    const mediaFolder = values.media ? resolve(io.cwd, values.media) : undefined;
    if (mediaFolder && !existsSync(mediaFolder)) {
      io.stderr(`starpunk import: no folder at ${mediaFolder} (--media)\n`);
      return EXIT.failure;
    }
    return await withSiteDatabase(io, { command: 'import', ensureDirs: true }, async ({ config: c, db }) => {
      const app = siteFor(c, db);
      const clock = app.clock;
      const reader = chosen.open(file, {
        ...(mediaFolder ? { mediaFolder } : {}),
        ...(isUrl ? { sourceUrl: source } : {}),
        ...(siteUrl ? { siteUrl } : {}),
        ...(values['no-fetch'] ? {} : { fetch }),
        ...(Object.keys(choices).length > 0 ? { choices } : {}),
      });
      const progress = progressPrinter(io);
      let report: ImportReport;
      try {
        report = await runImport(
          reader,
          {
            db,
            notes: app.services.notes,
            media: app.services.media,
            pages: app.services.pages,
            siteUrl: c.siteUrl,
            mediaPath: c.mediaPath,
            clock,
            ...(values['no-fetch'] ? {} : { fetch }),
          },
          {
            dryRun: values['dry-run'] === true,
            announce: values.announce === true,
            ...(mediaFolder ? { mediaFolder } : {}),
            onProgress: progress.update,
          },
        );
      } catch (err) {
        progress.end();
        if (err instanceof ImportSourceError) {
          io.stderr(`starpunk import: ${err.message}\nnothing was imported: the site is as it was\n`);
          return EXIT.failure;
        }
        throw err;
      } finally {
        await app.services.notes.settle();
      }
      progress.end();
      printReport(io, chosen, source, report);
      return report.failed === 0 ? EXIT.ok : EXIT.failure;
    });
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

function parse(args: string[]) {
  const parsed = parseArgs({
    args,
    options: {
      from: { type: 'string' },
      media: { type: 'string' },
      site: { type: 'string' },
      'no-fetch': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      announce: { type: 'boolean' },
      ...Object.fromEntries(CHOICES.map((c) => [c.name, { type: 'string' as const }])),
    },
    allowPositionals: true,
    strict: true,
  });
  if (parsed.positionals.length !== 1) throw new Error('exactly one file, folder or URL is needed');
  return parsed;
}

/**
 * The site's services as `serve` builds them, over this command's connection and a clock the
 * engine sets to each item's date: with the background features' listeners, so that `--announce`
 * queues exactly what a note written in the admin would (the running server's runner sends it).
 */
function siteFor(config: Config, db: Db) {
  const clock = fixedClock(new Date());
  const secret = resolveSessionSecret(config);
  const keys = loadSiteKeys({
    dataPath: config.dataPath,
    sessionSecret: () => secret,
    sealed: sealedSecrets(db),
  }).keys;
  const app = buildApp({ config, db, clock, logger: silentLogger(), version: appVersion(), secret, keys });
  return Object.assign(app, { clock });
}

/** A progress line on a terminal (rewritten in place); nothing when the output is a file or a pipe. */
function progressPrinter(io: Io) {
  let shown = false;
  let last = 0;
  return {
    update(p: { read: number; imported: number; skipped: number; failed: number }) {
      if (!io.tty) return;
      const t = Date.now();
      if (t - last < 100) return;
      last = t;
      shown = true;
      io.stderr(`\r… read ${p.read}: imported ${p.imported}, skipped ${p.skipped}, failed ${p.failed}   `);
    },
    end() {
      if (shown) io.stderr('\r\u001b[K');
      shown = false;
    },
  };
}

function printReport(io: Io, format: ImportFormat, source: string, r: ImportReport): void {
  for (const line of reportLines(describeReport(r, format.title, source))) io.stdout(`${line}\n`);
}

/** The StarPunk data directory / Markdown folder import (src/ops/import.ts), as before. */
async function importStarPunk(source: string, io: Io): Promise<number> {
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
