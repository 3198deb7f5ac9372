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
// libuv's thread pool runs the disk work (every fs call; an fsync waits there for the disk) and
// sharp's image work alike. With its default four threads, a burst of uploads or of grouped note
// writes left images waiting for a thread behind fsyncs (ADR 0016). It starts at its first task, so
// it is sized here, before anything runs; an operator's own UV_THREADPOOL_SIZE wins.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { main } = await import('./cli/run.js');
process.exitCode = await main(process.argv.slice(2));
