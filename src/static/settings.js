// Settings page: on the first visit (no time zone saved yet), propose the browser's own zone.
(() => {
  const select = document.getElementById('time_zone');
  if (!(select instanceof HTMLSelectElement) || select.dataset.saved !== 'false') return;
  let zone = '';
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch {
    return;
  }
  if (!zone || ![...select.options].some((o) => o.value === zone)) return;
  select.value = zone;
  const help = document.getElementById('time-zone-help');
  if (help) help.textContent = `Filled in from your browser (${zone}); save to keep it. ${help.textContent}`;
})();
