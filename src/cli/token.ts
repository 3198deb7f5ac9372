import { systemClock } from '../clock.js';
import { createTokenService } from '../indieauth/tokens.js';
import { EXIT, type Io } from './context.js';
import { withSiteDatabase } from './site-database.js';

const USAGE = `usage: starpunk token create --scope "<scopes>" [--client-id URL] [--expires-in SECONDS]
       starpunk token list
       starpunk token revoke <id>
`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

/** `starpunk token create|list|revoke`: manage access tokens for ADMIN_ME. */
export function tokenCommand(args: string[], io: Io): number {
  const [sub, ...rest] = args;
  if (!sub || !['create', 'list', 'revoke'].includes(sub)) {
    io.stderr(USAGE);
    return EXIT.failure;
  }
  return withSiteDatabase(io, { command: 'token' }, ({ config, db }) => {
    const tokens = createTokenService({ db, clock: systemClock });
    if (sub === 'create') {
      const scope = option(rest, '--scope');
      const expires = option(rest, '--expires-in');
      if (!scope) {
        io.stderr(`starpunk token create: --scope is required\n${USAGE}`);
        return EXIT.failure;
      }
      if (expires !== undefined && !/^\d{1,10}$/.test(expires)) {
        io.stderr('starpunk token create: --expires-in must be a number of seconds\n');
        return EXIT.failure;
      }
      const minted = tokens.mintToken({
        me: config.adminMe,
        clientId: option(rest, '--client-id') ?? null,
        scope,
        expiresInSeconds: expires ? Number(expires) : null,
      });
      // Only the token on stdout, so it can be captured by a script.
      io.stdout(`${minted.token}\n`);
      if (config.siteUrlDerived && config.adminMe === config.siteUrl) {
        // Without SITE_URL the identity follows PORT: a server started with another PORT is
        // another identity and refuses the token.
        io.stderr(
          `starpunk token create: the token is for ${config.adminMe}, derived from HOST and PORT; the server ` +
            'accepts it only when it serves that address (give this command the same PORT or SITE_URL, e.g. in .env)\n',
        );
      }
      return EXIT.ok;
    }
    if (sub === 'list') {
      for (const t of tokens.listTokens()) {
        const state = t.revoked ? 'revoked' : t.expiresAt && t.expiresAt <= new Date() ? 'expired' : 'active';
        io.stdout(
          `${String(t.id).padEnd(5)} ${state.padEnd(8)} ${t.scope.padEnd(28)} ${t.clientId ?? '-'}  issued ${t.createdAt.toISOString()}${t.expiresAt ? `  expires ${t.expiresAt.toISOString()}` : ''}\n`,
        );
      }
      return EXIT.ok;
    }
    const id = rest[0];
    if (!id || !/^\d+$/.test(id)) {
      io.stderr(`starpunk token revoke: give the token id (see starpunk token list)\n`);
      return EXIT.failure;
    }
    if (!tokens.revokeToken(Number(id))) {
      io.stderr(`starpunk token revoke: no active token with id ${id}\n`);
      return EXIT.failure;
    }
    io.stdout(`token ${id} revoked\n`);
    return EXIT.ok;
  });
}
