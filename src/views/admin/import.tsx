import type { ReportText } from '../../import/report.js';
import { AdminTable, ListOr } from './components.js';
import { AdminForm } from './form.js';
import { type AdminFrame, renderAdmin } from './layout.js';

/** How progress so far reads. */
export interface ImportProgressView {
  read: number;
  imported: number;
  skipped: number;
  failed: number;
}

/** One import as its page shows it. */
export interface ImportView {
  id: string;
  source: string;
  /** What runs or ran last: the dry run or the import for real. */
  stage: 'dry run' | 'import';
  state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  progress?: ImportProgressView;
  /** The finished job's report, in the words the CLI prints. */
  report?: ReportText;
  /** Why the job failed. */
  error?: string;
  /** A dry run finished and its file is still here: it may be imported for real. */
  canImport: boolean;
  announce: boolean;
}

/** What the Import screen's form offers. */
export interface ImportFormView {
  formats: { name: string; title: string }[];
  maxMb: number;
  errors: string[];
  recent: { id: string; source: string; stage: string; state: string }[];
}

const WAITS =
  'While an import writes, the site keeps serving its pages but cannot save anything else: publishing, editing or a received Webmention is refused (“try again in a minute”) until the import finishes. Import when you are not writing.';

/** Admin → Import: upload an export or give a feed address, dry run first. */
export function renderImportForm(frame: AdminFrame, v: ImportFormView): string {
  return renderAdmin(
    'Import',
    frame,
    <section class="import">
      <h1>Import</h1>
      <p>
        Bring posts in from another platform. Their old addresses keep working (they lead here), their dates
        are kept, and importing twice adds nothing new. A failed import changes nothing.
      </p>
      {v.errors.length > 0 && (
        <div class="flash flash-error" role="alert" id="import-problems">
          <p>The import could not start:</p>
          <ul>
            {v.errors.map((e) => (
              <li>{e}</li>
            ))}
          </ul>
        </div>
      )}
      <AdminForm
        action={`/admin/import?_csrf=${encodeURIComponent(frame.csrf)}`}
        enctype="multipart/form-data"
        class="stack"
      >
        <label for="import-from">Format</label>
        <select id="import-from" name="from">
          <option value="">Tell from the file</option>
          {v.formats.map((f) => (
            <option value={f.name}>{f.title}</option>
          ))}
        </select>
        <label for="import-file">An export file</label>
        <input id="import-file" type="file" name="file" aria-describedby="import-file-help" />
        <p id="import-file-help" class="help">
          At most {v.maxMb} MB. Pictures the export names are fetched from the old site while it still
          answers.
        </p>
        <label for="import-url">or a feed address</label>
        <input
          id="import-url"
          type="url"
          name="url"
          inputmode="url"
          placeholder="https://example.com/feed"
          aria-describedby="import-url-help"
        />
        <p id="import-url-help" class="help">
          RSS, Atom, JSON Feed or h-feed, fetched from its address.
        </p>
        <fieldset>
          <legend>Options</legend>
          <ul class="choices">
            <li>
              <label>
                <input type="checkbox" name="dry_run" value="on" checked /> Dry run first: show what would be
                imported, write nothing
              </label>
            </li>
            <li>
              <label>
                <input type="checkbox" name="announce" value="on" /> Announce the imported posts (send
                Webmentions, syndication and WebSub pings)
              </label>
            </li>
          </ul>
        </fieldset>
        <p class="help">{WAITS}</p>
        <button type="submit">Start</button>
      </AdminForm>
      <h2>Recent imports</h2>
      <ListOr count={v.recent.length} empty="No imports yet.">
        <AdminTable columns={['Source', 'Last step', 'State']}>
          {v.recent.map((r) => (
            <tr>
              <td>
                <a href={`/admin/import/${r.id}`}>{r.source}</a>
              </td>
              <td>{r.stage}</td>
              <td>{r.state}</td>
            </tr>
          ))}
        </AdminTable>
      </ListOr>
    </section>,
  );
}

/** One import: its progress while it runs, then its report (and "Import for real" after a dry run). */
export function renderImportStatus(frame: AdminFrame, v: ImportView): string {
  const running = v.state === 'queued' || v.state === 'running';
  const title = `${v.stage === 'dry run' ? 'Dry run' : 'Import'} of ${v.source}`;
  return renderAdmin(
    title,
    frame,
    <section class="import">
      <h1>{title}</h1>
      {running && (
        <>
          <div
            id="import-status"
            role="status"
            aria-live="polite"
            data-import-status={`/admin/import/${v.id}/status`}
          >
            <p>{v.state === 'queued' ? 'Waiting to start…' : progressText(v.progress)}</p>
          </div>
          <p class="help">
            {v.stage === 'import' ? `${WAITS} ` : ''}This page follows the import;{' '}
            <a href={`/admin/import/${v.id}`}>reload it</a> to see how far it got.
          </p>
        </>
      )}
      {v.state === 'failed' && (
        <div class="flash flash-error" role="alert">
          <p>{v.error ?? 'The import failed.'}</p>
          <p>Nothing was imported: the site is as it was.</p>
        </div>
      )}
      {v.state === 'cancelled' && <p class="notice">This import was cancelled.</p>}
      {v.report && <Report report={v.report} />}
      {v.canImport && (
        <>
          <AdminForm action={`/admin/import/${v.id}/run`} class="stack">
            <ul class="choices">
              <li>
                <label>
                  <input type="checkbox" name="announce" value="on" checked={v.announce} /> Announce the
                  imported posts (send Webmentions, syndication and WebSub pings)
                </label>
              </li>
            </ul>
            <p class="help">{WAITS}</p>
            <button type="submit">Import for real</button>
          </AdminForm>
          <AdminForm action={`/admin/import/${v.id}/discard`}>
            <button type="submit" class="secondary">
              Discard the file
            </button>
          </AdminForm>
        </>
      )}
      <p>
        <a href="/admin/import">Back to Import</a>
      </p>
    </section>,
  );
}

/** Progress so far, in words (also the status endpoint's `text`). */
export function progressText(p: ImportProgressView | undefined): string {
  if (!p) return 'Starting…';
  return `Read ${p.read}: imported ${p.imported}, skipped ${p.skipped}, failed ${p.failed}…`;
}

function Report(props: { report: ReportText }) {
  const r = props.report;
  return (
    <>
      <h2>Report</h2>
      <ul class="import-summary">
        {r.summary.map((l) => (
          <li>{l}</li>
        ))}
      </ul>
      {(r.details.length > 0 || r.warnings.length > 0) && (
        <>
          <h3>Details</h3>
          <AdminTable columns={['Outcome', 'Item', 'Why']} class="admin-table import-details">
            {r.details.map((l) => (
              <tr>
                <td>{l.outcome}</td>
                <td>{l.label}</td>
                <td>{l.detail}</td>
              </tr>
            ))}
            {r.warnings.map((w) => (
              <tr>
                <td>warning</td>
                <td colspan={2}>{w}</td>
              </tr>
            ))}
          </AdminTable>
          {r.more > 0 && <p class="help">… and {r.more} more lines.</p>}
        </>
      )}
    </>
  );
}
