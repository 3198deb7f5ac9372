// StarPunk admin enhancements. Everything works without this file; it adds copy buttons,
// confirmations and a pointer back to unsaved writing. The editor has its own script (editor.js).
(() => {
  // Writing the editor kept in this browser but that was never saved (the session ended, the tab
  // was closed, signing in again led elsewhere): every admin page but the editor points back to it.
  const editor = document.querySelector('form[data-editor]');
  const main = document.getElementById('main');
  if (!editor && main) {
    let newest = null;
    try {
      for (let i = 0; i < localStorage.length; i++) {
        const k = localStorage.key(i);
        const m = k && /^starpunk:draft:(new|\d+):/.exec(k);
        if (!m) continue;
        const d = JSON.parse(localStorage.getItem(k) || 'null');
        if (d && typeof d.at === 'number' && (!newest || d.at > newest.at)) newest = { at: d.at, key: m[1] };
      }
    } catch {
      newest = null;
    }
    if (newest) {
      const d = new Date(newest.at);
      const pad = (n) => String(n).padStart(2, '0');
      const p = document.createElement('p');
      p.className = 'flash flash-ok unsaved-writing';
      p.append(`You have writing from ${pad(d.getHours())}:${pad(d.getMinutes())} that is not saved yet. `);
      const a = document.createElement('a');
      a.href = newest.key === 'new' ? '/admin/new' : `/admin/edit/${newest.key}`;
      a.textContent = 'Continue writing';
      p.append(a);
      main.prepend(p);
    }
  }
  for (const button of document.querySelectorAll('[data-copy]')) {
    button.addEventListener('click', () => {
      navigator.clipboard?.writeText(button.getAttribute('data-copy')).then(
        () => {
          button.textContent = 'Copied';
        },
        () => {},
      );
    });
  }
  for (const input of document.querySelectorAll('[data-select-on-focus]')) {
    input.addEventListener('focus', () => input.select());
  }
  for (const f of document.querySelectorAll('form[data-confirm]')) {
    f.addEventListener('submit', (event) => {
      if (!window.confirm(f.getAttribute('data-confirm'))) event.preventDefault();
    });
  }
  // An import's page follows its progress (without this, reloading the page shows the same): the
  // status line is a polite live region, and the page reloads to show the report once it ends.
  const importStatus = document.querySelector('[data-import-status]');
  if (importStatus) {
    const url = importStatus.getAttribute('data-import-status');
    const tick = async () => {
      try {
        const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
        if (res.ok) {
          const s = await res.json();
          if (s.state !== 'queued' && s.state !== 'running') {
            window.location.reload();
            return;
          }
          const line = importStatus.querySelector('p');
          if (line && line.textContent !== s.text) line.textContent = s.text;
        }
      } catch {
        // A failed poll is tried again at the next tick.
      }
      setTimeout(tick, 1500);
    };
    setTimeout(tick, 1500);
  }
})();
