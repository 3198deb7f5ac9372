#!/usr/bin/env node
import { main } from './cli/run.js';

// Everything StarPunk creates (database and its -wal/-shm, notes, media, backups, the session
// secret, exports) is for its owner only, whatever umask the shell left: files 0600, folders
// 0700. SQLite gives -wal and -shm the database file's own permissions.
process.umask(0o077);
process.exitCode = await main(process.argv.slice(2));
