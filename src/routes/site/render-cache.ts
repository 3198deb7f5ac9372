/**
 * The render cache of the public site (timeline, note pages, tag pages, search, feeds): rendered
 * bodies, their validators, and the memos behind them. Everything is keyed on the site facts'
 * version and on the database's own change signals through the timeline state
 * (docs/decisions/0005-caches-keyed-by-database-state.md), so a write by this process, a second
 * server or the CLI shows on the next request, and pages made under other site facts are never
 * reused. Public validators come from what a visitor can see only (ADR 0005, amendment).
 */
import type { Context } from 'hono';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import {
  createRenderCache,
  isNotModified,
  setValidators,
  type Validators,
  weakEtag,
} from '../../http/conditional.js';
import { PREPARED, type PreparedBody } from '../../http/fast-path.js';
import { parseDbTime } from '../../lib/db-time.js';
import type { NoteReader, TimelineState } from '../../notes/read.js';
import type { Note, NoteKey } from '../../notes/types.js';
import type { SiteContext, SiteFacts } from '../../site/context.js';

/** The content type of every HTML page the public site renders. */
export const HTML = 'text/html; charset=utf-8';

/** Validators of a response, with Last-Modified as sent. */
export type PageValidators = Validators & { lastModifiedText: string };

/** Validators of a list page or feed and the notes they were computed from. */
export interface PublicView {
  keys: NoteKey[];
  /** The tag's spelling on a tag page, else empty. */
  label: string;
  etag: string;
  lastModified: Date;
  lastModifiedText: string;
  /** ETags of the formats built on this view (feeds), computed once. */
  formats: Map<string, string>;
  /** What the page lists besides notes (the tag index's tags, the archive's months), as loaded. */
  data?: unknown;
}

/** What the render cache reads. */
export interface RenderCacheDeps {
  config: Config;
  clock: Clock;
  /** The code version: a page rendered by other code is never reused. */
  version: string;
  notes: Pick<NoteReader, 'timelineState' | 'getNoteBySlug'>;
  /** The site facts in force (read per request; settings and the menu change without a restart). */
  site: Pick<SiteContext, 'current'>;
  /** When what a note's page shows of its responses last changed (its Last-Modified counts it). */
  responses?: { changedAt(noteId: number): Date | undefined };
}

