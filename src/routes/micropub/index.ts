import { type Context, Hono } from 'hono';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { type BearerVars, bearerError, hasScope, requireToken } from '../../http/bearer.js';
import { BODY_LIMITS, type BodyLimitVars, contentType } from '../../http/body-limit.js';
import type { BearerToken, TokenVerifier } from '../../indieauth/tokens.js';
import { AppError, isAppError } from '../../lib/errors.js';
import { createWeightedGate } from '../../lib/gate.js';
import { siteUrls } from '../../lib/site-urls.js';
import type { MediaService } from '../../media/service.js';
import { noteInputFrom } from '../../micropub/map.js';
import { fromFormFields, fromJson, type MicropubRequest } from '../../micropub/parse.js';
import { noteToMf2 } from '../../micropub/present.js';
import { applyUpdate } from '../../micropub/update.js';
import type { NoteService } from '../../notes/service.js';
import { slugify, validateCustomSlug } from '../../notes/slug.js';
import type { Note } from '../../notes/types.js';
import type { Syndication } from '../../syndication/service.js';

/** Dependencies of the Micropub routes. */
export interface MicropubDeps {
  config: Config;
  clock: Clock;
  notes: NoteService;
  media: MediaService;
  verify: TokenVerifier;
  /** Syndication targets (q=syndicate-to) and the copies mp-syndicate-to asks for. */
  syndication?: Syndication;
}

const POST_TYPES = [
  { type: 'note', name: 'Note' },
  { type: 'article', name: 'Article' },
  { type: 'photo', name: 'Photo' },
  { type: 'reply', name: 'Reply' },
  { type: 'like', name: 'Like' },
  { type: 'repost', name: 'Repost' },
  { type: 'bookmark', name: 'Bookmark' },
];

function listOf(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** An upload body at most this large counts for its own length at the upload gate (see uploads). */
const SMALL_UPLOAD_BYTES = 1024 * 1024;

/** Scopes that let a client read the public site through Micropub queries (update reads all). */
const READ_SCOPES = ['create', 'draft', 'update', 'delete', 'undelete'];

type Env = { Variables: BearerVars & BodyLimitVars };

/** A body as read once: its raw value and the `access_token` it carried, if any. */
type ReadBody = { bodyToken: string | undefined } & (
  | { kind: 'json'; json: unknown }
  | { kind: 'form'; form: FormData | URLSearchParams }
);

const bodies = new WeakMap<Context, Promise<ReadBody>>();

/** Reads the request body once (JSON, form or multipart); later calls get the same result. */
function readBody(c: Context): Promise<ReadBody> {
  let read = bodies.get(c);
  if (!read) {
    read = readBodyOnce(c);
    bodies.set(c, read);
  }
  return read;
}

async function readBodyOnce(c: Context): Promise<ReadBody> {
  const type = contentType(c);
  if (type === 'application/json') {
    const text = await c.req.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AppError('invalid_request', 'The body is not valid JSON.');
    }
    const token =
      json && typeof json === 'object' ? (json as Record<string, unknown>).access_token : undefined;
    return { kind: 'json', json, bodyToken: typeof token === 'string' ? token : undefined };
  }
  if (type === 'application/x-www-form-urlencoded') {
    // Parsed here rather than by fetch's formData(): the same parser (URLSearchParams is the
    // urlencoded parser of the Fetch standard), without building a FormData for a few text fields,
    // which cost more than the rest of reading a Micropub create.
    const form = new URLSearchParams(await c.req.text());
    const token = form.get('access_token');
    return { kind: 'form', form, bodyToken: token ?? undefined };
  }
  if (type === 'multipart/form-data') {
    let form: FormData;
    try {
      form = await c.req.formData();
    } catch (err) {
      // A body over its limit says so (413); anything else is a malformed form.
      if (isAppError(err)) throw err;
      throw new AppError('invalid_request', 'The form body could not be read.');
    }
    const token = form.get('access_token');
    return { kind: 'form', form, bodyToken: typeof token === 'string' ? token : undefined };
  }
  throw new AppError(
    'unsupported_media_type',
    'Send application/x-www-form-urlencoded, multipart/form-data or application/json.',
  );
}

/** The Micropub request a body describes (§3.3, §3.4–3.6). */
function parseBody(body: ReadBody): MicropubRequest {
  return body.kind === 'json'
    ? fromJson(body.json)
    : fromFormFields(body.form.entries() as Iterable<[string, string | File]>);
}

