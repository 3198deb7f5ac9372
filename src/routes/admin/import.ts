import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Config } from '../../config.js';
import { capRequestBody } from '../../http/body-limit.js';
import type { SessionVars } from '../../http/session.js';
import type { ImportJobResult, ImportStatus, Imports } from '../../import/feature.js';
import { describeReport } from '../../import/report.js';
import { isImportId, TooLargeError } from '../../import/staging.js';
import { AppError } from '../../lib/errors.js';
import {
  type ImportView,
  progressText,
  renderImportForm,
  renderImportStatus,
} from '../../views/admin/import.js';
import { type AdminFrameDeps, adminFrame } from './frame.js';

/** Dependencies of the Import screen. */
export interface ImportAdminDeps {
  site: AdminFrameDeps['site'];
  config: Config;
  imports: Imports;
}

type Ctx = Context<{ Variables: SessionVars }>;

const FLASH: Record<string, string> = {
  discarded: 'The file was thrown away; nothing was imported.',
};

/** What the upload form sent. */
interface ImportForm {
  from: string;
  url: string;
  dryRun: boolean;
  announce: boolean;
  /** The staged upload's id and file name, when a file came. */
  file?: { id: string; name: string };
}

/**
 * Admin → Import: the form (an upload streamed to disk, or a feed address), then each import's
 * page with its progress and report. Paths are relative to the admin sub-app, whose guard covers
 * them (the upload's CSRF token comes in its query: guard.ts STREAMED_UPLOADS).
 */
