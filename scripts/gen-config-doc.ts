// Generates docs/configuration.md from CONFIG_VARIABLES in src/config.ts: `npm run docs:config`.
// `--check` only compares and exits 1 when the file is out of date. test/ops/config-doc.test.ts
// runs the same comparison, so the reference cannot drift from the code.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONFIG_VARIABLES } from '../src/config.js';

/** Where the generated reference lives, relative to the repository root. */
export const CONFIG_DOC_PATH = 'docs/configuration.md';

type Variable = { name: string; default: string; meaning: string };

/** Longer explanations, keyed by variable; a key that is not a variable fails the generation. */
const NOTES: Record<string, string> = {
  SITE_URL:
    'The address readers use, and the only source of every absolute URL StarPunk writes (feeds, ' +
    'discovery links, IndieAuth metadata, Micropub `Location`s). Request headers never change it, not ' +
    'even with `TRUST_PROXY` on. Behind a reverse proxy that terminates TLS, set it to the public ' +
    '`https://` URL: that is also what makes the session cookie `Secure`. Unset, it is derived from ' +
    '`HOST` and `PORT`: `http://localhost:PORT/` when `HOST` is a loopback address (`127.0.0.1`, ' +
    '`::1`, `localhost`) or every interface (`0.0.0.0`, `::`), else `http://HOST:PORT/`; so `PORT=8302` ' +
    'alone gives `http://localhost:8302/`. When it is set to a loopback address on another port than ' +
    '`PORT`, the server warns at start (harmless when a proxy or port mapping forwards one to the other).',
  ADMIN_ME:
    'When it names another site that advertises its own IndieAuth server, you sign in to the admin ' +
    'through that server and Micropub accepts the tokens it issues.',
  SESSION_SECRET:
    'Leave it unset to have a random secret generated once into `DATA_PATH/.secret` (mode 0600). ' +
    'Changing it invalidates forms that are open in a browser (their CSRF tokens); sessions survive.',
  DATA_PATH:
    'Holds the database, notes, media, backups and the generated secret; point it at a Python ' +
    "StarPunk data directory to upgrade in place (see [upgrading](upgrading.md)). The server's " +
    '/health check writes and removes a small `.health-probe` file here.',
  HOST: 'Use `0.0.0.0` in a container; keep `127.0.0.1` behind a reverse proxy on the same machine.',
  PORT: '`0` lets the system pick a free port; a `SITE_URL` derived from `HOST` and `PORT` then uses that port.',
  DEV_MODE: 'Never on a public site: anyone can sign in.',
  TRUST_PROXY:
    'Turn on only when a reverse proxy (Caddy, nginx) is the sole way in. The client address (sign-in ' +
    'rate limit, session list) then comes from the first address in `X-Forwarded-For`, so the proxy ' +
    'must overwrite that header rather than append to it; the examples in `deploy/` do. When off, ' +
    'every `X-Forwarded-*` header is ignored.',
  METRICS_TOKEN:
    'Lets a Prometheus scraper read `/metrics` with `Authorization: Bearer <token>`; the signed-in ' +
    'admin can always read it. Generate one with `openssl rand -hex 32`.',
  ALLOWED_PRIVATE_ADDRESSES:
    'Every outbound request (Webmention discovery and sending, fetching mention sources, IndieAuth ' +
    'client and server discovery) refuses loopback, private and link-local addresses, whether given ' +
    'as an IP or reached through DNS, so a link or a form cannot make the server call something ' +
    'inside its own network. List here what it may reach anyway, e.g. `10.0.0.0/8` for a site on ' +
    'an intranet or `127.0.0.1, ::1` for local development and tests with loopback servers. ' +
    'Addresses (`192.168.1.20`), CIDR ranges (`fd00::/8`) and IPv4-mapped IPv6 (`::ffff:10.0.0.0/104`, ' +
    'the same as `10.0.0.0/8`) are accepted; `localhost` is then resolved like any other name.',
  WEBSUB_HUB:
    'A WebSub hub (W3C WebSub) lets feed readers hear of a new note at once instead of polling. ' +
    'When set, the home page and the feeds name the hub (`rel="hub"` and `rel="self"` in the HTTP ' +
    '`Link` header and inside RSS, Atom and JSON Feed), and every publish, update or delete of a ' +
    'public note pings it (`hub.mode=publish`) through the job queue. Public hubs include ' +
    '`https://websubhub.com/hub` and `https://pubsubhubbub.appspot.com/`. See docs/syndication.md.',
};

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function defaultCell(v: Variable): string {
  if (v.default === '') return 'empty';
  // Plain words ("generated into …") read better as text; values and names as code.
  return /\s/.test(v.default) ? cell(v.default) : `\`${v.default}\``;
}

/** The whole of docs/configuration.md, generated from the variables' documentation. */
export function renderConfigDoc(variables: readonly Variable[] = CONFIG_VARIABLES): string {
  const names = new Set(variables.map((v) => v.name));
  for (const key of Object.keys(NOTES)) {
    if (!names.has(key)) throw new Error(`gen-config-doc: a note for ${key}, which is not a variable`);
  }
  const lines = [
    '<!-- Generated by `npm run docs:config` from CONFIG_VARIABLES in src/config.ts: do not edit.',
    '     test/ops/config-doc.test.ts fails when this file and the code disagree. -->',
    '',
    '# Configuration reference',
    '',
    'StarPunk is configured with environment variables, optionally read from a `.env` file in the',
    'working directory (`KEY=value` lines; a variable set in the real environment wins over the file).',
    'Empty values count as unset. Relative paths are resolved against the working directory. On/off',
    'values accept `on`/`off`, `true`/`false`, `yes`/`no` and `1`/`0`.',
    '',
    'Every problem is reported at once, in one message, and the process exits with status 2 before',
    'serving anything. Secrets (`SESSION_SECRET`, `METRICS_TOKEN`) never appear in the log.',
    '',
    '| variable | default | meaning |',
    '|---|---|---|',
    ...variables.map((v) => `| \`${v.name}\` | ${defaultCell(v)} | ${cell(v.meaning)} |`),
    '',
    '## Notes',
    '',
  ];
  for (const v of variables) {
    const note = NOTES[v.name];
    if (note) lines.push(`- \`${v.name}\`: ${note}`);
  }
  lines.push(
    '',
    'Where to put them: a `.env` file for `npm start`, the `environment:` block of `compose.yaml`,',
    '`-e` flags of `docker run`, or `/etc/starpunk/.env` with the systemd unit ([install](install.md)).',
    '',
  );
  return lines.join('\n');
}

/** Writes (or with `check`, only compares) the generated reference; returns true when it was up to date. */
export function writeConfigDoc(root: string, check = false): boolean {
  const path = join(root, CONFIG_DOC_PATH);
  const wanted = renderConfigDoc();
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === wanted) return true;
  if (!check) writeFileSync(path, wanted);
  return false;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const check = process.argv.includes('--check');
  const upToDate = writeConfigDoc(join(import.meta.dirname, '..'), check);
  if (check && !upToDate) {
    process.stderr.write(`${CONFIG_DOC_PATH} is out of date: run npm run docs:config\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(`${CONFIG_DOC_PATH} ${upToDate ? 'already up to date' : 'written'}\n`);
  }
}
