import type { TestApp } from './app.js';

/** What the form helpers need of a site: an in-process TestApp, or a served one (live-site.ts). */
export type SiteClient = Pick<TestApp, 'get' | 'request'>;

export const PASSWORD = 'correct horse battery staple';

/** A signed-in admin: the cookie header to send and the CSRF token for forms. */
export interface Admin {
  cookie: string;
  csrf: string;
}

/** The session cookie value from a response's Set-Cookie, as a Cookie header. */
export function sessionCookie(res: Response): string {
  const set = res.headers.get('set-cookie') ?? '';
  const m = /starpunk_session=([^;]+)/.exec(set);
  if (!m) throw new Error(`no session cookie in: ${set}`);
  return `starpunk_session=${m[1]}`;
}

/** Reads the CSRF token out of an admin page. */
export async function csrfFrom(t: SiteClient, cookie: string, path = '/admin/new'): Promise<string> {
  const html = await (await t.get(path, { Cookie: cookie })).text();
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no CSRF token on ${path}`);
  return m[1]!;
}

/** Sets the password (once) and signs in through the real form. */
export async function signIn(t: TestApp): Promise<Admin> {
  const auth = t.app.services.auth;
  if (!auth.hasPassword()) await auth.setPassword(PASSWORD);
  const res = await t.request('/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ password: PASSWORD, next: '/admin' }).toString(),
  });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  const cookie = sessionCookie(res);
  return { cookie, csrf: await csrfFrom(t, cookie) };
}

/** Posts a form as the signed-in admin (CSRF token included unless given). */
export function postForm(
  t: SiteClient,
  admin: Admin,
  path: string,
  fields: Record<string, string>,
): Promise<Response> {
  return t.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: admin.cookie },
    body: new URLSearchParams({ _csrf: admin.csrf, ...fields }).toString(),
  });
}

/** Posts multipart form data as the signed-in admin. */
export function postMultipart(t: SiteClient, admin: Admin, path: string, form: FormData): Promise<Response> {
  if (!form.has('_csrf')) form.set('_csrf', admin.csrf);
  return t.request(path, { method: 'POST', headers: { Cookie: admin.cookie }, body: form });
}
