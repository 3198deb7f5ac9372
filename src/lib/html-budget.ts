/**
 * The parse budget of a document from elsewhere, measured by the linear tokenizer before any tree
 * is built. A spec-following tree builder (parse5, under microformats-parser) walks the stack of
 * open elements for many tags, so its cost grows with elements × nesting depth; the
 * microformats walk and an attribute's duplicate check grow the same way. Capping the depth, the
 * element count and the attributes of one element keeps that product small (issue 22: 97 KB of
 * nested `<div>`s blocked the process for 9 s). Browsers cap depth too (Blink's parser at 512).
 *
 * The depth is the tokenizer's estimate of the tree's: void elements, raw-text elements and
 * elements whose end tag may be left out (`<p>`, `<li>`, `<td>`…) do not nest here, a
 * self-closing tag nests nothing inside SVG and MathML, and an end tag closes the nearest open
 * element of its name. It errs on the side of a deeper tree only where a page nests elements
 * without closing them, which is what the attack looks like.
 */
import { type HtmlTag, htmlTags } from './html-tokenizer.js';

/** What one document may hold before it is refused unparsed. */
export interface HtmlBudget {
  /** Characters of the document. */
  maxLength: number;
  /** Start tags. */
  maxElements: number;
  /** Elements open inside each other. */
  maxDepth: number;
  /** Attributes on one element. */
  maxAttributes: number;
}

/** The default budget: far above what real pages need (see docs/security.md for the figures). */
export const HTML_BUDGET: HtmlBudget = {
  maxLength: 1024 * 1024,
  maxElements: 40_000,
  maxDepth: 256,
  maxAttributes: 100,
};

const VOID = new Set([
  'area',
  'base',
  'basefont',
  'bgsound',
  'br',
  'col',
  'embed',
  'frame',
  'hr',
  'image',
  'img',
  'input',
  'keygen',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);

// Elements whose end tag may be omitted: the parser closes them when a sibling starts, so they are
// not counted as nesting (html, head and body are one level each at most).
const OPTIONAL_END = new Set([
  'html',
  'head',
  'body',
  'p',
  'li',
  'dt',
  'dd',
  'option',
  'optgroup',
  'rb',
  'rt',
  'rtc',
  'rp',
  'tr',
  'td',
  'th',
  'thead',
  'tbody',
  'tfoot',
  'colgroup',
  'caption',
]);

/** What the tokenizer counted (up to where a limit was passed). */
export interface HtmlMeasure {
  elements: number;
  maxDepth: number;
  maxAttributes: number;
}

/**
 * Measures a document against `budget`, stopping at the first limit passed. `problem` says which
 * one, in words fit for a status page ("nests elements more than 256 deep"). `onTag` sees every
 * tag of the same pass (a caller collecting links need not tokenize twice).
 */
export function measureHtml(
  html: string,
  budget: HtmlBudget = HTML_BUDGET,
  onTag?: (tag: HtmlTag) => void,
): HtmlMeasure & { problem: string | undefined } {
  const m: HtmlMeasure = { elements: 0, maxDepth: 0, maxAttributes: 0 };
  if (html.length > budget.maxLength)
    return { ...m, problem: `is longer than ${budget.maxLength} characters` };
  const stack: string[] = [];
  const open = new Map<string, number>();
  let foreign = 0;
  for (const tag of htmlTags(html)) {
    onTag?.(tag);
    if (tag.type === 'end') {
      if (!open.get(tag.name)) continue;
      for (;;) {
        const name = stack.pop()!;
        open.set(name, open.get(name)! - 1);
        if (name === 'svg' || name === 'math') foreign--;
        if (name === tag.name) break;
      }
      continue;
    }
    m.elements++;
    if (tag.attrCount > m.maxAttributes) m.maxAttributes = tag.attrCount;
    if (m.elements > budget.maxElements)
      return { ...m, problem: `has more than ${budget.maxElements} elements` };
    if (tag.attrCount > budget.maxAttributes)
      return { ...m, problem: `has an element with more than ${budget.maxAttributes} attributes` };
    const leaf =
      VOID.has(tag.name) ||
      OPTIONAL_END.has(tag.name) ||
      tag.rawText !== undefined ||
      (tag.selfClosing && (foreign > 0 || tag.name === 'svg' || tag.name === 'math'));
    if (leaf) continue;
    stack.push(tag.name);
    open.set(tag.name, (open.get(tag.name) ?? 0) + 1);
    if (tag.name === 'svg' || tag.name === 'math') foreign++;
    if (stack.length > m.maxDepth) m.maxDepth = stack.length;
    if (stack.length > budget.maxDepth)
      return { ...m, problem: `nests elements more than ${budget.maxDepth} deep` };
  }
  return { ...m, problem: undefined };
}
