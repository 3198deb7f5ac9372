/**
 * `starpunk doctor` on the data directory (while the server runs, as an operator would): its
 * report is part of every record, and it must find nothing wrong after any step.
 */
import { expect } from 'vitest';
import type { Recording } from '../record.js';
import type { Part } from '../world.js';

/** A clean report: `exit 0`, owner summaries only (`media library: 9 file(s) in use`), `ok: …`. */
export const HEALTHY =
  /^exit 0\n(?:[a-z][a-z ]*: \d+ file\(s\) in use(?:, and \d+ earlier one\(s\) kept)?\n)*ok: [^\n]*\n$/;

export const doctor: Part = {
  name: 'doctor',

  async build() {
    // Nothing to make: the doctor only reads.
  },

  snapshot(w, r) {
    r.put(
      'starpunk doctor',
      w.site
        .cli(['doctor'])
        .then((d) => ({ body: `exit ${d.code}\n${d.stdout}${d.stderr}`, status: d.code ?? -1 })),
    );
  },

  check(rec: Recording) {
    // Exit 0, then only what doctor says of a healthy site: one summary line per owner of files
    // under the media folder (src/cli/doctor.ts), and the "ok:" line last. Any problem line
    // (`orphan_file …`, `database integrity: …`, `N problem(s) found`) fails the match.
    expect.soft(rec.get('starpunk doctor')?.body, '`starpunk doctor` finds nothing wrong').toMatch(HEALTHY);
  },
};
