import LinkHeader from 'http-link-header';
import { AppError } from '../lib/errors.js';
import { parseMicroformats } from '../lib/microformats.js';
import { type FetchLike, readLimited } from '../outbound/safe-fetch.js';

/** What a profile URL says about its authorization server. */
export interface AuthServer {
  issuer: string | undefined;
  authorizationEndpoint: string;
  tokenEndpoint: string | undefined;
  introspectionEndpoint: string | undefined;
}

function relsFrom(res: Response, body: string, url: string): Map<string, string> {
  const rels = new Map<string, string>();
  // HTTP Link headers first (IndieAuth §4.1), then HTML <link>/<a rel>.
  const header = res.headers.get('link');
  if (header) {
    try {
      for (const l of LinkHeader.parse(header).refs) {
        for (const rel of l.rel.split(/\s+/))
          if (!rels.has(rel)) rels.set(rel, new URL(l.uri, url).toString());
      }
    } catch {
      // an unparseable Link header is ignored
    }
  }
  if ((res.headers.get('content-type') ?? '').includes('html')) {
    const parsed = parseMicroformats(body, url);
    for (const [rel, hrefs] of Object.entries(parsed.rels)) {
      if (!rels.has(rel) && hrefs[0]) rels.set(rel, hrefs[0]);
    }
  }
  return rels;
}

/**
 * Discovers the authorization server of a profile URL: `indieauth-metadata` (then its JSON
 * document), falling back to the legacy `authorization_endpoint`/`token_endpoint` rels.
 */
export async function discoverAuthServer(profileUrl: string, fetch: FetchLike): Promise<AuthServer> {
  let res: Response;
  try {
    res = await fetch(profileUrl, { headers: { Accept: 'text/html, application/xhtml+xml' } });
  } catch (err) {
    throw new AppError('unavailable', `Could not reach ${profileUrl}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const body = await readLimited(res, 2 * 1024 * 1024);
  const rels = relsFrom(res, body, res.url || profileUrl);
  const metadataUrl = rels.get('indieauth-metadata');
  if (metadataUrl) {
    const m = await fetch(metadataUrl, { headers: { Accept: 'application/json' } });
    if (!m.ok)
      throw new AppError('unavailable', `The IndieAuth metadata at ${metadataUrl} answered ${m.status}.`);
    let meta: Record<string, unknown>;
    try {
      meta = JSON.parse(await readLimited(m)) as Record<string, unknown>;
    } catch {
      throw new AppError('unavailable', `The IndieAuth metadata at ${metadataUrl} is not JSON.`);
    }
    const str = (k: string) => (typeof meta[k] === 'string' ? (meta[k] as string) : undefined);
    const authorizationEndpoint = str('authorization_endpoint');
    if (!authorizationEndpoint)
      throw new AppError(
        'unavailable',
        `The IndieAuth metadata at ${metadataUrl} names no authorization endpoint.`,
      );
    return {
      issuer: str('issuer'),
      authorizationEndpoint: new URL(authorizationEndpoint, metadataUrl).toString(),
      tokenEndpoint: str('token_endpoint'),
      introspectionEndpoint: str('introspection_endpoint'),
    };
  }
  const authorizationEndpoint = rels.get('authorization_endpoint');
  if (!authorizationEndpoint) {
    throw new AppError('unavailable', `${profileUrl} does not advertise an IndieAuth authorization server.`);
  }
  return {
    issuer: undefined,
    authorizationEndpoint,
    tokenEndpoint: rels.get('token_endpoint'),
    introspectionEndpoint: undefined,
  };
}
