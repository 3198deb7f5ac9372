/** One media range of an Accept header with its quality. */
interface Range {
  type: string;
  subtype: string;
  q: number;
  order: number;
}

function parseAccept(header: string): Range[] {
  return header
    .split(',')
    .map((part, order) => {
      const [mt = '', ...params] = part.trim().split(';');
      const [type = '', subtype = ''] = mt.trim().toLowerCase().split('/');
      let q = 1;
      for (const p of params) {
        const [k, v] = p.trim().split('=');
        if (k?.trim().toLowerCase() === 'q') {
          const n = Number(v);
          q = Number.isFinite(n) ? Math.min(Math.max(n, 0), 1) : 0;
        }
      }
      return { type, subtype, q, order };
    })
    .filter((r) => r.type !== '' && r.subtype !== '');
}

/**
 * Picks the best of `offers` (media types, in server preference order) for an Accept header
 * (RFC 9110 §12.5.1). No header means anything goes: the first offer. Undefined means 406.
 */
export function negotiate(accept: string | undefined, offers: readonly string[]): string | undefined {
  if (accept === undefined || accept.trim() === '') return offers[0];
  const ranges = parseAccept(accept);
  let best: { offer: string; q: number; specificity: number; index: number } | undefined;
  offers.forEach((offer, index) => {
    const [t, s] = offer.split('/');
    let match: { q: number; specificity: number } | undefined;
    for (const r of ranges) {
      const specificity =
        r.type === t && r.subtype === s
          ? 2
          : r.type === t && r.subtype === '*'
            ? 1
            : r.type === '*' && r.subtype === '*'
              ? 0
              : -1;
      if (specificity < 0) continue;
      if (!match || specificity > match.specificity) match = { q: r.q, specificity };
    }
    if (!match || match.q <= 0) return;
    if (!best || match.q > best.q || (match.q === best.q && match.specificity > best.specificity)) {
      best = { offer, q: match.q, specificity: match.specificity, index };
    }
  });
  return best?.offer;
}
