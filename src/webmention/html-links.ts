/**
 * Finds `<a>` and `<link>` start tags in an HTML document, in document order, the way an HTML
 * parser would see them (the linear tokenizer of src/lib/html-tokenizer.ts): nothing inside
 * comments, `<script>`, `<style>`, `<textarea>` and the other raw-text elements, or `<template>`
 * contents (which are not part of the document) counts, and escaped markup is text.
 */
import { decodeAttribute, htmlTags } from '../lib/html-tokenizer.js';

export { decodeAttribute };

/** One `<a>` or `<link>` start tag. */
export interface LinkElement {
  tag: 'a' | 'link';
  attrs: Map<string, string>;
}

/** Every `<a>` and `<link>` start tag of the document, in document order. */
export function* linkElements(html: string): Generator<LinkElement> {
  let templateDepth = 0;
  for (const tag of htmlTags(html)) {
    if (tag.name === 'template') {
      if (tag.type === 'start') templateDepth++;
      else if (templateDepth > 0) templateDepth--;
    } else if (tag.type === 'start' && templateDepth === 0 && (tag.name === 'a' || tag.name === 'link'))
      yield { tag: tag.name, attrs: tag.attrs };
  }
}

/** The rel tokens of an element, lower-cased (rel values are case-insensitive, split on ASCII whitespace). */
export function relTokens(attrs: Map<string, string>): string[] {
  return (attrs.get('rel') ?? '')
    .toLowerCase()
    .split(/[\t\n\f\r ]+/)
    .filter(Boolean);
}
