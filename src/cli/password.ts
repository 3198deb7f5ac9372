import { createInterface } from 'node:readline';
import { createAdminAuth } from '../auth/admin-auth.js';
import { systemClock } from '../clock.js';
import { EXIT, type Io, resolveSessionSecret } from './context.js';
import { withSiteDatabase } from './site-database.js';

/** Reads one line from stdin without echo when it is a terminal. */
async function readPassword(prompt: string, io: Io): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of input) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  io.stderr(prompt);
  const rl = createInterface({ input, terminal: true });
  // Hide what is typed.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  const line = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  io.stderr('\n');
  return line;
}

/** `starpunk password set`: set the admin password (from stdin when it is not a terminal). */
export async function passwordCommand(args: string[], io: Io, read = readPassword): Promise<number> {
  if (args[0] !== 'set' || args.length > 1) {
    io.stderr('usage: starpunk password set   (reads the password from stdin when it is not a terminal)\n');
    return EXIT.failure;
  }
  return withSiteDatabase(io, { command: 'password' }, async ({ config, db }) => {
    const password = await read('New admin password: ', io);
    const auth = createAdminAuth({
      db,
      config,
      clock: systemClock,
      secret: resolveSessionSecret(config),
      fetch: () => Promise.reject(new Error('no network needed')),
    });
    const ended = await auth.setPassword(password);
    io.stdout('admin password set\n');
    io.stdout(
      `signed out ${ended} admin session${ended === 1 ? '' : 's'}: sign in again with the new password\n`,
    );
    return EXIT.ok;
  });
}
