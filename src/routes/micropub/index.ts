import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import {
  type BearerVars,
  bearerError,
  hasScope,
  requireToken,
  type TokenVerifier,
} from '../../http/bearer.js';
import { createGate } from '../../http/gate.js';
import type { MediaService } from '../../media/service.js';
import { noteInputFrom } from '../../micropub/map.js';
import { fromFormFields, fromJson, type MicropubRequest } from '../../micropub/parse.js';
import { noteToMf2 } from '../../micropub/present.js';
import { applyUpdate } from '../../micropub/update.js';
import type { NoteService } from '../../notes/service.js';
import { slugify, validateCustomSlug } from '../../notes/slug.js';
import type { Note } from '../../notes/types.js';
import { siteUrls } from '../../site/urls.js';

/** Dependencies of the Micropub routes. */
export interface MicropubDeps {
  config: Config;
  clock: Clock;
  notes: NoteService;
  media: MediaService;
  verify: TokenVerifier;
}

const MAX_BODY = 30 * 1024 * 1024;
const POST_TYPES = [
  { type: 'note', name: 'Note' },
  { type: 'article', name: 'Article' },
  { type: 'photo', name: 'Photo' },
  { type: 'reply', name: 'Reply' },
  { type: 'like', name: 'Like' },
  { type: 'repost', name: 'Repost' },
  { type: 'bookmark', name: 'Bookmark' },
];

type Env = { Variables: BearerVars };

/** Reads and caches the request body once, whatever its encoding. */
async function readRequest(c: Context): Promise<MicropubRequest> {
  const cached = (c as unknown as { __mp?: MicropubRequest }).__mp;
  if (cached) return cached;
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  let req: MicropubRequest;
  if (type.startsWith('application/json')) {
    let json: unknown;
    try {
      json = JSON.parse(await c.req.text());
    } catch {
      throw new AppError('invalid_request', 'The body is not valid JSON.');
    }
    req = fromJson(json);
    const token = (json as Record<string, unknown>).access_token;
    (c as unknown as { __token?: unknown }).__token = typeof token === 'string' ? token : undefined;
  } else if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      form = await c.req.formData();
    } catch {
      throw new AppError('invalid_request', 'The form body could not be read.');
    }
    const token = form.get('access_token');
    (c as unknown as { __token?: unknown }).__token = typeof token === 'string' ? token : undefined;
    req = fromFormFields(form.entries() as Iterable<[string, string | File]>);
  } else {
    throw new AppError(
      'unsupported_media_type',
      'Send application/x-www-form-urlencoded, multipart/form-data or application/json.',
    );
  }
  (c as unknown as { __mp?: MicropubRequest }).__mp = req;
  return req;
}

async function bodyToken(c: Context): Promise<string | undefined> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (
    !type.startsWith('application/json') &&
    !type.startsWith('application/x-www-form-urlencoded') &&
    !type.startsWith('multipart/form-data')
  ) {
    return undefined;
  }
  try {
    await readRequest(c);
  } catch {
    // A malformed body is reported by the handler, after authentication.
    return undefined;
  }
  return (c as unknown as { __token?: string }).__token;
}

/** The Micropub endpoint and media endpoint (W3C Micropub Recommendation). */
export function micropubRoutes(deps: MicropubDeps): Hono<Env> {
  const app = new Hono<Env>();
  const { config, notes, media } = deps;
  const urls = siteUrls(config);
  const mediaEndpoint = urls.abs('micropub/media');
  const limit = bodyLimit({
    maxSize: MAX_BODY,
    onError: (c) =>
      c.json(
        {
          error: 'invalid_request',
          error_description: `The request is larger than ${MAX_BODY / 1024 / 1024} MB.`,
        },
        413,
      ),
  });
  const auth = requireToken(deps.verify, bodyToken);
  const uploads = createGate(2);

  function scopeError(c: Context, scope: string): Response {
    return bearerError(c, 403, 'insufficient_scope', `This request needs the "${scope}" scope.`, scope);
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
    const note = slug ? notes.getNoteBySlug(slug) : undefined;
    if (!note) throw new AppError('invalid_request', 'The post with the requested URL was not found.');
    return note;
  }

  app.use('/micropub', limit);
  app.use('/micropub/*', limit);

  app.get('/micropub', auth, (c) => {
    const q = c.req.query('q');
    if (q === 'config') {
      return c.json({
        'media-endpoint': mediaEndpoint,
        'syndicate-to': [],
        'post-types': POST_TYPES,
        q: ['config', 'source', 'syndicate-to', 'category'],
        categories: notes.listTags().map((t) => t.name),
      });
    }
    if (q === 'syndicate-to') return c.json({ 'syndicate-to': [] });
    if (q === 'category') {
      const filter = (c.req.query('filter') ?? '').toLowerCase();
      return c.json({
        categories: notes
          .listTags()
          .map((t) => t.name)
          .filter((n) => n.toLowerCase().includes(filter)),
      });
    }
    if (q === 'source') {
      const only = c.req.queries('properties[]') ?? c.req.queries('properties') ?? [];
      const url = c.req.query('url');
      if (url) {
        const note = noteAt(url);
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
      const list = notes.listForAdmin('all', limitN + 1, offset);
      const items = list.slice(0, limitN).map((n) => noteToMf2(n, urls.note(n.slug), only));
      const body: Record<string, unknown> = { items };
      if (list.length > limitN) body.paging = { after: String(offset + limitN) };
      return c.json(body);
    }
    throw new AppError('invalid_request', q ? `Unknown query "${q.slice(0, 40)}".` : 'Missing q parameter.');
  });

  app.post('/micropub', auth, async (c) => {
    const req = await readRequest(c);
    const token = c.get('token');
    if (req.action === 'create') {
      const draftOnly = !hasScope(token, 'create') && hasScope(token, 'draft');
      if (!hasScope(token, 'create') && !draftOnly) return scopeError(c, 'create');
      if (req.type !== 'entry')
        throw new AppError('invalid_request', `StarPunk publishes h-entry posts, not h-${req.type}.`);
      const props = { ...req.properties };
      // Files sent in photo/photo[] go to the media library; their URLs become photo values.
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
      const note = notes.createNote({ ...input, slug });
      c.header('Location', urls.note(note.slug));
      return c.body(null, 201);
    }
    if (req.action === 'update') {
      if (!hasScope(token, 'update')) return scopeError(c, 'update');
      const note = noteAt(req.url);
      if (note.deletedAt) throw new AppError('invalid_request', 'The post was deleted; undelete it first.');
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
      });
      return c.body(null, 204);
    }
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
  });

  app.post('/micropub/media', auth, async (c) => {
    const token = c.get('token');
    if (!hasScope(token, 'media', 'create')) return scopeError(c, 'media');
    const type = (c.req.header('content-type') ?? '').toLowerCase();
    if (!type.startsWith('multipart/form-data')) {
      throw new AppError('invalid_request', 'Upload the file as multipart/form-data in a part named "file".');
    }
    // Bodies are read and images processed a few at a time: the rest wait unread, their bytes
    // held back by TCP rather than in this process (a burst of 50 uploads cost 40 MB otherwise).
    return uploads.run(async () => {
      let form: FormData;
      try {
        form = await c.req.formData();
      } catch {
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

  app.get('/micropub/media', auth, (c) => {
    if (c.req.query('q') === 'last') {
      const last = media.listMedia(1, 0)[0];
      return c.json({ url: last ? urls.abs(last.url) : null });
    }
    throw new AppError('invalid_request', 'Unknown query.');
  });

  return app;
}
