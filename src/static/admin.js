// StarPunk admin enhancements. Everything works without this file; it adds live preview,
// an unsaved-changes warning, copy buttons and confirmations.
(() => {
  const form = document.querySelector('form[data-editor]');
  if (form) {
    const textarea = form.querySelector('textarea[name="content"]');
    const preview = document.getElementById('preview');
    const csrf = form.querySelector('input[name="_csrf"]').value;
    let dirty = false;
    let timer;
    const render = async () => {
      const body = new URLSearchParams({ content: textarea.value });
      const res = await fetch('/admin/preview', {
        method: 'POST',
        headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
        credentials: 'same-origin',
      });
      if (!res.ok) return;
      const html = await res.text();
      preview.innerHTML = '';
      const heading = document.createElement('h2');
      heading.textContent = 'Preview';
      const content = document.createElement('div');
      content.className = 'e-content';
      // The server sanitises preview HTML through the same pipeline as public pages.
      content.innerHTML = html;
      preview.append(heading, content);
    };
    form.addEventListener('input', () => {
      dirty = true;
    });
    textarea.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        render().catch(() => {});
      }, 300);
    });
    const previewButton = form.querySelector('[data-preview-button]');
    previewButton?.addEventListener('click', (event) => {
      event.preventDefault();
      render().catch(() => {});
    });
    form.addEventListener('submit', () => {
      dirty = false;
    });
    window.addEventListener('beforeunload', (event) => {
      if (dirty) {
        event.preventDefault();
        event.returnValue = '';
      }
    });
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
})();
