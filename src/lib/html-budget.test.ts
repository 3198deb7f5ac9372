import { describe, expect, it } from 'vitest';
import { HTML_BUDGET, measureHtml } from './html-budget.js';

const depthOf = (html: string) => measureHtml(html, { ...HTML_BUDGET, maxDepth: 10_000 }).maxDepth;

describe('measureHtml: the tokenizer’s estimate of the tree', () => {
  it('counts nesting of elements that must be closed, and an end tag closes the nearest of its name', () => {
    expect(depthOf('<div><div><span>x</span></div></div>')).toBe(3);
    expect(depthOf('<div><span><b>x</div><div>y</div>')).toBe(3);
    // An end tag for nothing open changes nothing.
    expect(depthOf('<div></section></span><div></div></div>')).toBe(2);
  });

  it('does not nest void, raw-text and optional-end elements', () => {
    expect(depthOf('<br><img src=x><input><meta charset=utf-8><hr>')).toBe(0);
    expect(depthOf('<ul><li>a<li>b<li>c</ul><p>one<p>two<table><tr><td>x<td>y</table>')).toBe(1);
    expect(depthOf('<script><div><div><div></script><style><div></style><title><b></title>')).toBe(0);
  });

  it('honours self-closing tags inside SVG and MathML only', () => {
    expect(depthOf(`<svg>${'<path d="M0 0"/>'.repeat(1000)}</svg>`)).toBe(1);
    expect(depthOf('<svg/><div/><div/>')).toBe(2);
    expect(depthOf(`<math>${'<mi/>'.repeat(50)}</math>`)).toBe(1);
  });

  it('stops at the first limit passed and says which', () => {
    expect(measureHtml('<div>'.repeat(257)).problem).toBe('nests elements more than 256 deep');
    expect(measureHtml('<div>'.repeat(256)).problem).toBeUndefined();
    expect(measureHtml('<i></i>'.repeat(40_001)).problem).toBe('has more than 40000 elements');
    expect(measureHtml(`<p ${'a=1 '.repeat(101)}>`).problem).toBe(
      'has an element with more than 100 attributes',
    );
    // Duplicates count: the parser compares each with the others.
    expect(measureHtml(`<p ${'a '.repeat(101)}>`).problem).toBe(
      'has an element with more than 100 attributes',
    );
    expect(measureHtml('x'.repeat(HTML_BUDGET.maxLength + 1)).problem).toBe(
      'is longer than 1048576 characters',
    );
  });

  it('stays linear on hostile input', () => {
    for (const piece of [
      '<div>',
      '</div>',
      '<a ',
      '<!--',
      '<svg><g/>',
      '<b x=1 y=2>',
      '</x>',
      '<',
      '<title>',
    ]) {
      const m = measureHtml(piece.repeat(150_000), {
        ...HTML_BUDGET,
        maxLength: 2e6,
        maxElements: 1e9,
        maxDepth: 1e9,
      });
      expect(m.elements).toBeLessThanOrEqual(300_000);
    }
  });
});
