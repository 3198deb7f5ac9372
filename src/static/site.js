// The public pages' one script (docs/decisions/0020-owner-edit-link.md). Pages work without it.
// 1. The owner's Edit links: every visitor gets the same cached page with an empty placeholder
//    naming the editor; the link is put there when the sign-in hint cookie is present (set beside
//    the session cookie, no secret in it). A stale hint only shows a link to the sign-in page.
// 2. Copy buttons (the Follow page): copy the address next to them and say so.
(() => {
  if (/(?:^|;\s*)starpunk_owner=1(?:;|$)/.test(document.cookie)) {
    for (const slot of document.querySelectorAll('.owner-edit[data-edit]')) {
      const a = document.createElement('a');
      a.href = slot.dataset.edit;
      a.textContent = 'Edit';
      slot.replaceChildren(a);
    }
  }
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      const target = document.getElementById(button.dataset.copy);
      const text = target ? (target.value ?? target.textContent ?? '') : '';
      const status = document.getElementById(`${button.dataset.copy}-status`);
      try {
        await navigator.clipboard.writeText(text);
        if (status) status.textContent = 'Copied.';
      } catch {
        // No clipboard (an http address, or refused): select the text for the reader to copy.
        if (target && typeof target.select === 'function') target.select();
        if (status) status.textContent = 'Press Ctrl+C (⌘C) to copy.';
      }
    });
  }
})();