export function importAdminRoutes(deps: ImportAdminDeps): Hono<{ Variables: SessionVars }> {
  const app = new Hono<{ Variables: SessionVars }>();
  const { imports } = deps;
  const frame = (c: Ctx) => adminFrame(c, { config: deps.config, site: deps.site }, FLASH);
  const maxMb = Math.round(imports.maxBytes / 1024 / 1024);

  const showForm = (c: Ctx, errors: string[] = [], status: 200 | 400 = 200) =>
    c.html(
      renderImportForm(frame(c), {
        formats: imports.formats(),
        maxMb,
        errors,
        recent: imports.list(10).map((s) => ({
          id: s.id,
          source: s.source,
          stage: s.latest === s.real ? 'import' : 'dry run',
          state: s.latest.state,
        })),
      }),
      status,
    );

  function find(c: Ctx): ImportStatus {
    const id = c.req.param('id') ?? '';
    const s = isImportId(id) ? imports.status(id) : undefined;
    if (!s) throw new AppError('not_found', 'No such import.');
    return s;
  }

  function view(s: ImportStatus): ImportView {
    const job = s.latest;
    const result = job.state === 'done' ? (job.result as ImportJobResult | null) : null;
    return {
      id: s.id,
      source: s.source,
      stage: job === s.real ? 'import' : 'dry run',
      state: job.state,
      ...(s.progress ? { progress: s.progress } : {}),
      ...(result?.report
        ? { report: describeReport(result.report, result.formatTitle, result.source, '') }
        : {}),
      ...(job.state === 'failed' && job.lastError ? { error: job.lastError } : {}),
      canImport: !s.real && s.dry?.state === 'done' && s.staged,
      announce: s.announce,
    };
  }

  /** Reads the multipart upload as it arrives: fields into memory, the file to its staged copy. */
  async function readUpload(c: Ctx): Promise<ImportForm> {
    const type = c.req.header('content-type') ?? '';
    if (!type.toLowerCase().startsWith('multipart/form-data'))
      throw new AppError('invalid_request', 'The import form is sent as multipart/form-data.');
    // The app's table lets this path through; the limit is the site's (IMPORT_MAX_MB), plus the fields.
    capRequestBody(c, imports.maxBytes + 64 * 1024, `An import file may be at most ${maxMb} MB.`);
    const body = c.req.raw.body;
    if (!body) throw new AppError('invalid_request', 'The form was empty.');
    const form: ImportForm = { from: '', url: '', dryRun: false, announce: false };
    const staging: Promise<void>[] = [];
    await new Promise<void>((resolve, reject) => {
      let bb: busboy.Busboy;
      try {
        bb = busboy({
          headers: { 'content-type': type },
          limits: { files: 1, fields: 10, fieldSize: 4096, parts: 12 },
        });
      } catch {
        reject(new AppError('invalid_request', 'The form could not be read. Reload the page and try again.'));
        return;
      }
      bb.on('field', (name, value) => {
        if (name === 'from') form.from = value.trim();
        else if (name === 'url') form.url = value.trim();
        else if (name === 'dry_run') form.dryRun = value === 'on';
        else if (name === 'announce') form.announce = value === 'on';
      });
      bb.on('file', (name, stream, info) => {
        if (name !== 'file' || !info.filename) {
          stream.resume();
          return;
        }
        const fileName = info.filename.split(/[\\/]/).pop()!.slice(0, 200) || 'upload';
        staging.push(
          imports.stage(stream).then((id) => {
            form.file = { id, name: fileName };
          }),
        );
      });
      bb.on('close', () => resolve());
      bb.on('error', (err) => reject(err));
      const input = Readable.fromWeb(body as WebReadableStream);
      input.on('error', (err) => bb.destroy(err));
      input.pipe(bb);
    }).catch((err) => {
      throw err instanceof AppError ? err : uploadError(err);
    });
    const staged = await Promise.allSettled(staging);
    for (const s of staged) if (s.status === 'rejected') throw uploadError(s.reason);
    return form;
  }

  function uploadError(err: unknown): AppError {
    if (err instanceof AppError) return err;
    if (err instanceof TooLargeError || (err as AppError | undefined)?.code === 'payload_too_large')
      return new AppError(
        'payload_too_large',
        `An import file may be at most ${maxMb} MB; nothing was kept.`,
        {
          details: { back: '/admin/import' },
        },
      );
    return new AppError('invalid_request', 'The upload was cut off or could not be read; nothing was kept.', {
      details: { back: '/admin/import' },
    });
  }

  app.get('/import', (c) => showForm(c));

  app.post('/import', async (c) => {
    const form = await readUpload(c);
    const errors: string[] = [];
    const formats = imports.formats();
    if (form.from !== '' && !formats.some((f) => f.name === form.from))
      errors.push('Choose a format from the list.');
    let url: string | undefined;
    if (form.url !== '') {
      try {
        const u = new URL(form.url);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
        url = u.href;
      } catch {
        errors.push('The feed address must be an http or https address.');
      }
    }
    if (form.file && url) errors.push('Give a file or a feed address, not both.');
    if (!form.file && form.url === '') errors.push('Choose an export file, or give a feed address.');
    if (errors.length > 0) {
      if (form.file) imports.discard(form.file.id);
      return showForm(c, errors, 400);
    }
    const id = form.file?.id ?? imports.newId();
    imports.start({
      id,
      source: form.file?.name ?? url!,
      ...(form.from !== '' ? { from: form.from } : {}),
      ...(url && !form.file ? { url } : {}),
      dryRun: form.dryRun,
      announce: form.announce,
    });
    return c.redirect(`/admin/import/${id}`, 303);
  });

  app.get('/import/:id', (c) => c.html(renderImportStatus(frame(c), view(find(c)))));

  // For the page's script (admin.js) and tools: where the import is, as JSON.
  app.get('/import/:id/status', (c) => {
    const v = view(find(c));
    return c.json(
      { state: v.state, stage: v.stage, progress: v.progress ?? null, text: progressText(v.progress) },
      200,
      { 'Cache-Control': 'no-store' },
    );
  });

  app.post('/import/:id/run', async (c) => {
    const s = find(c);
    if (s.real) return c.redirect(`/admin/import/${s.id}`, 303);
    if (s.dry?.state !== 'done' || !s.staged)
      throw new AppError(
        'conflict',
        'This import has no finished dry run whose file is still here; upload it again.',
        {
          details: { back: '/admin/import' },
        },
      );
    const body = await c.req.parseBody();
    const p = s.dry.payload;
    imports.start({ ...p, dryRun: false, announce: body.announce === 'on' });
    return c.redirect(`/admin/import/${s.id}`, 303);
  });

  app.post('/import/:id/discard', (c) => {
    const s = find(c);
    if (s.latest.state === 'queued' || s.latest.state === 'running')
      throw new AppError('conflict', 'The import is running; it removes its file when it finishes.');
    imports.discard(s.id);
    return c.redirect('/admin/import?flash=discarded', 303);
  });

  return app;
}
