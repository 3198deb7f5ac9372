/**
 * The import report as people read it: the one home of its words, for `starpunk import` (printed)
 * and the admin's Import screen (shown). Both present the same `ImportReport` (engine.ts) through
 * `describeReport`, so what the terminal says and what the screen says cannot drift apart.
 */
import type { ImportLine, ImportReport } from './engine.js';

/** A report in words: the detail lines (skipped, failed, warnings) and the summary lines after them. */
export interface ReportText {
  /** Items skipped or failed and pictures that failed, with why. */
  details: ImportLine[];
  warnings: string[];
  /** Lines of detail left out (the report keeps at most MAX_LINES). */
  more: number;
  /** The summary: what was read, imported, skipped, media, responses, old addresses, announced. */
  summary: string[];
}

/** The report of an import of `source` (a file name or address) in the format titled `formatTitle`. */
export function describeReport(
  r: ImportReport,
  formatTitle: string,
  source: string,
  /** How to announce after all, said after "announced: no" (the CLI's option; none in the admin). */
  announceHint = '; --announce to send them',
): ReportText {
  const summary: string[] = [];
  const would = r.dryRun ? 'would import' : 'imported';
  summary.push(
    `${formatTitle} ${source}${r.siteUrl ? ` (${r.siteUrl})` : ''}: read ${r.read}, ${would} ` +
      `${r.imported.notes} notes and ${r.imported.pages} pages, skipped ${r.skipped}, failed ${r.failed}`,
  );
  const because = Object.entries(r.skippedBecause)
    .map(([why, n]) => `${n} ${why}`)
    .join('; ');
  if (because) summary.push(`skipped: ${because}`);
  if (!r.dryRun) {
    const m = r.media;
    const fromSource = m.fromSource > 0 ? `, from the ${formatTitle} ${m.fromSource}` : '';
    summary.push(
      `media: stored ${m.stored} (from the folder ${m.fromFolder}${fromSource}, fetched ${m.fetched}), reused ${m.reused}, failed ${m.failed}`,
    );
    const s = r.responses;
    summary.push(`responses: imported ${s.imported}, skipped ${s.skipped}, failed ${s.failed}`);
  }
  summary.push(
    `old addresses: ${r.dryRun ? 'would map' : 'mapped'} ${r.oldAddresses.mapped}` +
      (r.oldAddresses.notKept > 0 ? `, not kept ${r.oldAddresses.notKept}` : ''),
  );
  if (r.dryRun) summary.push('dry run: nothing was written');
  else if (!r.announced)
    summary.push(`announced: no (no Webmentions, syndication or WebSub pings were sent${announceHint})`);
  else summary.push('announced: yes (the server sends Webmentions, syndication and WebSub pings)');
  return { details: r.lines, warnings: r.warnings, more: r.more, summary };
}

/** The report as the CLI prints it: one line each, details first, the summary last. */
export function reportLines(text: ReportText): string[] {
  return [
    ...text.details.map((l) => `${l.outcome.padEnd(9)} ${l.label}: ${l.detail}`),
    ...text.warnings.map((w) => `warning   ${w}`),
    ...(text.more > 0 ? [`… and ${text.more} more lines`] : []),
    ...text.summary,
  ];
}
