import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Config } from '../../config.js';
import type { SessionVars } from '../../http/session.js';
import { isAppError } from '../../lib/errors.js';
import { saveAuthorPhoto, saveSiteIcon, saveSocialImage } from '../../settings/images.js';
import { parseSettingsForm, type SiteSettings } from '../../settings/schema.js';
import type { SettingsService } from '../../settings/service.js';
import type { AdminFrame } from '../../views/admin/layout.js';
import { formValuesOf, renderSettings, type SettingsFormValues } from '../../views/admin/settings.js';
import { type AdminFrameDeps, adminFrame } from './frame.js';

type Ctx = Context<{ Variables: SessionVars }>;

/** Dependencies of the settings page. */
export interface SettingsAdminDeps {
  config: Pick<Config, 'mediaPath' | 'devMode'>;
  settings: SettingsService;
  /** The site facts in force (site name, time zone in the admin frame). */
  site: AdminFrameDeps['site'];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** An uploaded file of the form, or undefined when the field was left empty. */
async function fileOf(v: unknown): Promise<Buffer | undefined> {
  if (!(v instanceof File) || v.size === 0) return undefined;
  return Buffer.from(await v.arrayBuffer());
}

/** What was posted, as the form shows it again when something is wrong. */
function postedValues(body: Record<string, unknown>): SettingsFormValues {
  return {
    siteName: str(body.site_name),
    siteDescription: str(body.site_description),
    language: str(body.language),
    postsPerPage: str(body.posts_per_page),
    footerText: str(body.footer_text),
    timeZone: str(body.time_zone),
    authorName: str(body.author_name),
    authorUrl: str(body.author_url),
    authorNote: str(body.author_note),
    relMe: str(body.rel_me),
    socialImageUrl: str(body.social_image_url),
  };
}

/**
 * Admin → Settings: GET shows the form, POST validates it (a 400 page with the form kept and every
 * problem listed), stores the pictures, saves, and redirects (post/redirect/get). Paths are
 * relative to the admin sub-app (app.ts), whose guard covers them.
 */
export function settingsAdminRoutes(deps: SettingsAdminDeps): Hono<{ Variables: SessionVars }> {
  const app = new Hono<{ Variables: SessionVars }>();
  const { settings } = deps;

  const frame = (c: Ctx): AdminFrame =>
    adminFrame(c, { config: deps.config, site: deps.site }, { saved: 'Settings saved.' });

  function page(c: Ctx, values: SettingsFormValues, errors: string[], status: 200 | 400 | 413 | 415) {
    const s = settings.current().settings;
    return c.html(
      renderSettings({
        frame: frame(c),
        values,
        pictures: { authorPhoto: s.authorPhoto, icon: s.icon, socialImage: s.socialImage },
        errors,
      }),
      status,
    );
  }

  app.get('/settings', (c) => page(c, formValuesOf(settings.current().settings), [], 200));

  app.post('/settings', async (c) => {
    const body = (await c.req.parseBody({ all: false })) as Record<string, unknown>;
    const parsed = parseSettingsForm(body);
    if (!parsed.ok) return page(c, postedValues(body), parsed.errors, 400);
    const f = parsed.value;
    const changes: Partial<SiteSettings> = {
      siteName: f.site_name,
      siteDescription: f.site_description,
      language: f.language,
      postsPerPage: f.posts_per_page,
      footerText: f.footer_text,
      timeZone: f.time_zone,
      authorName: f.author_name,
      authorUrl: f.author_url,
      authorNote: f.author_note,
      relMe: f.rel_me,
      socialImage: f.social_image_url,
    };
    // The pictures: each upload is checked and stored before anything is saved, so a bad picture
    // leaves every setting as it was.
    try {
      const photo = await fileOf(body.author_photo);
      if (photo) changes.authorPhoto = await saveAuthorPhoto(deps.config.mediaPath, photo);
      else if (str(body.remove_author_photo)) changes.authorPhoto = '';
      const icon = await fileOf(body.site_icon);
      if (icon) changes.icon = await saveSiteIcon(deps.config.mediaPath, icon);
      else if (str(body.remove_site_icon)) changes.icon = '';
      const social = await fileOf(body.social_image);
      if (social) changes.socialImage = await saveSocialImage(deps.config.mediaPath, social);
    } catch (err) {
      if (isAppError(err) && err.status < 500) {
        return page(
          c,
          postedValues(body),
          [err.message],
          err.status === 413 ? 413 : err.status === 415 ? 415 : 400,
        );
      }
      throw err;
    }
    settings.save(changes);
    return c.redirect('/admin/settings?flash=saved', 303);
  });

  return app;
}
