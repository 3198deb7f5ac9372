/**
 * A loopback PDS that speaks the documented XRPC endpoints Bluesky syndication uses
 * (createSession, refreshSession, getProfile, resolveHandle, getRecord, uploadBlob, createRecord,
 * deleteRecord) and records what a real PDS would receive. Where it matters it answers as the
 * reference PDS (@atproto/pds) does:
 * - several sessions of one account live side by side (two sites connected to it);
 * - a record's CID is a hash of its content;
 * - createRecord on a record key that is taken fails: the repository's MST refuses the key
 *   ("There is already a value at key"), a plain error the XRPC server answers with 500
 *   InternalServerError and no detail; getRecord still returns the existing record;
 * - an app.bsky.feed.post's text is refused over 3,000 UTF-8 bytes or 300 graphemes (the
 *   lexicon's maxLength and maxGraphemes), with the validator's "string too big" message;
 * - deleteRecord with swapRecord deletes only a record with that CID (else 400 InvalidSwap), and
 *   deleting a record that is not there is a no-op.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { MAX_BLOB_BYTES } from '../../src/syndication/bluesky/index.js';

// The lexicon's limits on app.bsky.feed.post's text, counted here independently of the code under
// test: maxLength in UTF-8 bytes, maxGraphemes in grapheme clusters.
const MAX_TEXT_BYTES = 3000;
const MAX_GRAPHEMES = 300;
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');
const graphemeLength = (s: string) => [...segmenter.segment(s)].length;

export interface Seen {
  method: string;
  auth: string | undefined;
  type: string | undefined;
  query: URLSearchParams;
  body: Buffer;
  json: unknown;
}

/** A content identifier: the same record content, the same CID (like the real dag-cbor CIDs). */
export function cidOf(value: unknown): string {
  return `bafyrei${createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 40)}`;
}

export const ME = { did: 'did:plc:ada', handle: 'ada.test', password: 'abcd-efgh-ijkl-mnop' };
export const BOB = { did: 'did:plc:bob', handle: 'bob.test' };

