/**
 * Cached public pages served below the framework (issue 23; docs/benchmarks.md, "Cached pages
 * below the framework").
 *
 * The public site's render cache marks each response it answers from bytes as prepared (its body,
 * validators and the state it was rendered in). The outermost middleware records such a response
 * as @hono/node-server is about to write it — the final header set, in its order, without the
 * request's id — and from then on the Node request listener answers the same request straight
 * from the record: no Request, Context or Response objects, no middleware chain, one `writeHead`
 * with a prepared header list and the same bytes. It still answers 304 where the conditional
 * headers say so (the same rule, `notModified`), gives the request an id, logs the same line and
 * records the same metrics. A record is used only while the render cache's state is the one it was
 * made in (the database's change signals and the site facts, ADR 0005), so a write here, in a
 * second server or by the CLI, or a settings change, sends the next request through Hono again.
 *
 * Anything the record may not fit goes to Hono unchanged: other methods, requests with a body or
 * a session cookie, a Host or URL @hono/node-server would rewrite or refuse, another value of a
 * header the response varies on (Accept, for feeds), a duplicated If-Modified-Since.
 * test/site/fast-path.test.ts requests every cacheable address through both paths and
 * compares the bytes.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { Clock } from '../clock.js';
import { changeSignals } from '../db/change-token.js';
import type { Db } from '../db/open.js';
import type { Logger } from '../logger.js';
import { notModified } from './conditional.js';
import { type Metrics, routeLabel } from './metrics.js';
import { logRequest, requestIdFrom } from './request-log.js';
import { SESSION_COOKIE } from './session.js';

/** What the render cache hands over with a response it answers from bytes. */
export interface PreparedBody {
  body: Buffer;
  etag: string;
  lastModified: Date;
  /** The render cache's generation the body was chosen in; the record is used while it lasts. */
  stamp: object;
  /** When that generation ends by itself (its next scheduled note goes live), in ms; Infinity if never. */
  expiresAt: number;
  /** The render cache's generation as it last saw it (nothing is read). */
  generation: () => object;
  /** The render cache's generation after checking the database's change signals and the site facts. */
  refresh: () => object;
}

/** The Hono context variable the render cache sets to a {@link PreparedBody}. */
export const PREPARED = 'preparedBody';

/** Variables of the fast path on the Hono context. */
export interface FastPathVars {
  [PREPARED]?: PreparedBody;
}

/** One recorded response. */
interface Entry {
  prepared: PreparedBody;
  /** The Accept header the response was made for, when it varies on it (feeds). */
  accept: string | undefined;
  variesOnAccept: boolean;
  /** Header names and values as a flat list, those sorting before `x-request-id`… */
  before: string[];
  /** …and after it, without and with the Content-Length @hono/node-server appends. */
  after: string[];
  afterWithLength: string[];
  /** The metrics' route label and the log's path, as the Hono path gave them. */
  route: string;
  path: string;
  bytes: number;
}

/** Limits of the records: bounded in count and in body bytes (bodies are shared with the render cache). */
export interface FastPathLimits {
  maxEntries?: number;
  maxBytes?: number;
}

// What @hono/node-server takes verbatim as the request's host and path (src/url.ts there): any
// other Host or URL it rewrites or refuses, so such a request goes through it.
const VERBATIM_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
const MAX_URL = 1024;
const SESSION = `${SESSION_COOKIE}=`;

