#!/usr/bin/env node
import module from 'node:module';

// Everything StarPunk creates (database and its -wal/-shm, notes, media, backups, the session
// secret, exports) is for its owner only, whatever umask the shell left: files 0600, folders
// 0700. SQLite gives -wal and -shm the database file's own permissions.
process.umask(0o077);
// Node 22.1 and later keep V8's compiled code for our modules and dependencies between starts (in
// the system's temporary folder), which roughly halves the time to the first answer; Node 20 has no
// such cache and simply skips this.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { main } = await import('./cli/run.js');
process.exitCode = await main(process.argv.slice(2));
