import { appVersion } from '../version.js';
import { EXIT, type Io, processIo } from './context.js';

const HELP = `usage: starpunk <command> [options]

commands:
  serve                         migrate the database if needed, then serve HTTP
  migrate [--status] [--dry-run] apply pending migrations, show their state, or preview them
  password set                  set the admin password (read from stdin when it is not a terminal)
  setup-link                    print a fresh one-time link to choose the admin password (while
                                none is set; replaces the one \`serve\` printed)
  token create --scope "..." [--client-id URL] [--expires-in SECONDS]
                                mint an access token for ADMIN_ME; prints only the token
  token list | token revoke <id>
  doctor                        check note files against the database; exit 1 on any problem
  reindex                       rebuild the full-text search index
  backup [--out DIR]            consistent snapshot of database, notes and media as a .tar.gz
                                (default DIR: DATA_PATH/backups)
  restore <archive> [--force]   verify a backup and restore it as DATA_PATH (--force moves a
                                non-empty DATA_PATH aside to DATA_PATH.before-restore-<time>)
  import <file|folder|URL> [--from NAME] [--media DIR] [--dry-run] [--announce] [--no-fetch]
                                import a WordPress export (WXR), a StarPunk data directory (any
                                version) or a folder of Markdown files; importing twice creates
                                nothing new (docs/import.md)
  export [--out DIR]            every note as Markdown + YAML front matter, media, mf2.json and
                                feed.json, in DIR/starpunk-export-<time> (default DIR: .)
  version                       print the version
`;

type Command = (args: string[], io: Io) => number | Promise<number>;

/**
 * Every command by name; each lives in its own file under src/cli/ and is loaded only when run, so
 * `serve` does not pay for the archive, import and export code at start (and `version` for nothing).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).serveCommand,
  migrate: async () => (await import('./migrate.js')).migrateCommand,
  doctor: async () => (await import('./doctor.js')).doctorCommand,
  reindex: async () => (await import('./reindex.js')).reindexCommand,
  password: async () => (await import('./password.js')).passwordCommand,
  'setup-link': async () => (await import('./setup-link.js')).setupLinkCommand,
  token: async () => (await import('./token.js')).tokenCommand,
  backup: async () => (await import('./backup.js')).backupCommand,
  restore: async () => (await import('./restore.js')).restoreCommand,
  import: async () => (await import('./import.js')).importCommand,
  export: async () => (await import('./export.js')).exportCommand,
  version: async () => (_a, io) => {
    io.stdout(`${appVersion()}\n`);
    return EXIT.ok;
  },
};

/** Runs one CLI command and returns its exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(HELP);
    return name === undefined ? EXIT.failure : EXIT.ok;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr(`starpunk: unknown command "${name}"\n${HELP}`);
    return EXIT.failure;
  }
  try {
    const command = await load();
    return await command(args, io);
  } catch (err) {
    io.stderr(`starpunk ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failure;
  }
}
