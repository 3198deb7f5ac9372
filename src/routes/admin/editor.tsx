import type { Context, Hono } from 'hono';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { type DraftService, isDraftKey } from '../../drafts/editor-drafts.js';
import type { SessionVars } from '../../http/session.js';
import { AppError } from '../../lib/errors.js';
import { siteUrls } from '../../lib/site-urls.js';
import { normaliseTags } from '../../lib/tags.js';
import type { MediaService } from '../../media/service.js';
import { renderMarkdown } from '../../notes/markdown.js';
import {
  firstUrl,
  isResponseProperty,
  RESPONSE_KINDS,
  type ResponseProperty,
} from '../../notes/response-kinds.js';
import type { NoteInput, NoteService } from '../../notes/service.js';
import type { Mf2Properties, Note, Photo } from '../../notes/types.js';
import { fromZonedInput, toZonedInput } from '../../settings/time-zone.js';
import type { Syndication } from '../../syndication/service.js';
import type { AdminFrame } from '../../views/admin/layout.js';
import {
  type EditorValues,
  type MediaChoice,
  renderEditor,
  renderNotePreview,
  renderPreviewEntry,
  type SyndicationChoice,
} from '../../views/admin/notes.js';
import type { AuthorCard } from '../../views/author.js';

type Ctx = Context<{ Variables: SessionVars }>;

/** Dependencies of the editor routes. */
export interface EditorDeps {
  config: Config;
  clock: Clock;
  notes: NoteService;
  media: MediaService;
  drafts: DraftService;
  /** What every admin page knows about the request. */
  frame: (c: Ctx) => AdminFrame;
  /** The site's time zone (settings): "Schedule for" is shown and entered in it. */
  timeZone: () => string;
  /** The author as the settings describe them now (previews show the note's byline). */
  author: () => AuthorCard;
  /** Accounts the editor offers to copy a note to (one checkbox each). */
  syndication?: Syndication;
}

/** How many pictures of the media library the editor offers to add. */
const MEDIA_CHOICES = 24;
/** The most photos one note may have from the editor. */
const MAX_PHOTOS = 50;
const STAMP = /^[A-Za-z0-9_-]{8,64}$/;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The response kind and URL a note has (the first kind it has, as the editor shows one). */
function responseOfNote(n: Note): { kind: ResponseProperty | ''; url: string } {
  for (const k of RESPONSE_KINDS) {
    const url = firstUrl(n.properties[k.property]);
    if (url) return { kind: k.property, url };
  }
  return { kind: '', url: '' };
}

/** The editor's values for a saved note. */
function valuesFromNote(n: Note, content: string, now: Date, timeZone: string): EditorValues {
  const response = responseOfNote(n);
  return {
    content,
    name: n.name ?? '',
    tags: n.tags.map((t) => t.name).join(', '),
    slug: n.slug,
    status: !n.published ? 'draft' : n.publishedAt > now ? 'schedule' : 'publish',
    publishAt: toZonedInput(n.publishedAt, timeZone),
    visibility: n.visibility,
    photoUrls: n.photos.map((p) => ({ url: p.url, alt: p.alt })),
    responseKind: response.kind,
    responseUrl: response.url,
    responseKindWas: response.kind,
    responseUrlWas: response.url,
  };
}

/** A photo URL the editor accepts: one of the site's media files or an http(s) address. */
function isPhotoUrl(url: string): boolean {
  return url.length <= 2048 && (/^\/media\/[\w./-]+$/.test(url) || /^https?:\/\/\S+$/i.test(url));
}