/** The `access_token` of an unauthenticated form body; undefined when it is missing or unreadable. */
async function formBodyToken(c: Context): Promise<string | undefined> {
  try {
    return (await readBody(c)).bodyToken;
  } catch (err) {
    // Too large is said as such; a malformed body is just "no token" (authentication comes first).
    if (isAppError(err) && err.code === 'payload_too_large') throw err;
    return undefined;
  }
}

/** What a token may read through Micropub queries: everything, public notes only, or nothing. */
function readAccess(token: BearerToken): 'all' | 'public' | 'none' {
  if (hasScope(token, 'update')) return 'all';
  return hasScope(token, ...READ_SCOPES) ? 'public' : 'none';
}

/** The Micropub endpoint and media endpoint (W3C Micropub Recommendation). */
export function micropubRoutes(deps: MicropubDeps): Hono<Env> {
  const app = new Hono<Env>();
  const { config, notes, media } = deps;
  const urls = siteUrls(config);
  const mediaEndpoint = urls.abs('micropub/media');
  const auth = requireToken(deps.verify, formBodyToken);
  // Upload bodies are read and images processed a few at a time: the rest wait unread, their
  // bytes held back by TCP rather than in this process (a burst of 50 uploads cost 40 MB otherwise).
  // A body that declares a small length (a phone photo, a screenshot) counts for that length, any
  // other for the largest a body may be: two large uploads at once, as ever, or up to eight small
  // ones, which keep every core busy while others wait for their disk writes.
  const uploads = createWeightedGate(2 * BODY_LIMITS.textWithUpload, { maxTasks: 8 });
  const uploadWeight = (c: Context): number => {
    const declared = c.req.header('content-length');
    const n = declared === undefined || c.req.header('transfer-encoding') ? Number.NaN : Number(declared);
    return Number.isFinite(n) && n >= 0 && n <= SMALL_UPLOAD_BYTES ? n : BODY_LIMITS.textWithUpload;
  };

  function scopeError(c: Context, scope: string, description?: string): Response {
    return bearerError(
      c,
      403,
      'insufficient_scope',
      description ?? `This request needs the "${scope}" scope.`,
      scope,
    );
  }

  /** The note a post URL names (trash included), or an invalid_request error (§3.8). */
  function noteAt(url: string | undefined): Note {
    if (!url) throw new AppError('invalid_request', 'url is required.');
    let slug: string | undefined;
    try {
      const u = new URL(url, config.siteUrl);
      const base = new URL(config.siteUrl);
      const m = /^\/(?:notes|note)\/([^/]+)\/?$/.exec(u.pathname.slice(base.pathname.length - 1));
      if (u.host === base.host && m) slug = decodeURIComponent(m[1]!);
    } catch {
      // not a URL
    }
    // A note keeps every address it had: its former slugs still name it (they answer 301 on the site).
    const note = slug ? (notes.getNoteBySlug(slug) ?? notes.getNoteByFormerSlug(slug)) : undefined;
    if (!note) throw new AppError('invalid_request', 'The post with the requested URL was not found.');
    return note;
  }

  /** Tags a token may see: all of them with `update`, else only those public notes carry. */
  function categoriesFor(access: 'all' | 'public'): string[] {
    return (access === 'all' ? notes.listTags() : notes.listPublicTags()).map((t) => t.name);
  }

  const NEEDS_READ =
    'Reading posts through Micropub needs the "create" scope ("update" to include drafts, private, unlisted and scheduled posts).';

  /** q=config (§3.7.1): any token may ask; categories only for a token that may read the site. */
  function configQuery(c: Context<Env>): Response {
    const access = readAccess(c.get('token'));
    const body: Record<string, unknown> = {
      'media-endpoint': mediaEndpoint,
      'syndicate-to': deps.syndication?.targets() ?? [],
      'post-types': POST_TYPES,
      q: ['config', 'source', 'syndicate-to', 'category'],
    };
    if (access !== 'none') body.categories = categoriesFor(access);
    return c.json(body);
  }

  /** q=category (Micropub extension): tags matching `filter`, as far as the token may see. */
  function categoryQuery(c: Context<Env>): Response {
    const access = readAccess(c.get('token'));
    if (access === 'none') return scopeError(c, 'create', NEEDS_READ);
    const filter = (c.req.query('filter') ?? '').toLowerCase();
    return c.json({ categories: categoriesFor(access).filter((n) => n.toLowerCase().includes(filter)) });
  }

  /** q=source (§3.7.2) of one post, or a page of posts: public ones unless the token has `update`. */
  function sourceQuery(c: Context<Env>): Response {
    const access = readAccess(c.get('token'));
    if (access === 'none') return scopeError(c, 'create', NEEDS_READ);
    const only = c.req.queries('properties[]') ?? c.req.queries('properties') ?? [];
    const url = c.req.query('url');
    if (url) {
      const note = noteAt(url);
      if (access !== 'all' && !notes.isPublic(note)) {
        return scopeError(c, 'update', 'This post is not public; reading it needs the "update" scope.');
      }
      if (note.deletedAt)
        throw new AppError('invalid_request', 'The post with the requested URL was deleted.');
      return c.json(noteToMf2(note, urls.note(note.slug), only));
    }
    const limitN = Number(c.req.query('limit') ?? 20);
    // `after` is the paging cursor this endpoint hands out (an offset), so both read the same.
    const offset = Number(c.req.query('offset') ?? c.req.query('after') ?? 0);
    if (!Number.isInteger(limitN) || limitN < 1 || limitN > 100)
      throw new AppError('invalid_request', 'limit must be 1–100.');
    if (!Number.isInteger(offset) || offset < 0 || offset > 1_000_000)
      throw new AppError('invalid_request', 'offset must be ≥ 0.');
    const list =
      access === 'all'
        ? notes.listForAdmin('all', limitN + 1, offset)
        : notes.listPublicNotesByOffset(limitN + 1, offset);
    const items = list.slice(0, limitN).map((n) => noteToMf2(n, urls.note(n.slug), only));
    const body: Record<string, unknown> = { items };
    if (list.length > limitN) body.paging = { after: String(offset + limitN) };
    return c.json(body);
  }

  app.get('/micropub', auth, (c) => {
    const q = c.req.query('q');
    if (q === 'config') return configQuery(c);
    if (q === 'syndicate-to') return c.json({ 'syndicate-to': deps.syndication?.targets() ?? [] });
    if (q === 'category') return categoryQuery(c);
    if (q === 'source') return sourceQuery(c);
    throw new AppError('invalid_request', q ? `Unknown query "${q.slice(0, 40)}".` : 'Missing q parameter.');
  });

  /** The accounts `mp-syndicate-to` names by uid (Micropub §3.3 commands); an unknown one is a 400. */
  function syndicateTo(commands: Record<string, unknown[]>): number[] {
    const uids = (commands['mp-syndicate-to'] ?? []).filter((v): v is string => typeof v === 'string');
    if (uids.length === 0) return [];
    if (!deps.syndication) throw new AppError('invalid_request', 'This site has no syndication targets.');
    return deps.syndication.accountIdsFor(uids);
  }

  /** Create (§3.3): files sent in photo/photo[] go to the media library first. */
  async function create(c: Context<Env>, req: MicropubRequest): Promise<Response> {
    const token = c.get('token');
    const draftOnly = !hasScope(token, 'create') && hasScope(token, 'draft');
    if (!hasScope(token, 'create') && !draftOnly) return scopeError(c, 'create');
    if (req.type !== 'entry')
      throw new AppError('invalid_request', `StarPunk publishes h-entry posts, not h-${req.type}.`);
    const props = { ...req.properties };
    for (const f of req.files) {
      if (f.property !== 'photo') {
        throw new AppError(
          'unsupported_media_type',
          `StarPunk stores uploaded images only (got a file in "${f.property}").`,
        );
      }
      const item = await media.saveUpload({
        bytes: Buffer.from(await f.file.arrayBuffer()),
        originalName: f.file.name,
        declaredType: f.file.type,
      });
      props.photo = [...(props.photo ?? []), urls.abs(item.url)];
    }
    const input = noteInputFrom(props, { draftOnly });
    let slug: string | null = null;
    const mpSlug = req.commands['mp-slug']?.[0];
    if (typeof mpSlug === 'string' && mpSlug.trim()) {
      const v = validateCustomSlug(mpSlug);
      slug = v.ok ? v.slug : slugify(mpSlug) || null;
      if (slug && !validateCustomSlug(slug).ok) slug = `${slug}-post`;
    }
    if (
      input.content.trim() === '' &&
      !input.name &&
      (input.photos ?? []).length === 0 &&
      Object.keys(props).length === 0
    ) {
      throw new AppError('invalid_request', 'The post has no properties.');
    }
    // Unknown targets are refused before anything is saved (a retry must not make a second note).
    const accounts = syndicateTo(req.commands);
    // Written in a group commit with the creates that arrive meanwhile (ADR 0016); answered only
    // once the note is committed and its file published. The copies are queued with the note, in
    // its transaction (NoteCommands).
    const note = await notes.createNoteGrouped({ ...input, slug, commands: { syndicateTo: accounts } });
    c.header('Location', urls.note(note.slug));
    return c.body(null, 201);
  }

  /** Update (§3.4): replace, add and delete operations on the stored properties. */
  function update(c: Context<Env>, req: MicropubRequest): Response {
    if (!hasScope(c.get('token'), 'update')) return scopeError(c, 'update');
    const note = noteAt(req.url);
    if (note.deletedAt) throw new AppError('invalid_request', 'The post was deleted; undelete it first.');
    // mp-syndicate-to may come as a command or inside replace/add; it is never a stored property.
    const accounts = syndicateTo({
      ...req.commands,
      'mp-syndicate-to': [
        ...(req.commands['mp-syndicate-to'] ?? []),
        ...listOf(req.replace?.['mp-syndicate-to']),
        ...listOf(req.add?.['mp-syndicate-to']),
      ],
    });
    for (const ops of [req.replace, req.add]) if (ops) delete ops['mp-syndicate-to'];
    const props = applyUpdate(note.properties, { replace: req.replace, add: req.add, delete: req.delete });
    const input = noteInputFrom(props, { draftOnly: false });
    notes.updateNote(note.id, {
      content: input.content,
      name: input.name,
      tags: input.tags,
      photos: input.photos,
      published: input.published,
      publishedAt: input.publishedAt ?? note.publishedAt,
      visibility: input.visibility,
      properties: props,
      commands: { syndicateTo: accounts },
    });
    return c.body(null, 204);
  }

  /** Delete (§3.5) and undelete (§3.6): the trash, never a purge. */
  function trash(c: Context<Env>, req: MicropubRequest): Response {
    const token = c.get('token');
    if (req.action === 'delete') {
      if (!hasScope(token, 'delete')) return scopeError(c, 'delete');
      const note = noteAt(req.url);
      if (!note.deletedAt) notes.trashNote(note.id);
      return c.body(null, 204);
    }
    if (!hasScope(token, 'undelete', 'delete')) return scopeError(c, 'undelete');
    const note = noteAt(req.url);
    if (note.deletedAt) notes.restoreNote(note.id);
    return c.body(null, 204);
  }

  async function post(c: Context<Env>): Promise<Response> {
    const body = await readBody(c);
    if (c.get('tokenFrom') === 'header' && body.bodyToken !== undefined) {
      return bearerError(
        c,
        400,
        'invalid_request',
        'Send the token in the Authorization header or in access_token, not both.',
      );
    }
    const req = parseBody(body);
    if (req.action === 'create') return create(c, req);
    if (req.action === 'update') return update(c, req);
    return trash(c, req);
  }

  // Multipart bodies carry files: they wait for the upload gate before they are read.
  app.post('/micropub', auth, (c) =>
    contentType(c) === 'multipart/form-data' ? uploads.run(uploadWeight(c), () => post(c)) : post(c),
  );

  app.post('/micropub/media', auth, async (c) => {
    if (!hasScope(c.get('token'), 'media', 'create')) return scopeError(c, 'media');
    if (contentType(c) !== 'multipart/form-data') {
      throw new AppError('invalid_request', 'Upload the file as multipart/form-data in a part named "file".');
    }
    return uploads.run(uploadWeight(c), async () => {
      let form: FormData;
      try {
        form = await c.req.formData();
      } catch (err) {
        if (isAppError(err)) throw err;
        throw new AppError('invalid_request', 'The multipart body could not be read.');
      }
      const files = [...form.entries()].filter(([, v]) => typeof v !== 'string');
      const file = form.get('file');
      if (!(file instanceof File) || files.length !== 1) {
        throw new AppError('invalid_request', 'Send exactly one file, in a part named "file".');
      }
      const item = await media.saveUpload({
        bytes: Buffer.from(await file.arrayBuffer()),
        originalName: file.name,
        declaredType: file.type,
      });
      c.header('Location', urls.abs(item.url));
      return c.json({ url: urls.abs(item.url) }, 201);
    });
  });

  // q=last (Micropub extension) tells which file was uploaded last: a media-workflow answer.
  app.get('/micropub/media', auth, (c) => {
    if (!hasScope(c.get('token'), 'media', 'create')) return scopeError(c, 'media');
    if (c.req.query('q') === 'last') {
      const last = media.listMedia(1, 0)[0];
      return c.json({ url: last ? urls.abs(last.url) : null });
    }
    throw new AppError('invalid_request', 'Unknown query.');
  });

  return app;
}
