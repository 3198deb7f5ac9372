import type { SiteSettings } from '../../settings/schema.js';
import { IMAGE_ACCEPT, Problems } from './components.js';
import { AdminForm } from './form.js';
import { type AdminFrame, renderAdmin } from './layout.js';

/** What the settings form shows: saved values, or what was posted when it is shown again with errors. */
export interface SettingsFormValues {
  siteName: string;
  siteDescription: string;
  language: string;
  postsPerPage: string;
  footerText: string;
  timeZone: string;
  authorName: string;
  authorUrl: string;
  authorNote: string;
  relMe: string;
  socialImageUrl: string;
}

/** The form's values from the settings in force. */
export function formValuesOf(s: SiteSettings): SettingsFormValues {
  return {
    siteName: s.siteName,
    siteDescription: s.siteDescription,
    language: s.language,
    postsPerPage: String(s.postsPerPage),
    footerText: s.footerText,
    timeZone: s.timeZone,
    authorName: s.authorName,
    authorUrl: s.authorUrl,
    authorNote: s.authorNote,
    relMe: s.relMe.join('\n'),
    socialImageUrl: s.socialImage,
  };
}

// Every zone Intl knows, listed once (Node 20 has Intl.supportedValuesOf).
const ZONES: readonly string[] = (() => {
  const list = Intl.supportedValuesOf('timeZone');
  return list.includes('UTC') ? list : ['UTC', ...list];
})();

/** A picture the settings hold: its upload field, what is saved now beside it, and a box to remove it. */
function PictureField(props: {
  id: string;
  label: string;
  /** The saved picture as shown here; '' when there is none. */
  saved: '' | { src: string; alt: string; width: number; height: number; wide?: boolean };
  remove?: { name: string; label: string };
}) {
  const saved = props.saved;
  return (
    <>
      <label for={props.id}>{props.label}</label>
      {saved && (
        <img
          class={saved.wide ? 'settings-picture wide' : 'settings-picture'}
          src={saved.src}
          alt={saved.alt}
          width={saved.width}
          height={saved.height}
        />
      )}
      <input id={props.id} name={props.id} type="file" accept={IMAGE_ACCEPT} />
      {saved && props.remove && (
        <label class="inline-check">
          <input type="checkbox" name={props.remove.name} value="1" /> {props.remove.label}
        </label>
      )}
    </>
  );
}

/** The settings page: site, author, time zone and pictures, with every problem listed above the form. */
export function renderSettings(p: {
  frame: AdminFrame;
  values: SettingsFormValues;
  /** The pictures saved now (site paths), shown beside their upload fields. */
  pictures: { authorPhoto: string; icon: string; socialImage: string };
  errors: string[];
}): string {
  const v = p.values;
  const zoneKnown = v.timeZone === '' || ZONES.includes(v.timeZone);
  return renderAdmin(
    'Settings',
    p.frame,
    <>
      <h1>Settings</h1>
      <Problems
        errors={p.errors}
        intro={(which) => `Nothing was saved. Please fix ${which}:`}
        id="settings-errors"
      />
      <AdminForm action="/admin/settings" enctype="multipart/form-data" class="settings stack">
        <fieldset>
          <legend>Site</legend>
          <label for="site_name">Site name</label>
          <input id="site_name" name="site_name" type="text" required maxlength={120} value={v.siteName} />
          <label for="site_description">Description</label>
          <textarea id="site_description" name="site_description" rows={2} maxlength={500}>
            {v.siteDescription}
          </textarea>
          <label for="language">Language</label>
          <input
            id="language"
            name="language"
            type="text"
            maxlength={35}
            value={v.language}
            aria-describedby="language-help"
          />
          <p id="language-help" class="help">
            A language tag such as en, en-GB, fr or pt-BR.
          </p>
          <label for="posts_per_page">Posts per page</label>
          <input
            id="posts_per_page"
            name="posts_per_page"
            type="number"
            min={1}
            max={100}
            value={v.postsPerPage}
          />
          <label for="footer_text">Footer text</label>
          <textarea id="footer_text" name="footer_text" rows={2} maxlength={500}>
            {v.footerText}
          </textarea>
        </fieldset>
        <fieldset>
          <legend>Time zone</legend>
          <label for="time_zone">Dates are shown, and scheduled notes entered, in</label>
          <select
            id="time_zone"
            name="time_zone"
            aria-describedby="time-zone-help"
            data-saved={v.timeZone === '' ? 'false' : 'true'}
          >
            <option value="" selected={v.timeZone === ''}>
              Not set (UTC)
            </option>
            {!zoneKnown && (
              <option value={v.timeZone} selected>
                {v.timeZone}
              </option>
            )}
            {ZONES.map((z) => (
              <option value={z} selected={z === v.timeZone}>
                {z}
              </option>
            ))}
          </select>
          <p id="time-zone-help" class="help" aria-live="polite">
            Feeds always carry exact times with their offset, whatever you choose.
          </p>
        </fieldset>
        <fieldset>
          <legend>Author</legend>
          <label for="author_name">Name</label>
          <input id="author_name" name="author_name" type="text" maxlength={120} value={v.authorName} />
          <label for="author_url">Your own web address (if not this site)</label>
          <input id="author_url" name="author_url" type="url" maxlength={2048} value={v.authorUrl} />
          <label for="author_note">Short bio</label>
          <textarea id="author_note" name="author_note" rows={3} maxlength={1000}>
            {v.authorNote}
          </textarea>
          <label for="rel_me">Your other profiles (rel="me" links), one per line</label>
          <textarea id="rel_me" name="rel_me" rows={4} aria-describedby="rel-me-help">
            {v.relMe}
          </textarea>
          <p id="rel-me-help" class="help">
            For example https://mastodon.social/@you, https://github.com/you or mailto:you@example.com. To get
            Mastodon's verified link, put this site's address in your Mastodon profile too.
          </p>
          <PictureField
            id="author_photo"
            label="Photo (cropped square)"
            saved={
              p.pictures.authorPhoto && {
                src: p.pictures.authorPhoto,
                alt: 'You, as saved',
                width: 96,
                height: 96,
              }
            }
            remove={{ name: 'remove_author_photo', label: 'Remove the photo' }}
          />
        </fieldset>
        <fieldset>
          <legend>Pictures</legend>
          <PictureField
            id="site_icon"
            label="Site icon (favicon and touch icon; a square picture of 512 pixels or more)"
            saved={
              p.pictures.icon && {
                src: `/icon-192.png?v=${p.pictures.icon}`,
                alt: 'Current site icon',
                width: 48,
                height: 48,
              }
            }
            remove={{ name: 'remove_site_icon', label: 'Remove the icon' }}
          />
          <PictureField
            id="social_image"
            label="Default social image (shown in link previews when a note has no photo)"
            saved={
              p.pictures.socialImage && {
                src: p.pictures.socialImage,
                alt: 'Current link preview',
                width: 240,
                height: 126,
                wide: true,
              }
            }
          />
          <label for="social_image_url">…or its address</label>
          <input
            id="social_image_url"
            name="social_image_url"
            type="text"
            maxlength={2048}
            value={v.socialImageUrl}
          />
        </fieldset>
        <div class="form-actions">
          <button type="submit">Save settings</button>
        </div>
      </AdminForm>
      <script src="/static/settings.js" defer />
    </>,
  );
}
