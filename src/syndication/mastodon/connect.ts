/**
 * Connecting a Mastodon account: register StarPunk as an app on the server the person typed
 * (POST /api/v1/apps), send them to its authorize page, and on the way back exchange the code for
 * a token (POST /oauth/token) that is stored sealed. The state parameter binds the callback to the
 * registration it started (OAuth 2.0, RFC 6749 §10.12).
 */
import { randomBytes } from 'node:crypto';
import { AppError } from '../../lib/errors.js';
import type { FetchLike } from '../../outbound/safe-fetch.js';
import type { Syndication } from '../service.js';
import type { SyndicationAccount } from '../types.js';
import { MastodonError, mastodonClient, normaliseServer } from './client.js';

/** The path Mastodon sends the person back to. */
export const MASTODON_CALLBACK_PATH = '/admin/syndication/mastodon/callback';

/** What connecting needs. */
export interface MastodonConnectDeps {
  fetch: FetchLike;
  syndication: Syndication;
  siteUrl: string;
  siteName: string;
}

function remoteFailure(err: unknown, server: string): AppError {
  if (err instanceof AppError) return err;
  const detail = err instanceof MastodonError ? err.message : `${server} could not be reached.`;
  return new AppError('invalid_request', `Connecting to ${server} failed: ${detail}`, { cause: err });
}

/** Starts a connection: returns the server's authorize URL to redirect the person to. */
export async function startMastodonConnect(deps: MastodonConnectDeps, serverInput: string): Promise<string> {
  let server: string;
  try {
    server = normaliseServer(serverInput);
  } catch (err) {
    throw new AppError('invalid_request', (err as Error).message);
  }
  const redirectUri = new URL(MASTODON_CALLBACK_PATH, deps.siteUrl).toString();
  const client = mastodonClient(deps.fetch, server);
  try {
    const app = await client.registerApp(
      `StarPunk (${deps.siteName})`.slice(0, 100),
      redirectUri,
      deps.siteUrl,
    );
    const state = randomBytes(24).toString('base64url');
    deps.syndication.savePending(state, 'mastodon', { server, ...app });
    return client.authorizeUrl(app, redirectUri, state);
  } catch (err) {
    throw remoteFailure(err, server);
  }
}

/** Finishes a connection with the code the server handed back; returns the connected account. */
export async function finishMastodonConnect(
  deps: MastodonConnectDeps,
  state: string,
  code: string,
): Promise<SyndicationAccount> {
  const pending = deps.syndication.takePending(state, 'mastodon');
  if (!pending?.server || !pending.client_id || !pending.client_secret)
    throw new AppError(
      'invalid_request',
      'This authorization is unknown or expired; connect the account again.',
    );
  const server = pending.server;
  const redirectUri = new URL(MASTODON_CALLBACK_PATH, deps.siteUrl).toString();
  try {
    const app = { client_id: pending.client_id, client_secret: pending.client_secret };
    const token = await mastodonClient(deps.fetch, server).exchangeCode(app, code, redirectUri);
    const me = await mastodonClient(deps.fetch, server, token).verifyCredentials();
    const host = new URL(server).host;
    return deps.syndication.connectAccount({
      service: 'mastodon',
      uid: me.url || `${server}/@${me.username}`,
      name: `@${me.username}@${host} on Mastodon`,
      user: {
        name: me.display_name || me.username,
        url: me.url || `${server}/@${me.username}`,
        ...(me.avatar ? { photo: me.avatar } : {}),
      },
      secrets: { server, token, client_id: app.client_id, client_secret: app.client_secret },
    });
  } catch (err) {
    throw remoteFailure(err, server);
  }
}
