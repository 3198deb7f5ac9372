// A second process playing a busy server: posts and edits notes until <stopFile> exists, then
// prints how many notes it posted. Usage: tsx writer-worker.ts <dataPath> <stopFile>
import { existsSync } from 'node:fs';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/open.js';
import { createNoteService } from '../../src/notes/service.js';

const [dataPath, stopFile] = process.argv.slice(2);
const config = loadConfig({ DATA_PATH: dataPath }, dataPath);
const db = openDatabase(config.databasePath);
const notes = createNoteService({ db, notesPath: config.notesPath, clock: systemClock });
const edited = notes.createNote({ content: 'Edited over and over.\n' });
process.stdout.write('ready\n');
let posted = 0;
while (!existsSync(stopFile!)) {
  notes.createNote({ content: `Posted by another process, number ${posted}.\n` });
  notes.updateNote(edited.id, { content: `Edit number ${posted}.\n` });
  posted++;
  await new Promise((r) => setTimeout(r, 2));
}
db.close();
process.stdout.write(`posted ${posted}\n`);
