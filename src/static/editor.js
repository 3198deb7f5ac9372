// StarPunk note editor: live preview of the whole note, autosave (a copy in this browser at once,
// one on the server every few seconds), restoring that copy after an ended session, a closed tab
// or a failed save, arranging photos and adding pictures from the media library, uploading photos
// as they are chosen, dropped or pasted, showing only the fields the kind of post uses, and the
// shortcuts Ctrl/⌘+Enter (publish) and Ctrl/⌘+S (save). The editor works without this file; with
// it, nothing typed is lost.
(() => {
  const form = document.querySelector('form[data-editor]');
  if (!form) return;

  const PREFIX = 'starpunk:draft:';
  const key = form.getAttribute('data-draft-key') || 'new';
  const revisionAttr = form.getAttribute('data-revision');
  const revision = revisionAttr === null ? null : Number(revisionAttr);
  const field = (name) => form.elements.namedItem(name);
  const csrfInput = field('_csrf');
  const textarea = field('content');
  const preview = document.getElementById('preview');
  const statusBox = document.getElementById('draft-status');
  const alertBox = document.getElementById('draft-alert');
  const photoList = document.getElementById('photo-list');
  const photoStatus = document.getElementById('photo-status');

  /** A random name for this visit of the editor: its drafts carry it, so a save removes exactly them. */
  const stamp = (() => {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  })();
  const storageKey = `${PREFIX}${key}:${stamp}`;
  let dirty = false;
  let leaving = false;
  let signedOut = false;
  let typedAt = Date.now();

  const pad = (n) => String(n).padStart(2, '0');
  const clock = (ms) => {
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  };

  // The state of the autosave, shown quietly beside the Save button (not announced on every save).
  const actions = form.querySelector('.form-actions');
  const autosaveState = document.createElement('p');
  autosaveState.className = 'help autosave-state';
  autosaveState.id = 'autosave-state';
  actions?.append(autosaveState);
  let keptAt = null;
  let serverAt = null;
  const showAutosave = () => {
    if (keptAt === null) return;
    autosaveState.textContent =
      serverAt !== null && serverAt >= keptAt
        ? `Draft kept at ${clock(keptAt)}, in this browser and on the server.`
        : `Draft kept in this browser at ${clock(keptAt)}.`;
  };

  // ---- Fields ---------------------------------------------------------------------------------

  const photoRows = () => (photoList ? [...photoList.querySelectorAll('[data-photo-row]')] : []);

  /** Everything typed into the editor, as the drafts keep it (files cannot be kept). */
  function readFields() {
    const status = form.querySelector('input[name="status"]:checked');
    return {
      name: field('name').value,
      content: textarea.value,
      tags: field('tags').value,
      slug: field('slug').value,
      status: status ? status.value : 'publish',
      publish_at: field('publish_at').value,
      visibility: field('visibility').value,
      response_kind: field('response_kind').value,
      response_url: field('response_url').value,
      // A photo still uploading (or whose upload failed) has no address yet: nothing to keep.
      photos: photoRows()
        .filter((row) => row.querySelector('input[type="hidden"]').value !== '')
        .map((row) => ({
          url: row.querySelector('input[type="hidden"]').value,
          alt: row.querySelector('input[type="text"]').value,
          remove: row.querySelector('input[type="checkbox"]').checked,
        })),
    };
  }

  /** Two sets of fields that mean the same note (the server trims and normalises line breaks). */
  function same(a, b) {
    const norm = (f) =>
      JSON.stringify([
        (f.name || '').trim(),
        (f.content || '').replace(/\r\n/g, '\n').trimEnd(),
        (f.tags || '')
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
        (f.slug || '').trim(),
        f.status || 'publish',
        f.status === 'schedule' ? f.publish_at || '' : '',
        f.visibility || 'public',
        f.response_kind || '',
        (f.response_url || '').trim(),
        (f.photos || []).map((p) => [p.url, (p.alt || '').trim(), !!p.remove]),
      ]);
    return norm(a) === norm(b);
  }

  function setValue(name, value) {
    const el = field(name);
    if (el && typeof value === 'string') el.value = value;
  }

  /** Puts a draft's fields into the form. */
  function writeFields(f) {
    for (const name of ['name', 'tags', 'slug', 'publish_at', 'visibility', 'response_kind', 'response_url'])
      setValue(name, f[name]);
    if (typeof f.content === 'string') textarea.value = f.content;
    const radio = form.querySelector(`input[name="status"][value="${f.status}"]`);
    if (radio) radio.checked = true;
    if (photoList && Array.isArray(f.photos)) {
      photoList.replaceChildren(...f.photos.map((p) => makePhotoRow(p.url, p.alt, !!p.remove)));
      renumberPhotos();
    }
  }

  // ---- The copy in this browser ----------------------------------------------------------------

  function readLocal(k) {
    try {
      const d = JSON.parse(localStorage.getItem(k) || 'null');
      return d && typeof d === 'object' && d.fields && typeof d.at === 'number' ? d : null;
    } catch {
      return null;
    }
  }

  /** This editor's drafts in this browser (any visit), newest first. */
  function localDrafts(forKey) {
    const out = [];
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k?.startsWith(`${PREFIX}${forKey}:`)) {
        const d = readLocal(k);
        if (d) out.push({ storage: k, draft: d });
      }
    }
    return out.sort((a, b) => b.draft.at - a.draft.at);
  }

  let localFailed = false;
  function saveLocal() {
    const draft = { key, stamp, at: typedAt, revision, fields: readFields() };
    try {
      localStorage.setItem(storageKey, JSON.stringify(draft));
      keptAt = typedAt;
      localFailed = false;
      showAutosave();
    } catch {
      if (!localFailed) {
        localFailed = true;
        autosaveState.textContent =
          'This browser would not keep a copy of the draft (storage full or disabled).';
      }
    }
  }

  let localTimer;
  const scheduleLocal = () => {
    clearTimeout(localTimer);
    localTimer = setTimeout(saveLocal, 250);
  };
  const flushLocal = () => {
    if (!dirty) return;
    clearTimeout(localTimer);
    saveLocal();
  };

  // ---- The copy on the server --------------------------------------------------------------------

  const loginUrl = () => `/auth/login?next=${encodeURIComponent(location.pathname + location.search)}`;

  function showSignedOut() {
    if (signedOut) return;
    signedOut = true;
    const p = document.createElement('p');
    p.className = 'flash flash-error';
    p.append(
      'You are signed out, so this cannot be saved right now. Everything you write is kept in this browser. ',
    );
    const a = document.createElement('a');
    a.href = loginUrl();
    a.textContent = 'Sign in again';
    a.addEventListener('click', () => {
      flushLocal();
      leaving = true;
    });
    p.append(a, ': this editor comes back with your text.');
    alertBox.replaceChildren(p);
    showAutosave();
  }

  function clearSignedOut() {
    if (!signedOut) return;
    signedOut = false;
    alertBox.replaceChildren();
  }

  async function send(method, path, body) {
    const headers = { Accept: 'application/json', 'X-CSRF-Token': csrfInput.value };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  }

  /**
   * Asks the server for its copy of the draft and the session's CSRF token: after signing in again
   * (in another tab) the token on this page is stale, and the Save button needs the new one.
   */
  async function fetchServerDraft() {
    const res = await send('GET', `/admin/drafts/${key}`);
    if (res.status === 401) {
      showSignedOut();
      return undefined;
    }
    if (!res.ok) return undefined;
    const data = await res.json();
    if (typeof data.csrf === 'string') csrfInput.value = data.csrf;
    clearSignedOut();
    return data.draft || null;
  }

  let serverTimer;
  let serverBusy = false;
  let serverAgain = false;
  const scheduleServer = (delay = 1500) => {
    clearTimeout(serverTimer);
    serverTimer = setTimeout(() => {
      saveServer().catch(() => {});
    }, delay);
  };

  async function saveServer(retried = false) {
    if (!dirty) return;
    if (serverBusy) {
      serverAgain = true;
      return;
    }
    serverBusy = true;
    const at = typedAt;
    try {
      const res = await send('POST', `/admin/drafts/${key}`, {
        stamp,
        typed_at: at,
        base_revision: revision,
        fields: readFields(),
      });
      if (res.ok) {
        serverAt = at;
        clearSignedOut();
        showAutosave();
      } else if (res.status === 401) {
        showSignedOut();
      } else if (res.status === 403 && !retried) {
        // Signed in again elsewhere: take the new token and try once more.
        serverBusy = false;
        if ((await fetchServerDraft()) !== undefined) return saveServer(true);
      }
    } catch {
      // Offline: the copy in this browser is enough until the next keystroke.
    } finally {
      serverBusy = false;
      if (serverAgain) {
        serverAgain = false;
        scheduleServer(0);
      }
    }
  }

  const discardServer = (forKey, forStamp) =>
    send('POST', `/admin/drafts/${forKey}/discard`, forStamp ? { stamp: forStamp } : {}).catch(() => {});

  // ---- After a save: forget what it saved --------------------------------------------------------

  const here = new URL(location.href);
  const saved = here.searchParams.get('saved');
  if (saved) {
    for (const k of [`${PREFIX}${key}:${saved}`, `${PREFIX}new:${saved}`]) localStorage.removeItem(k);
    // An autosave that reached the server after the save would otherwise come back.
    void discardServer(key, saved);
    if (key !== 'new') void discardServer('new', saved);
    here.searchParams.delete('saved');
    history.replaceState(history.state, '', here.toString());
  }

  // ---- Restoring ---------------------------------------------------------------------------------

  const initial = readFields();
  let restoredFrom = [];

  function showRestored(at, changedSince) {
    const p = document.createElement('p');
    p.className = 'flash flash-ok';
    p.append(`Restored what you wrote at ${clock(at)}. It is not saved yet: press Save when ready.`);
    if (changedSince) p.append(' The note was changed elsewhere since; Discard shows it as it is saved now.');
    p.append(' ');
    const discard = document.createElement('button');
    discard.type = 'button';
    discard.className = 'secondary';
    discard.textContent = 'Discard what was restored';
    discard.addEventListener('click', () => {
      writeFields(initial);
      for (const k of restoredFrom) localStorage.removeItem(k);
      localStorage.removeItem(storageKey);
      void discardServer(key);
      dirty = false;
      keptAt = null;
      autosaveState.textContent = '';
      statusBox.replaceChildren();
      const done = document.createElement('p');
      done.className = 'flash flash-ok';
      done.textContent = 'Discarded: the editor shows the note as it is saved.';
      statusBox.append(done);
      textarea.focus();
      void renderPreview();
    });
    p.append(discard);
    statusBox.replaceChildren(p);
  }

  function restore(draft, storageKeys) {
    writeFields(draft.fields);
    restoredFrom = storageKeys;
    dirty = true;
    typedAt = draft.at;
    const changedSince = draft.revision != null && revision !== null && draft.revision !== revision;
    showRestored(draft.at, changedSince);
    // Kept again under this visit's name, so a save removes it; the older copies go.
    saveLocal();
    for (const k of storageKeys) if (k !== storageKey) localStorage.removeItem(k);
    restoredFrom = [storageKey];
    scheduleServer(0);
    void renderPreview();
  }

  // A page showing what was posted but not saved (a form sent back with a problem) is unsaved
  // writing itself; otherwise the page shows the note as saved.
  const pageUnsaved = form.getAttribute('data-unsaved') === 'true';
  const locals = localDrafts(key);
  const newestLocal = locals[0];
  if (newestLocal && !same(newestLocal.draft.fields, initial)) {
    restore(
      newestLocal.draft,
      locals.map((l) => l.storage),
    );
  } else if (newestLocal) {
    // The page already shows the newest copy: older copies go; if the page is not saved either,
    // the copy is kept under this visit's name (so saving removes it), else it is not needed.
    for (const l of locals) localStorage.removeItem(l.storage);
    if (pageUnsaved) {
      typedAt = newestLocal.draft.at;
      saveLocal();
    }
  }
  let userTyped = false;
  // The server's copy: second choice, used when this browser has none that is newer (another
  // device, or storage cleared). Also fetches the current CSRF token.
  fetchServerDraft()
    .then((remote) => {
      if (!remote || userTyped) return;
      if (newestLocal && newestLocal.draft.at >= remote.typed_at) return;
      if (same(remote.fields, dirty ? readFields() : initial)) {
        // The server's copy is the note as saved: nothing to keep.
        if (!dirty && !pageUnsaved) void discardServer(key, remote.stamp);
        return;
      }
      restore(
        { fields: remote.fields, at: remote.typed_at, revision: remote.base_revision },
        locals.map((l) => l.storage),
      );
    })
    .catch(() => {});

  // ---- Typing --------------------------------------------------------------------------------

  function changed() {
    dirty = true;
    userTyped = true;
    typedAt = Date.now();
    scheduleLocal();
    scheduleServer();
    schedulePreview();
  }
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);

  form.addEventListener('submit', (event) => {
    if (uploading() > 0) {
      // The note would be saved without them: wait, and say so.
      event.preventDefault();
      photoStatus.textContent = '';
      alertBox.replaceChildren(flash('Photos are still uploading; save again when they are done.', true));
      return;
    }
    if (signedOut) {
      // Known to fail: say why and how, keep everything.
      event.preventDefault();
      flushLocal();
      alertBox.querySelector('a')?.focus();
      return;
    }
    flushLocal();
    clearTimeout(serverTimer);
    let input = field('draft_stamp');
    if (!input) {
      input = document.createElement('input');
      input.type = 'hidden';
      input.name = 'draft_stamp';
      form.append(input);
    }
    input.value = stamp;
    leaving = true;
  });

  window.addEventListener('pagehide', flushLocal);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') flushLocal();
    // Back from signing in in another tab: the session may be alive again.
    else if (signedOut)
      fetchServerDraft().then(
        (d) => d !== undefined && scheduleServer(0),
        () => {},
      );
  });
  window.addEventListener('focus', () => {
    if (signedOut)
      fetchServerDraft().then(
        (d) => d !== undefined && scheduleServer(0),
        () => {},
      );
  });
  window.addEventListener('beforeunload', (event) => {
    flushLocal();
    if (dirty && !leaving) {
      event.preventDefault();
      event.returnValue = '';
    }
  });

  // ---- Live preview --------------------------------------------------------------------------

  let previewTimer;
  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(() => void renderPreview(), 300);
  }

  async function renderPreview() {
    const body = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (typeof value === 'string') body.append(name, value);
    try {
      const res = await fetch('/admin/preview', {
        method: 'POST',
        headers: { 'X-CSRF-Token': csrfInput.value, 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
        credentials: 'same-origin',
      });
      if (res.status === 401) showSignedOut();
      if (!res.ok) return;
      const html = await res.text();
      const heading = document.createElement('h2');
      heading.textContent = 'Preview';
      const entry = document.createElement('div');
      entry.className = 'preview-entry';
      // The server renders the preview through the same sanitising pipeline as public pages.
      entry.innerHTML = html;
      preview.replaceChildren(heading, entry);
    } catch {
      // Offline: the preview waits for the next keystroke.
    }
  }

  form.querySelector('[data-preview-button]')?.addEventListener('click', (event) => {
    event.preventDefault();
    void renderPreview();
  });

  // ---- Photos: order, media library ---------------------------------------------------------------

  function hiddenSpan(text) {
    const s = document.createElement('span');
    s.className = 'visually-hidden';
    s.textContent = text;
    return s;
  }

  /** A photo row like the server's (see PhotoRow in views/admin/notes.tsx), numbered by renumberPhotos. */
  function makePhotoRow(url, alt, remove) {
    const li = document.createElement('li');
    li.className = 'photo-row';
    li.setAttribute('data-photo-row', 'true');
    const img = document.createElement('img');
    if (url) img.src = url;
    else img.hidden = true;
    img.alt = '';
    img.className = 'thumb';
    const fields = document.createElement('div');
    fields.className = 'photo-fields';
    const hidden = document.createElement('input');
    hidden.type = 'hidden';
    hidden.value = url;
    const label = document.createElement('label');
    label.append('Description (alt text)', hiddenSpan(''));
    const text = document.createElement('input');
    text.type = 'text';
    text.value = alt || '';
    const buttons = document.createElement('div');
    buttons.className = 'photo-actions';
    const button = (dir, words) => {
      const b = document.createElement('button');
      b.type = 'submit';
      b.name = 'photo_move';
      b.className = 'secondary';
      b.setAttribute('data-move', dir);
      b.append(words, hiddenSpan(''));
      return b;
    };
    const check = document.createElement('label');
    check.className = 'inline-check';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = '1';
    box.checked = !!remove;
    check.append(box, ' Remove', hiddenSpan(''));
    buttons.append(button('up', 'Move up'), button('down', 'Move down'), check);
    fields.append(hidden, label, text, buttons);
    li.append(img, fields);
    return li;
  }

  /** Gives every row the names, ids and labels of its place (photo_url_0, "Move up photo 1", …). */
  function renumberPhotos() {
    const rows = photoRows();
    rows.forEach((row, i) => {
      const n = ` photo ${i + 1}`;
      row.querySelector('input[type="hidden"]').name = `photo_url_${i}`;
      const text = row.querySelector('input[type="text"]');
      text.name = `photo_alt_${i}`;
      text.id = `photo_alt_${i}`;
      const label = row.querySelector('.photo-fields > label');
      label.htmlFor = text.id;
      label.querySelector('.visually-hidden').textContent = ` of${n}`;
      row.querySelector('input[type="checkbox"]').name = `photo_remove_${i}`;
      for (const b of row.querySelectorAll('button[data-move]')) {
        const up = b.getAttribute('data-move') === 'up';
        b.value = `${i}:${up ? 'up' : 'down'}`;
        b.disabled = up ? i === 0 : i === rows.length - 1;
        b.querySelector('.visually-hidden').textContent = n;
      }
      row.querySelector('.inline-check .visually-hidden').textContent = n;
    });
    const help = document.getElementById('photos-help');
    if (help)
      help.textContent =
        rows.length === 0 ? 'No photos yet.' : 'Shown in this order; move them up or down to change it.';
  }

  photoList?.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-move]');
    if (!button) return;
    event.preventDefault();
    const row = button.closest('[data-photo-row]');
    const up = button.getAttribute('data-move') === 'up';
    const other = up ? row.previousElementSibling : row.nextElementSibling;
    if (!other) return;
    if (up) other.before(row);
    else other.after(row);
    renumberPhotos();
    const rows = photoRows();
    const at = rows.indexOf(row);
    // Focus stays on the button pressed, or its twin when that one reached the end.
    const again = row.querySelector(`button[data-move="${up ? 'up' : 'down'}"]`);
    (again.disabled ? row.querySelector(`button[data-move="${up ? 'down' : 'up'}"]`) : again)?.focus();
    photoStatus.textContent = `Photo moved to position ${at + 1} of ${rows.length}.`;
    changed();
  });

  for (const button of form.querySelectorAll('[data-add-photo]')) {
    button.addEventListener('click', (event) => {
      event.preventDefault();
      const row = makePhotoRow(button.getAttribute('data-add-photo'), button.getAttribute('data-alt') || '');
      photoList.append(row);
      renumberPhotos();
      photoStatus.textContent = `Photo added as number ${photoRows().length}.`;
      changed();
    });
  }

  for (const button of form.querySelectorAll('[data-insert-media]')) {
    button.hidden = false;
    button.addEventListener('click', () => {
      const url = button.getAttribute('data-insert-media');
      const alt = (button.getAttribute('data-alt') || '').replace(/[[\]\\]/g, '');
      const markdown = `![${alt}](${url})`;
      const start = textarea.selectionStart ?? textarea.value.length;
      const end = textarea.selectionEnd ?? start;
      const before = textarea.value.slice(0, start);
      const after = textarea.value.slice(end);
      const lead = before === '' || before.endsWith('\n') ? '' : '\n\n';
      textarea.value = `${before}${lead}${markdown}\n${after}`;
      const caret = before.length + lead.length + markdown.length + 1;
      textarea.focus();
      textarea.setSelectionRange(caret, caret);
      photoStatus.textContent = 'Picture inserted in the text.';
      changed();
    });
  }

  // ---- Photos: several at once, chosen, dropped or pasted; each uploaded with its progress ------

  const fileInput = field('photo');
  const dropZone = form.querySelector('[data-photo-drop]');
  const photosField = form.querySelector('.photos-field');
  let pending = 0;
  function uploading() {
    return pending;
  }

  function flash(text, error) {
    const p = document.createElement('p');
    p.className = `flash ${error ? 'flash-error' : 'flash-ok'}`;
    p.textContent = text;
    return p;
  }

  // With this script each file is uploaded as it comes, and described in its own row: the
  // no-script parts (one description, "Upload and describe") step aside.
  for (const el of form.querySelectorAll('[data-no-script], [data-no-script-help]')) el.hidden = true;
  const scriptHelp = document.getElementById('photo-help-script');
  if (scriptHelp && fileInput) {
    scriptHelp.hidden = false;
    fileInput.setAttribute('aria-describedby', scriptHelp.id);
  }

  /** Uploads one file into the media library, reporting progress; resolves with the item. */
  function sendFile(file, onProgress) {
    return new Promise((resolve, reject) => {
      const body = new FormData();
      body.append('file', file, file.name || 'pasted-image');
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/admin/media/upload');
      xhr.setRequestHeader('X-CSRF-Token', csrfInput.value);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.addEventListener('progress', (e) => {
        if (e.lengthComputable) onProgress(e.loaded / e.total);
      });
      xhr.addEventListener('load', () => {
        let data = null;
        try {
          data = JSON.parse(xhr.responseText);
        } catch {
          data = null;
        }
        if (xhr.status === 201 && data && typeof data.url === 'string') resolve(data);
        else if (xhr.status === 401) {
          showSignedOut();
          reject(new Error('You are signed out.'));
        } else if (xhr.status === 413) reject(new Error('The file is too large (at most 10 MB).'));
        else reject(new Error(data?.error_description || `The upload failed (${xhr.status}).`));
      });
      xhr.addEventListener('error', () => reject(new Error('The upload did not reach the server.')));
      xhr.send(body);
    });
  }

  /** A row for a file on its way: its name, a progress bar, and its description field already. */
  function uploadRow(file) {
    const row = makePhotoRow('', '', false);
    row.classList.add('photo-uploading');
    const fields = row.querySelector('.photo-fields');
    const name = document.createElement('p');
    name.className = 'photo-name';
    name.textContent = file.name || 'Pasted picture';
    const bar = document.createElement('progress');
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute('aria-label', `Uploading ${name.textContent}`);
    fields.prepend(name, bar);
    return row;
  }

  async function uploadOne(file) {
    const row = uploadRow(file);
    photoList.append(row);
    renumberPhotos();
    pending++;
    const bar = row.querySelector('progress');
    try {
      const item = await sendFile(file, (part) => {
        bar.value = Math.round(part * 100);
      });
      row.querySelector('input[type="hidden"]').value = item.url;
      const img = row.querySelector('img');
      img.src = item.thumb || item.url;
      img.hidden = false;
      bar.remove();
      row.classList.remove('photo-uploading');
      photoStatus.textContent = `${row.querySelector('.photo-name').textContent} uploaded; add its description.`;
    } catch (err) {
      bar.remove();
      row.classList.remove('photo-uploading');
      row.classList.add('photo-failed');
      const p = document.createElement('p');
      p.className = 'photo-error';
      p.setAttribute('role', 'alert');
      p.textContent = `Not uploaded: ${err.message}`;
      row.querySelector('.photo-fields').prepend(p);
      row.querySelector('input[type="checkbox"]').checked = true;
    } finally {
      pending--;
      changed();
    }
  }

  /** Uploads the image files among `files`, two at a time, in the order given. */
  function addFiles(files) {
    const images = [...files].filter((f) => f.type.startsWith('image/'));
    if (images.length === 0) return;
    if (photosField) photosField.hidden = false;
    photoStatus.textContent = `Uploading ${images.length} photo${images.length === 1 ? '' : 's'}.`;
    const queue = images.slice();
    const next = () => {
      const file = queue.shift();
      return file ? uploadOne(file).then(next) : Promise.resolve();
    };
    void Promise.all([next(), next()]);
  }

  fileInput?.addEventListener('change', (event) => {
    event.stopPropagation();
    addFiles(fileInput.files);
    // Sent already: the form must not carry them again.
    fileInput.value = '';
  });

  const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes('Files');
  form.addEventListener('dragover', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    dropZone?.classList.add('photo-drop-active');
  });
  form.addEventListener('dragleave', (event) => {
    if (event.target === form || !form.contains(event.relatedTarget))
      dropZone?.classList.remove('photo-drop-active');
  });
  form.addEventListener('drop', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    dropZone?.classList.remove('photo-drop-active');
    addFiles(event.dataTransfer.files);
  });
  form.addEventListener('paste', (event) => {
    const files = [...(event.clipboardData?.files || [])].filter((f) => f.type.startsWith('image/'));
    if (files.length === 0) return;
    event.preventDefault();
    addFiles(files);
  });

  // ---- The fields a kind of post uses; the date only when scheduling ----------------------------

  const kindSelect = field('response_kind');
  const publishAt = form.querySelector('[data-publish-at]');
  const stateBox = document.getElementById('editor-state');
  const live = form.getAttribute('data-live') === 'true';

  /** Whether a part of the form holds something (then it shows whatever the kind). */
  function holdsValue(el) {
    if (el.querySelector('[data-photo-row]')) return true;
    return [...el.querySelectorAll('input[type="text"], input[type="url"], textarea')].some(
      (i) => i.value.trim() !== '',
    );
  }

  function currentStatus() {
    const checked = form.querySelector('input[name="status"]:checked');
    return checked ? checked.value : 'publish';
  }

  function applyKind() {
    const kind = kindSelect.value || 'note';
    for (const el of form.querySelectorAll('[data-kinds]')) {
      const wanted = el.getAttribute('data-kinds').split(' ').includes(kind);
      el.hidden = !wanted && !holdsValue(el);
    }
    const status = currentStatus();
    if (publishAt) publishAt.hidden = status !== 'schedule';
    if (stateBox) {
      stateBox.textContent =
        status === 'draft'
          ? live
            ? 'Takes it off the site, as a draft.'
            : 'Saves a draft.'
          : status === 'schedule'
            ? 'Schedules it.'
            : live
              ? 'Updates the published note.'
              : 'Publishes it now.';
    }
  }
  applyKind();
  kindSelect.addEventListener('change', applyKind);
  for (const radio of form.querySelectorAll('input[name="status"]'))
    radio.addEventListener('change', applyKind);

  // ---- Shortcuts: Ctrl/⌘+Enter publishes, Ctrl/⌘+S saves ---------------------------------------

  const mac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
  const help = document.getElementById('shortcut-help');
  if (help) {
    if (mac) for (const k of help.querySelectorAll('[data-mod-key]')) k.textContent = '⌘';
    help.hidden = false;
  }
  const saveButton = form.querySelector('[data-save-button]');

  function setStatus(value) {
    const radio = form.querySelector(`input[name="status"][value="${value}"]`);
    if (radio && !radio.checked) {
      radio.checked = true;
      applyKind();
      changed();
    }
  }

  document.addEventListener('keydown', (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    const key = event.key.toLowerCase();
    if (key === 'enter') {
      event.preventDefault();
      setStatus('publish');
      form.requestSubmit(saveButton);
    } else if (key === 's') {
      event.preventDefault();
      // Saving never makes public what is not: a note not yet published is kept as a draft.
      if (!live && currentStatus() === 'publish') setStatus('draft');
      form.requestSubmit(saveButton);
    }
  });
})();