/** Records prepared responses and answers repeats of them from the Node request listener. */
export function createFastPath(
  deps: { db: Db; clock: Clock; logger: Logger; metrics: Metrics } & FastPathLimits,
) {
  const { logger, metrics, clock } = deps;
  const signals = changeSignals(deps.db);
  const maxEntries = deps.maxEntries ?? 512;
  const maxBytes = deps.maxBytes ?? 8 * 2 ** 20;
  // Records by request URL (path and query as sent); a few per URL when the response varies on Accept.
  const entries = new Map<string, Entry[]>();
  let count = 0;
  let bytes = 0;
  // Every record shares one state (one render cache): a record made in another empties the rest.
  let stamp: object | undefined;
  let hits = 0;

  function clear(): void {
    entries.clear();
    count = 0;
    bytes = 0;
  }

  // The database's change signals and the time when the render cache's generation was last
  // confirmed as current (by `refresh`, which reads them again itself).
  let checked: { own: number; other: number; at: number } | undefined;
  // PRAGMA data_version opens a read transaction (3–5 µs here, a tenth of a fast answer): when
  // answering, it is read once per turn of the event loop and shared by the requests answered in
  // that turn (read by the HTTP parser in its I/O phase, so they had arrived when the turn began;
  // the value is forgotten at that turn's check phase). A commit by another process during the
  // turn is seen from the next turn on, as if those requests had been answered a moment earlier.
  // Writes through this connection are seen at once (total_changes).
  let otherVersion: number | undefined;
  const forgetVersion = () => {
    otherVersion = undefined;
  };
  function other(): number {
    if (otherVersion === undefined) {
      otherVersion = signals.other();
      setImmediate(forgetVersion);
    }
    return otherVersion;
  }

  /**
   * True while the records' generation is the render cache's current one. Cheap while nothing
   * moved (the change signals and the clock); otherwise the render cache checks the database and
   * the site facts again. The signals are read before that check, so a change racing it is seen
   * by the next request.
   */
  function fresh(p: PreparedBody, answering: boolean): boolean {
    const own = signals.own();
    const ver = answering ? other() : signals.other();
    const now = clock.now().getTime();
    if (
      checked !== undefined &&
      p.generation() === p.stamp &&
      own === checked.own &&
      ver === checked.other &&
      now >= checked.at &&
      now < p.expiresAt
    ) {
      return true;
    }
    if (p.refresh() !== p.stamp) return false;
    checked = { own, other: ver, at: now };
    return true;
  }

  function evictOldest(): void {
    const [url, list] = entries.entries().next().value as [string, Entry[]];
    const gone = list.shift()!;
    count--;
    bytes -= gone.bytes;
    if (list.length === 0) entries.delete(url);
  }

  /**
   * Records a prepared response as it is about to be written, if it is one the fast path may
   * repeat: a 200, or a 304 (whose headers are the 200's, its body left out).
   */
  function record(c: Context, prepared: PreparedBody): void {
    if (c.req.method !== 'GET' || (c.res.status !== 200 && c.res.status !== 304)) return;
    // What a signed-in owner was sent is never repeated to anyone else.
    if (c.req.header('cookie')?.includes(SESSION)) return;
    const href = c.req.url;
    const url = href.slice(href.indexOf('/', href.indexOf('//') + 2));
    if (url[0] !== '/' || url.length > MAX_URL) return;
    const size = prepared.body.byteLength;
    if (size > maxBytes / 8) return;
    // Made in a generation that has ended already (a write while the response was finished).
    if (!fresh(prepared, false)) return;
    // The headers as @hono/node-server writes them: the Headers object's order (sorted, joined).
    const before: string[] = [];
    const after: string[] = [];
    let type = false;
    let vary: string | null = null;
    for (const [name, value] of c.res.headers) {
      if (name === 'set-cookie' || name === 'content-length' || name === 'transfer-encoding') return;
      if (name === 'content-type') type = true;
      if (name === 'vary') vary = value;
      if (name === 'x-request-id') continue;
      (name < 'x-request-id' ? before : after).push(name, value);
    }
    if (!type) return;
    let variesOnAccept = false;
    if (vary !== null) {
      for (const v of vary.split(',')) {
        const name = v.trim().toLowerCase();
        if (name === 'accept') variesOnAccept = true;
        else if (name !== '') return;
      }
    }
    const entry: Entry = {
      prepared,
      accept: variesOnAccept ? c.req.header('accept') : undefined,
      variesOnAccept,
      before,
      after,
      afterWithLength: [...after, 'Content-Length', String(size)],
      route: routeLabel(c),
      path: c.req.path,
      bytes: size,
    };
    if (stamp !== prepared.stamp) {
      clear();
      stamp = prepared.stamp;
    }
    const list = entries.get(url) ?? [];
    const same = list.findIndex((e) => e.accept === entry.accept);
    if (same >= 0) {
      count--;
      bytes -= list[same]!.bytes;
      list.splice(same, 1);
    } else if (list.length >= 4) {
      count--;
      bytes -= list.shift()!.bytes;
    }
    list.push(entry);
    entries.set(url, list);
    count++;
    bytes += size;
    while ((count > maxEntries || bytes > maxBytes) && count > 1) evictOldest();
  }

  /** The value @hono/node-server reads for a header it does not join (the raw values joined by ", "). */
  function unjoined(req: IncomingMessage, lower: string): string | undefined {
    let value: string | undefined;
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]!.length === lower.length && raw[i]!.toLowerCase() === lower) {
        value = value === undefined ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`;
      }
    }
    return value;
  }

  /** Answers a request from a record; false (nothing written) when it must go through Hono. */
  function serve(req: IncomingMessage, res: ServerResponse): boolean {
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const list = entries.get(req.url ?? '');
    if (list === undefined) return false;
    const started = performance.now();
    const h = req.headers;
    const host = h.host;
    if (host === undefined || !VERBATIM_HOST.test(host)) return false;
    if (h['content-length'] !== undefined || h['transfer-encoding'] !== undefined) return false;
    if (h.cookie?.includes(SESSION)) return false;
    let entry: Entry | undefined;
    for (const e of list) {
      if (!e.variesOnAccept || e.accept === h.accept) {
        entry = e;
        break;
      }
    }
    if (entry === undefined) return false;
    const { prepared } = entry;
    try {
      if (!fresh(prepared, true)) {
        clear();
        return false;
      }
    } catch {
      // The database cannot be read: Hono answers (and logs) that.
      return false;
    }
    const ims = h['if-modified-since'] === undefined ? undefined : unjoined(req, 'if-modified-since');
    const incomingId = h['x-request-id'];
    const id = requestIdFrom(typeof incomingId === 'string' ? incomingId : undefined);
    const status = notModified(h['if-none-match'], ims, prepared) ? 304 : 200;
    const withBody = status === 200 && method === 'GET';
    res.writeHead(
      status,
      entry.before.concat('x-request-id', id, withBody ? entry.afterWithLength : entry.after),
    );
    res.end(withBody ? prepared.body : undefined);
    hits++;
    metrics.record(performance.now() - started, status, entry.route, method);
    logRequest(logger, id, method, entry.path, status, started);
    return true;
  }

  return {
    /** The outermost middleware: records the prepared responses the app gives. */
    recorder(): MiddlewareHandler<{ Variables: FastPathVars }> {
      return async (c, next) => {
        await next();
        const prepared = c.get(PREPARED);
        if (prepared) record(c, prepared);
      };
    },
    serve,
    /** Requests answered here, records and their body bytes (tests, the bench). */
    stats: () => ({ hits, entries: count, bytes }),
  };
}

/** The fast path type. */
export type FastPath = ReturnType<typeof createFastPath>;

/**
 * A `createServer` for @hono/node-server's `serve` whose listener tries the fast path first
 * (`current()`: none while the app is not built yet).
 */
export function fastPathServer(current: () => FastPath | undefined): typeof createServer {
  const make = (options: object, listener: RequestListener) =>
    createServer(options, (req, res) => {
      let answered = false;
      try {
        answered = current()?.serve(req, res) === true;
      } catch {
        // Nothing written yet: Hono answers. Half written: the connection is closed, never reused.
        answered = res.headersSent;
        if (answered) res.destroy();
      }
      if (!answered) void listener(req, res);
    });
  return make as unknown as typeof createServer;
}
