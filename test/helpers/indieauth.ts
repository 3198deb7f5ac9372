/**
 * A Micropub client getting tokens from StarPunk's own IndieAuth server the way a real one does:
 * the authorization request with PKCE, the signed-in owner's consent, the code exchanged at the
 * token endpoint, and refresh grants. The client's metadata page is a loopback server.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Admin } from './admin.js';
import type { TestApp } from './app.js';
import { type RemoteSite, startRemote } from './remote.js';

/** The token endpoint's answer to a code or a refresh grant. */
export interface Tokens {
  access_token: string;
  refresh_token: string;
  scope: string;
}

/** A client at `https://<host>/` whose metadata document a loopback server serves. */
export interface ClientSite {
  clientId: string;
  redirectUri: string;
  /** Maps the client's host to its loopback server (createTestApp's `hosts`). */
  host: Record<string, string>;
  remote: RemoteSite;
}

/** Starts a client named `host` (e.g. "client.example") serving its client metadata. */
export async function startClientSite(host: string): Promise<ClientSite> {
  const clientId = `https://${host}/`;
  const redirectUri = `https://${host}/callback`;
  const remote = await startRemote((_req, _body, res) => {
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ client_id: clientId, client_name: host, redirect_uris: [redirectUri] }));
  });
  return { clientId, redirectUri, host: { [host]: remote.url }, remote };
}

/** POSTs a form to a protocol endpoint, asking for JSON. */
export function postProtocol(t: TestApp, path: string, fields: Record<string, string>): Promise<Response> {
  return t.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The full code flow: authorization request, the owner's consent, the code exchanged for tokens. */
export async function authorize(
  t: TestApp,
  admin: Admin,
  client: ClientSite,
  scope: string,
): Promise<Tokens> {
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    state: 'st4te',
    scope,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const page = await t.get(`/auth/authorization?${q}`, { Cookie: admin.cookie });
  expect(page.status).toBe(200);
  const html = await page.text();
  // The consent form as the browser submits it: its hidden fields and every scope ticked.
  const body = new URLSearchParams({ decision: 'approve' });
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
    body.set(m[1]!, m[2]!.replace(/&amp;/g, '&'));
  for (const m of html.matchAll(/name="scope" value="([^"]+)"/g)) body.append('scope', m[1]!);
  const approved = await t.request('/auth/authorization', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: admin.cookie },
    body: body.toString(),
  });
  expect(approved.status).toBe(303);
  const code = new URL(approved.headers.get('location')!).searchParams.get('code');
  expect(code).toBeTruthy();
  const res = await postProtocol(t, '/auth/token', {
    grant_type: 'authorization_code',
    code: code!,
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    code_verifier: verifier,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Tokens;
}

/** A refresh grant at the token endpoint (IndieAuth §5.5); the raw answer. */
export function refresh(t: TestApp, client: ClientSite, refreshToken: string): Promise<Response> {
  return postProtocol(t, '/auth/token', {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: client.clientId,
  });
}

/** Creates a note through Micropub with `accessToken`; the raw answer. */
export function micropubCreate(t: TestApp, accessToken: string, content: string): Promise<Response> {
  return t.request('/micropub', {
    method: 'POST',
    headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ h: 'entry', content }).toString(),
  });
}