/** A tiny PDS: one account, bob's post to reply to, records in memory. */
export function createPds() {
  const seen: Seen[] = [];
  const records = new Map<string, { cid: string; value: unknown }>();
  /** Sessions alive: one per createSession (two sites can share the account). */
  const accessTokens = new Set<string>();
  const refreshTokens = new Set<string>();
  const blobs: { size: number; type: string }[] = [];
  let tokens = 0;
  const state = {
    access: '',
    refresh: '',
    /** Answer the next authenticated call with 400 ExpiredToken. */
    expireNext: false,
    /** Answer the next createRecord with 429 and these headers. */
    rateLimit: undefined as Record<string, string> | undefined,
    /** Answer the next getRecord RecordNotFound (another run writes between lookup and create). */
    hideNextGet: false,
  };
  const issue = () => {
    tokens++;
    state.access = `access-${tokens}`;
    state.refresh = `refresh-${tokens}`;
    accessTokens.add(state.access);
    refreshTokens.add(state.refresh);
    return {
      did: ME.did,
      handle: ME.handle,
      accessJwt: state.access,
      refreshJwt: state.refresh,
      active: true,
    };
  };
  records.set(`at://${BOB.did}/app.bsky.feed.post/3kbobpost2222`, {
    cid: 'bafybobparent',
    value: {
      $type: 'app.bsky.feed.post',
      text: 'a reply in a thread',
      reply: {
        root: { uri: `at://${BOB.did}/app.bsky.feed.post/3kbobroot2222`, cid: 'bafybobroot' },
        parent: { uri: `at://${BOB.did}/app.bsky.feed.post/3kbobroot2222`, cid: 'bafybobroot' },
      },
    },
  });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://pds');
      const method = url.pathname.replace(/^\/xrpc\//, '');
      const body = Buffer.concat(chunks);
      const type = req.headers['content-type'];
      let json: unknown;
      if (type === 'application/json' && body.length > 0) json = JSON.parse(body.toString('utf8'));
      seen.push({ method, auth: req.headers.authorization, type, query: url.searchParams, body, json });
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      const bearer = req.headers.authorization?.replace(/^Bearer /, '');
      const authed = () => {
        if (bearer === undefined || !accessTokens.has(bearer)) {
          send(401, { error: 'InvalidToken', message: 'Bad token' });
          return false;
        }
        if (state.expireNext) {
          state.expireNext = false;
          send(400, { error: 'ExpiredToken', message: 'Token has expired' });
          return false;
        }
        return true;
      };
      const b = (json ?? {}) as Record<string, unknown>;
      switch (method) {
        case 'com.atproto.server.createSession':
          if ((b.identifier === ME.handle || b.identifier === ME.did) && b.password === ME.password)
            return send(200, issue());
          return send(401, { error: 'AuthenticationRequired', message: 'Invalid identifier or password' });
        case 'com.atproto.server.refreshSession':
          if (req.method !== 'POST' || bearer === undefined || !refreshTokens.has(bearer))
            return send(400, { error: 'ExpiredToken', message: 'Token has expired' });
          // A refresh token is used once.
          refreshTokens.delete(bearer);
          return send(200, issue());
        case 'app.bsky.actor.getProfile':
          if (!authed()) return;
          return send(200, {
            did: ME.did,
            handle: ME.handle,
            displayName: 'Ada L.',
            avatar: 'https://cdn.test/ada.jpg',
          });
        case 'com.atproto.identity.resolveHandle': {
          const h = url.searchParams.get('handle');
          if (h === BOB.handle) return send(200, { did: BOB.did });
          if (h === ME.handle) return send(200, { did: ME.did });
          return send(400, { error: 'InvalidRequest', message: 'Unable to resolve handle' });
        }
        case 'com.atproto.repo.getRecord': {
          const q = url.searchParams;
          const r = records.get(`at://${q.get('repo')}/${q.get('collection')}/${q.get('rkey')}`);
          const hide = state.hideNextGet;
          state.hideNextGet = false;
          if (!r || hide) return send(400, { error: 'RecordNotFound', message: 'Could not locate record' });
          return send(200, { uri: `at://${q.get('repo')}/${q.get('collection')}/${q.get('rkey')}`, ...r });
        }
        case 'com.atproto.repo.uploadBlob': {
          if (!authed()) return;
          if (body.length > MAX_BLOB_BYTES) return send(400, { error: 'BlobTooLarge', message: 'too large' });
          blobs.push({ size: body.length, type: type ?? '' });
          const cid = `bafkblob${createHash('sha256').update(body).digest('hex').slice(0, 16)}`;
          return send(200, {
            blob: { $type: 'blob', ref: { $link: cid }, mimeType: type, size: body.length },
          });
        }
        case 'com.atproto.repo.createRecord': {
          if (!authed()) return;
          if (state.rateLimit) {
            const headers = state.rateLimit;
            state.rateLimit = undefined;
            return send(429, { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' }, headers);
          }
          const uri = `at://${b.repo}/${b.collection}/${b.rkey}`;
          const record = (b.record ?? {}) as Record<string, unknown>;
          if (b.collection === 'app.bsky.feed.post' && typeof record.text === 'string') {
            const bytes = byteLength(record.text);
            const graphemes = graphemeLength(record.text);
            const tooBig =
              bytes > MAX_TEXT_BYTES
                ? `string too big (maximum ${MAX_TEXT_BYTES}, got ${bytes})`
                : graphemes > MAX_GRAPHEMES
                  ? `grapheme too big (maximum ${MAX_GRAPHEMES}, got ${graphemes})`
                  : undefined;
            if (tooBig)
              return send(400, {
                error: 'InvalidRequest',
                message: `Invalid app.bsky.feed.post record: ${tooBig} at $.record.text`,
              });
          }
          if (records.has(uri))
            return send(500, { error: 'InternalServerError', message: 'Internal Server Error' });
          const cid = cidOf(record);
          records.set(uri, { cid, value: record });
          return send(200, { uri, cid, validationStatus: 'valid' });
        }
        case 'com.atproto.repo.deleteRecord': {
          if (!authed()) return;
          const uri = `at://${b.repo}/${b.collection}/${b.rkey}`;
          const current = records.get(uri);
          if (!current) return send(200, {});
          if (typeof b.swapRecord === 'string' && b.swapRecord !== current.cid)
            return send(400, { error: 'InvalidSwap', message: `Record was at ${current.cid}` });
          records.delete(uri);
          return send(200, {});
        }
        default:
          return send(501, { error: 'MethodNotImplemented', message: method });
      }
    });
  });
  return {
    server,
    seen,
    records,
    blobs,
    state,
    calls: (m: string) => seen.filter((s) => s.method === m),
  };
}