/** Builds the public site's render cache; one per router. */
export function createPublicRenderCache(deps: RenderCacheDeps) {
  const { config, notes } = deps;
  // The site facts in force for this request (settings, menu, social image, time zone): their
  // version is part of every cache key below, so a change renders every page afresh.
  let facts: SiteFacts = deps.site.current();
  const current = () => {
    const f = deps.site.current();
    if (f !== facts) {
      facts = f;
      configKey = keyOf(f);
    }
    return f;
  };
  // Bodies asked for at least twice, as bytes (so a hit is written without encoding)…
  const cache = createRenderCache<Buffer<ArrayBuffer>>(256, 4 * 2 ** 20);
  // …and which bodies were asked for once (their variant and ETag, never the body): a page asked
  // for only once (an old cursor, a one-off tag page) is rendered, sent and forgotten, so a stream
  // of them neither churns the heap's old generation nor fills the cache above. Bounded.
  const seenOnce = new Set<string>();

  // Anything that changes what a page shows besides the notes: code version, configuration and
  // the site facts' version: pages and feeds made under other facts are never reused.
  const configText = JSON.stringify({ ...config, sessionSecret: undefined });
  function keyOf(f: SiteFacts): string {
    return weakEtag([deps.version, f.version, configText]);
  }
  let configKey = keyOf(facts);

  // Validators of the list pages and feeds served in the current timeline state (null: not found);
  // a new state starts a new map. Bounded: variants include client-chosen cursors and tags.
  let views = new Map<string, PublicView | null>();
  let viewsOf: TimelineState | undefined;
  // The last content fingerprint and Last-Modified given out per variant, across states, so that
  // Last-Modified never goes back when a note leaves a list (trashed, made private). Bounded.
  const served = new Map<string, { base: string; lastModified: number }>();

  // Notes looked up by slug in the current state (null: none), so a note page served again costs no query.
  let bySlug = new Map<string, Note | null>();
  // Results of recent searches in the current state: a repeated search (a popular word, a reader
  // paging back) costs no ranking. Bounded.
  let searches = new Map<string, unknown>();
  let viewsVersion = facts.version;
  // A new object whenever the memos start afresh: within one generation, a page's validators and
  // body are computed once and stay the same, so the fast path (src/http/fast-path.ts) repeats a
  // response for as long as the generation it was made in is current.
  let generation = {};

  function startGeneration(): void {
    views = new Map();
    bySlug = new Map();
    searches = new Map();
    generation = {};
  }

  function currentState(): TimelineState {
    const t = notes.timelineState();
    // The site facts are on every page: a new version renders them afresh.
    const f = current();
    if (t !== viewsOf || viewsVersion !== f.version) {
      viewsVersion = f.version;
      viewsOf = t;
      startGeneration();
    }
    return t;
  }

  /** The current generation (checks the database's change signals and the site facts). */
  function stamp(): object {
    currentState();
    return generation;
  }

  /** When the current generation's timeline state ends by itself: its next scheduled note goes live. */
  function expiresAt(): number {
    const next = viewsOf?.nextScheduled;
    return next ? parseDbTime(next).getTime() : Number.POSITIVE_INFINITY;
  }

  function noteBySlug(slug: string): Note | undefined {
    currentState();
    let note = bySlug.get(slug);
    if (note === undefined) {
      note = notes.getNoteBySlug(slug) ?? null;
      if (bySlug.size >= 1024) bySlug.clear();
      bySlug.set(slug, note);
    }
    return note ?? undefined;
  }

  /** The results of one search, computed once per timeline state and site facts (128 kept). */
  function searchResults<T>(key: string, compute: () => T): T {
    currentState();
    let r = searches.get(key) as T | undefined;
    if (!r) {
      r = compute();
      if (searches.size >= 128) searches.delete(searches.keys().next().value as string);
      searches.set(key, r);
    }
    return r;
  }

  /**
   * Last-Modified of a list: the newest change among its notes, except that a list whose notes
   * changed without a newer one (a note trashed, made private, restored) moves to now, so a client
   * that sends only If-Modified-Since still sees the change. Remembered per process only: after a
   * restart such a list falls back to its notes' own times.
   */
  function steadyLastModified(variant: string, base: string, newest: number): number {
    const prev = served.get(variant);
    let at = newest;
    if (prev?.base === base) at = prev.lastModified;
    else if (prev && Math.floor(newest / 1000) <= Math.floor(prev.lastModified / 1000)) {
      // HTTP dates have whole seconds: step past the previous one.
      at =
        Math.max(Math.floor(deps.clock.now().getTime() / 1000), Math.floor(prev.lastModified / 1000) + 1) *
        1000;
    }
    if (served.size >= 4096 && !served.has(variant)) served.clear();
    served.set(variant, { base, lastModified: at });
    return at;
  }

  /**
   * The validators of a list page or feed, from what a visitor can see of it only: its notes'
   * ids and revisions (plus `parts`, e.g. the tag's spelling), never the site-wide change counter,
   * which drafts and private notes move too. Computed once per variant and timeline state.
   */
  function publicView(
    variant: string,
    load: () => { keys: NoteKey[]; label?: string; data?: unknown } | undefined,
  ): PublicView | undefined {
    currentState();
    const memo = views.get(variant);
    if (memo !== undefined) return memo ?? undefined;
    const loaded = load();
    let view: PublicView | null = null;
    if (loaded) {
      const base = weakEtag([
        configKey,
        variant,
        loaded.label,
        ...loaded.keys.map((k) => `${k.id}.${k.revision}`),
      ]);
      let newest = 0;
      for (const k of loaded.keys) newest = Math.max(newest, k.changedAt.getTime());
      const lastModified = new Date(steadyLastModified(variant, base, newest));
      view = {
        keys: loaded.keys,
        label: loaded.label ?? '',
        // The date is part of the tag: feeds print it, so a body is cached for one date only.
        etag: weakEtag([base, lastModified.getTime()]),
        lastModified,
        lastModifiedText: lastModified.toUTCString(),
        formats: new Map(),
        ...(loaded.data === undefined ? {} : { data: loaded.data }),
      };
    }
    // Bounded (variants include client-chosen cursors and tags; pages asked for again are mostly
    // answered by the fast path, without coming here): when full, a new generation, so a variant's
    // validators are still computed once per generation.
    if (views.size >= 512) startGeneration();
    views.set(variant, view);
    return view ?? undefined;
  }

  // A note page shows that note only: its validators come from it alone. Kept per Note object,
  // which noteBySlug keeps for the current state.
  const noteValidatorMemo = new WeakMap<Note, PageValidators & { key: string }>();
  function noteValidators(note: Note): PageValidators {
    let v = noteValidatorMemo.get(note);
    if (v?.key !== configKey) {
      const lastModified = new Date(
        Math.max(
          note.publishedAt.getTime(),
          note.updatedAt?.getTime() ?? 0,
          deps.responses?.changedAt(note.id)?.getTime() ?? 0,
        ),
      );
      v = {
        etag: weakEtag([configKey, 'note', note.id, note.revision]),
        lastModified,
        lastModifiedText: lastModified.toUTCString(),
        key: configKey,
      };
      noteValidatorMemo.set(note, v);
    }
    return v;
  }

  /** Answers 304 when the client's copy is current, else renders (or reuses a cached render). */
  function cached(
    c: Context,
    variant: string,
    type: string,
    v: PageValidators,
    render: () => string | Buffer<ArrayBuffer>,
  ): Response {
    setValidators(c, v);
    c.header('Content-Type', type);
    if (isNotModified(c, v)) {
      // The same headers as the 200 (all are set by now): with the body at hand, the fast path
      // can answer this page from the next request on, 304 or not.
      const kept = cache.get(variant, v.etag);
      if (kept) prepare(c, kept, v);
      return c.body(null, 304);
    }
    let bytes = cache.get(variant, v.etag);
    if (bytes === undefined) {
      const seen = `${variant}\u0000${v.etag}`;
      if (!seenOnce.has(seen)) {
        if (seenOnce.size >= 1024) seenOnce.clear();
        seenOnce.add(seen);
        return c.body(render(), 200);
      }
      // Asked for twice: rendered again and kept encoded from now on. (Not at once: pages asked
      // for only once would churn buffers outside the heap faster than the collector frees them.)
      seenOnce.delete(seen);
      const body = render();
      bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      cache.set(variant, v.etag, bytes);
    }
    prepare(c, bytes, v);
    return c.body(bytes, 200);
  }

  /** Hands the body to the fast path, which may answer the next such request itself while this generation lasts. */
  function prepare(c: Context, body: Buffer, v: PageValidators): void {
    const prepared: PreparedBody = {
      body,
      etag: v.etag,
      lastModified: v.lastModified,
      stamp: generation,
      expiresAt: expiresAt(),
      generation: () => generation,
      refresh: stamp,
    };
    c.set(PREPARED, prepared);
  }

  return {
    /** The site facts in force, read again; a new version starts every memo afresh. */
    current,
    /**
     * The site facts the current request was checked against (what `current` last returned):
     * a body is rendered with the facts its validators were computed from.
     */
    facts: (): SiteFacts => facts,
    /** The timeline state in force; a new one (or new site facts) empties the memos. */
    state: currentState,
    stamp,
    noteBySlug,
    searchResults,
    publicView,
    noteValidators,
    cached,
  };
}

/** The public site's render cache. */
export type PublicRenderCache = ReturnType<typeof createPublicRenderCache>;
