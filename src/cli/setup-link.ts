import { createAdminAuth } from '../auth/admin-auth.js';
import { systemClock } from '../clock.js';
import { EXIT, type Io, resolveSessionSecret, SETUP_MARK } from './context.js';
import { withSiteDatabase } from './site-database.js';

/**
 * `starpunk setup-link`: prints a fresh one-time link to choose the admin password, while none is
 * set (the one `serve` printed at start may be lost in the logs, or an hour old). The link alone
 * goes to standard output, so a script can take it; what it is for goes to standard error. A new
 * link replaces the earlier one.
 */
export function setupLinkCommand(args: string[], io: Io): number {
  if (args.length > 0) {
    io.stderr('usage: starpunk setup-link   (prints a one-time link to choose the admin password)\n');
    return EXIT.failure;
  }
  return withSiteDatabase(io, { command: 'setup-link', existing: true }, ({ config, db }) => {
    const auth = createAdminAuth({
      db,
      config,
      clock: systemClock,
      secret: resolveSessionSecret(config),
      fetch: () => Promise.reject(new Error('no network needed')),
    });
    if (auth.signInMethod() !== 'password') {
      io.stderr(
        `starpunk setup-link: this site signs in with IndieAuth as ${config.adminMe} (ADMIN_ME), so it has no password to choose\n`,
      );
      return EXIT.failure;
    }
    if (auth.hasPassword()) {
      io.stderr(
        'starpunk setup-link: an admin password is already set; change it with `starpunk password set`\n',
      );
      return EXIT.failure;
    }
    const url = auth.createSetupLink();
    io.stderr(
      `${SETUP_MARK} Open this one-time link within an hour to choose the admin password\n` +
        '(it replaces any link printed before):\n',
    );
    io.stdout(`${url}\n`);
    return EXIT.ok;
  });
}