/** An absolute http(s) URL of at most 2048 characters, or undefined. */
function httpUrl(text: string): string | undefined {
  if (text.length > 2048) return undefined;
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

type Upload = { bytes: Buffer; name: string; type: string; alt: string };

/** The most files the editor's form takes at once without a script (its body limit fits three). */
const MAX_FORM_UPLOADS = 3;

/** The editor form as posted: what was typed, what it asks for, and every problem with it. */
interface EditorForm {
  values: EditorValues;
  errors: string[];
  /** Problems with the files alone (what "Upload and describe" checks). */
  uploadErrors: string[];
  /** Files chosen in the photo field (several without a script: the script uploads each itself). */
  uploads: Upload[];
  publishedAt: Date | undefined;
  /**
   * 'save' unless a button asked only to show the form again changed (preview, photos arranged),
   * or to upload the chosen files and show them with a description field each ('upload').
   */
  intent: 'save' | 'preview' | 'rearrange' | 'upload';
  /** The visit of the editor that posted (its autosaved draft), when the script sent it. */
  stamp: string | undefined;
}

/** The accounts ticked under "Copy to" (ids; anything else is ignored). */
async function pickedAccounts(c: Ctx): Promise<number[]> {
  const v = (await c.req.parseBody({ all: true })).syndicate_to;
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string' && /^\d{1,12}$/.test(x)).map(Number);
}

/** Reads the editor form: what was typed, the note input it means, and every problem with it. */
async function readEditor(c: Ctx, clock: Clock, timeZone: string): Promise<EditorForm> {
  const body = await c.req.parseBody({ all: false });
  const kind = str(body.response_kind);
  const kindWas = str(body.response_kind_was);
  const values: EditorValues = {
    content: str(body.content),
    name: str(body.name).trim(),
    tags: str(body.tags),
    slug: str(body.slug).trim(),
    status: (['publish', 'schedule', 'draft'] as const).find((s) => s === body.status) ?? 'publish',
    publishAt: str(body.publish_at),
    visibility: (['public', 'unlisted', 'private'] as const).find((s) => s === body.visibility) ?? 'public',
    photoUrls: [],
    responseKind: isResponseProperty(kind) ? kind : '',
    responseUrl: str(body.response_url).trim(),
    responseKindWas: isResponseProperty(kindWas) ? kindWas : '',
    responseUrlWas: str(body.response_url_was),
  };
  const errors: string[] = [];
  for (let i = 0; i < MAX_PHOTOS && typeof body[`photo_url_${i}`] === 'string'; i++) {
    if (body[`photo_remove_${i}`]) continue;
    // A photo the note already has stays whatever its URL looks like (notes imported or sent by a
    // client may use other forms); only pictures added here are checked.
    const url = str(body[`photo_url_${i}`]);
    if (url) values.photoUrls.push({ url, alt: str(body[`photo_alt_${i}`]).trim() });
  }
  let intent: EditorForm['intent'] =
    str(body.intent) === 'preview' ? 'preview' : str(body.intent) === 'upload' ? 'upload' : 'save';
  // The no-script way to arrange photos: these buttons show the form again, changed, unsaved.
  const added = str(body.add_photo);
  if (added) {
    intent = 'rearrange';
    if (isPhotoUrl(added) && values.photoUrls.length < MAX_PHOTOS)
      values.photoUrls.push({ url: added, alt: '' });
  }
  const move = /^(\d{1,2}):(up|down)$/.exec(str(body.photo_move));
  if (move) {
    intent = 'rearrange';
    const from = Number(move[1]);
    const to = move[2] === 'up' ? from - 1 : from + 1;
    const list = values.photoUrls;
    if (from < list.length && to >= 0 && to < list.length) [list[from], list[to]] = [list[to]!, list[from]!];
  }
  const chosen = [(await c.req.parseBody({ all: true })).photo]
    .flat()
    .filter((f): f is File => f instanceof File && f.size > 0);
  const uploadErrors: string[] = [];
  if (chosen.length > MAX_FORM_UPLOADS)
    uploadErrors.push(`Add at most ${MAX_FORM_UPLOADS} photos at once this way; save, then add more.`);
  const uploads: Upload[] = [];
  for (const file of chosen.slice(0, MAX_FORM_UPLOADS)) {
    uploads.push({
      bytes: Buffer.from(await file.arrayBuffer()),
      name: file.name,
      type: file.type,
      // The one description field is for a single photo; several are described one by one.
      alt: chosen.length === 1 ? str(body.photo_alt).trim() : '',
    });
  }
  if (intent === 'upload' && uploads.length === 0) uploadErrors.push('Choose the photos to upload first.');
  errors.push(...uploadErrors);
  let publishedAt: Date | undefined;
  if (values.status === 'schedule') {
    // Entered on the site's clocks, stored as the UTC instant it means.
    const d = fromZonedInput(values.publishAt, timeZone);
    if (!d) errors.push('Give the date and time to publish at.');
    else if (d <= clock.now())
      errors.push('The scheduled time is in the past; choose a later one or “Publish now”.');
    else publishedAt = d;
  }
  if (values.responseKind && !values.responseUrl) {
    errors.push('Give the address (URL) of the page this responds to.');
  } else if (values.responseUrl) {
    const url = httpUrl(values.responseUrl);
    if (!url) errors.push('The address it responds to must be a full http:// or https:// URL.');
    else if (!values.responseKind)
      errors.push('Choose what kind of post this is (reply, like, repost or bookmark) for that address.');
    else values.responseUrl = url;
  }
  if (
    values.content.trim() === '' &&
    !values.name &&
    values.photoUrls.length === 0 &&
    uploads.length === 0 &&
    !values.responseUrl
  ) {
    errors.push('Write something (or add a title, a photo, or the address this responds to).');
  }
  const stamp = str(body.draft_stamp);
  return {
    values,
    errors,
    uploadErrors,
    uploads,
    publishedAt,
    intent,
    stamp: STAMP.test(stamp) ? stamp : undefined,
  };
}

/** The note input a valid editor form means. */
function noteInput(values: EditorValues, photos: Photo[], publishedAt: Date | undefined): NoteInput {
  return {
    content: values.content,
    name: values.name || null,
    tags: values.tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    published: values.status !== 'draft',
    publishedAt: publishedAt ?? null,
    visibility: values.visibility,
    photos,
  };
}

/**
 * The response properties an edit sets: the kind shown in the editor changes or goes, the others
 * a client may have sent stay. An unchanged URL is left as stored (it may be a client's h-cite).
 */
function responseChanges(v: EditorValues): Mf2Properties | undefined {
  const set: Mf2Properties = {};
  if (v.responseKindWas && v.responseKindWas !== v.responseKind) set[v.responseKindWas] = [];
  if (v.responseKind) {
    const unchanged = v.responseKind === v.responseKindWas && v.responseUrl === v.responseUrlWas;
    if (!unchanged) set[v.responseKind] = v.responseUrl ? [v.responseUrl] : [];
  }
  return Object.keys(set).length > 0 ? set : undefined;
}

/** Flash keys after a save, by what the note became. */
const SAVED_FLASH = { draft: 'draft', schedule: 'scheduled', publish: 'published' } as const;

/**
 * The confirmation after an edit, by what the note became: a note that goes live is "published"
 * (a draft or a scheduled note published now), one that leaves the public "draft", a new date
 * "scheduled"; a live note that stays live is "saved" (or "moved" to its new address).
 */
function flashAfterEdit(n: Note, status: EditorValues['status'], moved: boolean, now: Date): string {
  const wasLive = n.published && n.publishedAt <= now;
  if (status === 'publish' && !wasLive) return 'published';
  if (status === 'schedule') return 'scheduled';
  if (status === 'draft') return 'draft';
  return moved ? 'moved' : 'saved';
}

/**
 * The editor's routes on the admin router (the admin sub-app's guard covers them): new and edit
 * (each works without a script), the preview fragment, the preview page of a saved note, and the
 * autosaved drafts.
 */
export function registerEditorRoutes(app: Hono<{ Variables: SessionVars }>, deps: EditorDeps): void {
  const { config, clock, notes, media, drafts } = deps;
  const urls = siteUrls(config);
  const tagUrl = (key: string) => urls.tag(key);

  const mediaChoices = (): MediaChoice[] =>
    media.listMedia(MEDIA_CHOICES, 0).map((m) => ({
      url: m.url,
      thumb: m.variants.thumb ?? m.url,
      alt: m.alt,
      label: m.originalName ?? m.filePath,
    }));

  const emptyValues = (): EditorValues => ({
    content: '',
    name: '',
    tags: '',
    slug: '',
    status: 'publish',
    publishAt: toZonedInput(new Date(clock.now().getTime() + 3600_000), deps.timeZone()),
    visibility: 'public',
    photoUrls: [],
    responseKind: '',
    responseUrl: '',
    responseKindWas: '',
    responseUrlWas: '',
  });

  /** The note as the form describes it, for a preview: nothing is saved. */
  function previewOf(v: EditorValues, publishedAt: Date | undefined): Note {
    const now = clock.now();
    const properties: Mf2Properties = {};
    const url = v.responseUrl ? httpUrl(v.responseUrl) : undefined;
    if (v.responseKind && url) properties[v.responseKind] = [url];
    const citations = notes.citationsFor(properties);
    return {
      id: 0,
      slug: v.slug || 'preview',
      filePath: '',
      name: v.name || null,
      contentHtml: renderMarkdown(v.content),
      contentHash: '',
      published: v.status !== 'draft',
      visibility: v.visibility,
      publishedAt: publishedAt ?? now,
      createdAt: now,
      updatedAt: null,
      deletedAt: null,
      tags: normaliseTags(v.tags.split(',')),
      photos: v.photoUrls,
      properties,
      revision: 0,
      ...(citations.length > 0 ? { citations } : {}),
    };
  }

  const previewHtml = (form: EditorForm) =>
    renderPreviewEntry({
      note: previewOf(form.values, form.publishedAt),
      url: '#preview',
      tagUrl,
      author: deps.author(),
      timeZone: deps.timeZone(),
    });

  const publicUrl = (n: Note) =>
    n.published && n.visibility !== 'private' && !n.deletedAt ? urls.note(n.slug) : undefined;
  /** A draft or a scheduled note has no public page yet: the admin preview page shows it. */
  const previewUrl = (n: Note) =>
    !n.published || n.publishedAt > clock.now() ? `/admin/preview/${n.id}` : undefined;

  /** Published and its date reached: what a visitor may already have read. */
  const isLive = (n: Note) => n.published && n.publishedAt <= clock.now();

  function findNote(id: string): Note {
    const n = /^\d{1,12}$/.test(id) ? notes.getNoteById(Number(id)) : undefined;
    if (!n) throw new AppError('not_found', 'No such note.');
    return n;
  }

  /** Stores the chosen files in the media library, one after another; returns them as photos. */
  async function saveUploads(uploads: Upload[]): Promise<Photo[]> {
    const photos: Photo[] = [];
    for (const upload of uploads) {
      const item = await media.saveUpload({
        bytes: upload.bytes,
        originalName: upload.name,
        declaredType: upload.type,
        alt: upload.alt,
      });
      photos.push({ url: item.url, alt: upload.alt });
    }
    return photos;
  }

  /** One checkbox per account: ticked by the account's default on a new note, as posted otherwise. */
  function syndicationChoices(noteId: number | undefined, picked?: number[]): SyndicationChoice[] {
    const s = deps.syndication;
    if (!s) return [];
    const copies = noteId === undefined ? [] : s.copiesForNote(noteId);
    return s.listAccounts().map((a) => {
      const copy = copies.find(
        (x) => x.account?.id === a.id && x.state !== 'removed' && x.state !== 'failed',
      );
      const checked = picked ? picked.includes(a.id) : noteId === undefined && a.defaultOn;
      return { id: a.id, name: a.name, checked, ...(copy ? { copied: copy.url ?? 'queued' } : {}) };
    });
  }

  /** Where the browser goes after a save; `saved` tells the script which draft that visit saved. */
  function afterSave(id: number, flash: string, key: string, stamp: string | undefined): string {
    if (!stamp) return `/admin/edit/${id}?flash=${flash}`;
    drafts.discardDraft(key, stamp);
    return `/admin/edit/${id}?flash=${flash}&saved=${stamp}`;
  }

  /**
   * The editor shown again with what was posted, for a new note or for `n`: after a problem
   * (`errors`, with their status), a preview, or photos arranged.
   */
  function postedPage(c: Ctx, form: EditorForm, picked: number[], n?: Note) {
    return (errors: string[], status = 200, preview?: string) =>
      c.html(
        renderEditor({
          frame: deps.frame(c),
          mode: n ? 'edit' : 'new',
          noteId: n?.id,
          revision: n?.revision,
          live: n !== undefined && isLive(n),
          values: form.values,
          errors,
          previewHtml: preview,
          publicUrl: n && publicUrl(n),
          previewUrl: n && previewUrl(n),
          media: mediaChoices(),
          syndication: syndicationChoices(n?.id, picked),
          unsaved: true,
        }),
        status as 200,
      );
  }

  /**
   * What a post of the editor does, for a new note or an old one: a preview or photos arranged
   * show the form again, problems show it with them (400); anything else stores the upload and
   * `save`s the note. A save the service refuses (an address taken…) shows the form again with
   * the reason.
   */
  async function submitEditor(
    form: EditorForm,
    page: ReturnType<typeof postedPage>,
    save: (input: NoteInput) => Response,
  ): Promise<Response> {
    if (form.intent === 'preview') return page([], 200, previewHtml(form));
    if (form.intent === 'rearrange') return page([]);
    if (form.intent === 'upload' && form.uploadErrors.length > 0) return page(form.uploadErrors, 400);
    if (form.intent !== 'upload' && form.errors.length > 0) return page(form.errors, 400);
    try {
      if (form.intent === 'upload') {
        // Uploaded now and shown with a description field each; the note is saved later.
        const room = Math.max(0, MAX_PHOTOS - form.values.photoUrls.length);
        form.values.photoUrls.push(...(await saveUploads(form.uploads.slice(0, room))));
        return page([]);
      }
      const photos = [...form.values.photoUrls, ...(await saveUploads(form.uploads))];
      return save(noteInput(form.values, photos, form.publishedAt));
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return page([err.message], err.status);
      throw err;
    }
  }

  function newEditorPage(c: Ctx) {
    return c.html(
      renderEditor({
        frame: deps.frame(c),
        mode: 'new',
        values: emptyValues(),
        errors: [],
        media: mediaChoices(),
        syndication: syndicationChoices(undefined),
      }),
    );
  }

  async function createFromEditor(c: Ctx) {
    const form = await readEditor(c, clock, deps.timeZone());
    const picked = await pickedAccounts(c);
    return submitEditor(form, postedPage(c, form, picked), (input) => {
      const v = form.values;
      const properties = v.responseKind && v.responseUrl ? { [v.responseKind]: [v.responseUrl] } : undefined;
      // The ticked accounts' copies are queued with the note, in its transaction (NoteCommands).
      const note = notes.createNote({
        ...input,
        slug: v.slug || null,
        ...(properties ? { properties } : {}),
        commands: { syndicateTo: picked },
      });
      return c.redirect(afterSave(note.id, SAVED_FLASH[v.status], 'new', form.stamp), 303);
    });
  }

  function editorPage(c: Ctx) {
    const n = findNote(c.req.param('id') ?? '');
    if (n.deletedAt) throw new AppError('gone', 'This note is in the trash; restore it to edit it.');
    const source = notes.getNoteSource(n).content;
    return c.html(
      renderEditor({
        frame: deps.frame(c),
        mode: 'edit',
        noteId: n.id,
        revision: n.revision,
        live: isLive(n),
        values: valuesFromNote(n, source, clock.now(), deps.timeZone()),
        errors: [],
        publicUrl: publicUrl(n),
        previewUrl: previewUrl(n),
        media: mediaChoices(),
        syndication: syndicationChoices(n.id),
      }),
    );
  }

  async function updateFromEditor(c: Ctx) {
    const n = findNote(c.req.param('id') ?? '');
    const form = await readEditor(c, clock, deps.timeZone());
    const picked = await pickedAccounts(c);
    // An emptied field keeps the address; another one moves the note (the old address redirects).
    if (!form.values.slug) form.values.slug = n.slug;
    const newSlug = form.values.slug.toLowerCase() !== n.slug ? form.values.slug : undefined;
    return submitEditor(form, postedPage(c, form, picked, n), (input) => {
      // "Publish now" on a note that was already live keeps its original date.
      const keepDate = form.values.status === 'publish' && n.published && n.publishedAt <= clock.now();
      const setProperties = responseChanges(form.values);
      // The address first: a slug that is taken refuses the whole save, before anything changes.
      if (newSlug) notes.changeSlug(n.id, newSlug);
      notes.updateNote(n.id, {
        ...input,
        publishedAt: form.publishedAt ?? (keepDate ? n.publishedAt : clock.now()),
        ...(setProperties ? { setProperties } : {}),
        commands: { syndicateTo: picked },
      });
      return c.redirect(
        afterSave(
          n.id,
          flashAfterEdit(n, form.values.status, newSlug !== undefined, clock.now()),
          String(n.id),
          form.stamp,
        ),
        303,
      );
    });
  }

  /** The live preview: the note as the form describes it, rendered like its public page. */
  async function previewFragment(c: Ctx) {
    const body = await c.req.parseBody();
    if (Buffer.byteLength(str(body.content)) > 512 * 1024)
      throw new AppError('payload_too_large', 'Too much text to preview.');
    const form = await readEditor(c, clock, deps.timeZone());
    return c.html(previewHtml(form));
  }

  /** A saved note as it will look when published (drafts and scheduled notes have no public page). */
  function previewPage(c: Ctx) {
    const n = findNote(c.req.param('id') ?? '');
    if (n.deletedAt) throw new AppError('gone', 'This note is in the trash; restore it to preview it.');
    return c.html(
      renderNotePreview({
        frame: deps.frame(c),
        note: n,
        state: !n.published ? 'draft' : n.publishedAt > clock.now() ? 'scheduled' : 'published',
        publicUrl: publicUrl(n),
        entryHtml: renderPreviewEntry({
          note: n,
          url: urls.note(n.slug),
          tagUrl,
          author: deps.author(),
          timeZone: deps.timeZone(),
        }),
      }),
    );
  }

  /** The editor a draft key names; a note that does not exist (or is in the trash) has none. */
  function draftKey(c: Ctx): string {
    const key = c.req.param('key') ?? '';
    if (!isDraftKey(key)) throw new AppError('not_found', 'No such editor.');
    if (key !== 'new') {
      const n = notes.getNoteById(Number(key));
      if (!n || n.deletedAt) throw new AppError('not_found', 'No such note.');
    }
    return key;
  }

  /** The server's copy of a draft, and the current CSRF token (a script whose page is older needs it). */
  function getDraft(c: Ctx) {
    const draft = drafts.findDraft(draftKey(c));
    c.header('Cache-Control', 'no-store');
    return c.json({
      draft: draft
        ? {
            stamp: draft.stamp,
            typed_at: draft.typedAt,
            base_revision: draft.baseRevision,
            fields: draft.fields,
            saved_at: draft.savedAt.toISOString(),
          }
        : null,
      csrf: c.get('session')!.csrf,
    });
  }

  async function readJson(c: Ctx): Promise<unknown> {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json')
      throw new AppError('unsupported_media_type', 'Send the draft as application/json.');
    try {
      return await c.req.json();
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('invalid_request', 'The body is not valid JSON.');
    }
  }

  /** Autosave: stores what the editor holds now. */
  async function putDraft(c: Ctx) {
    const key = draftKey(c);
    const savedAt = drafts.saveDraft(key, await readJson(c));
    c.header('Cache-Control', 'no-store');
    return c.json({ saved_at: savedAt.toISOString() });
  }

  /** Forgets a draft ("Discard"), or the one a visit saved as a note. */
  async function discardDraft(c: Ctx) {
    const key = draftKey(c);
    const body = (await readJson(c)) as { stamp?: unknown } | null;
    const stamp = body && typeof body.stamp === 'string' && STAMP.test(body.stamp) ? body.stamp : undefined;
    drafts.discardDraft(key, stamp);
    return c.body(null, 204);
  }

  app.get('/new', newEditorPage);
  app.post('/new', createFromEditor);
  app.get('/edit/:id', editorPage);
  app.post('/edit/:id', updateFromEditor);
  app.post('/preview', previewFragment);
  app.get('/preview/:id', previewPage);
  app.get('/drafts/:key', getDraft);
  app.post('/drafts/:key', putDraft);
  app.post('/drafts/:key/discard', discardDraft);
}
