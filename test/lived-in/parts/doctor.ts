/**
 * `starpunk doctor` on the data directory (while the server runs, as an operator would): its
 * report is part of every record, and it must find nothing wrong after any step.
 */
import { expect } from 'vitest';
import type { Recording } from '../record.js';
import type { Part } from '../world.js';

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
    expect
      .soft(rec.get('starpunk doctor')?.body, '`starpunk doctor` finds nothing wrong')
      .toMatch(/^exit 0\nok: /);
  },
};
