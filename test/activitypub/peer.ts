/**
 * A second fediverse server for the tests, built with Fedify itself and listening on 127.0.0.1:
 * one account, `alice`, that can look our site up, follow it, reply, like, boost and undo, and
 * whose inbox records every activity it receives (verified by Fedify). Private addresses are
 * allowed here only: the peer plays a remote server on loopback.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFederation, type Federation, generateCryptoKeyPair, MemoryKvStore } from '@fedify/fedify';
import {
  Accept,
  Activity,
  Announce,
  Create,
  Delete,
  Endpoints,
  Follow,
  Like,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Reject,
  Undo,
  Update,
} from '@fedify/vocab';

/** The peer server. */
export interface Peer {
  url: string;
  host: string;
  federation: Federation<void>;
  /** What alice's inbox received, in order, as JSON-LD (compacted by Fedify). */
  inbox: { type: string; json: Record<string, unknown>; activity: Activity }[];
  aliceId: URL;
  /** alice's `alsoKnownAs` (a test adds the site's actor to let it move here). */
  aliases: URL[];
  /** Sends an activity as alice to an actor (by id or object). */
  send(activity: Activity, to: { id: URL; inboxId: URL }): Promise<void>;
  /** alice's posts by id (the last path segment of `/notes/{id}`): what the peer serves as Notes. */
  notes: Map<string, string>;
  /** Every body POSTed to the peer's inboxes, as received (before Fedify's checks). */
  posts: string[];
  /**
   * `hold`: inbox POSTs are processed but never answered (the sender's answer is lost), until
   * `dropHeld()` closes their connections.
   */
  control: { hold: boolean };
  held: import('node:http').ServerResponse[];
  dropHeld(): void;
  /** Lets the process exit while the peer still listens (a test that cannot close it). */
  unref(): void;
  /** Looks something up through the peer's own Fedify (its document loader, its rules). */
  lookup(resource: string): Promise<unknown>;
  close(): Promise<void>;
}

/** Starts the peer on a free port. */
export async function startPeer(): Promise<Peer> {
  let keys: CryptoKeyPair[] | undefined;
  const inbox: Peer['inbox'] = [];
  const aliases: URL[] = [];
  const posts: string[] = [];
  const notes = new Map<string, string>();
  const control = { hold: false };
  const held: import('node:http').ServerResponse[] = [];
  let server: Server | undefined;
  const port = await new Promise<number>((resolve) => {
    server = createServer((req, res) => void handle(req, res));
    server.listen(0, '127.0.0.1', () => resolve((server!.address() as AddressInfo).port));
  });
  const origin = `http://127.0.0.1:${port}`;
  const federation = createFederation<void>({
    kv: new MemoryKvStore(),
    origin,
    // A test server on loopback: the only place private addresses may be reached.
    allowPrivateAddress: true,
  });
  federation
    .setActorDispatcher('/users/{identifier}', async (ctx, identifier) => {
      if (identifier !== 'alice') return null;
      const pairs = await ctx.getActorKeyPairs(identifier);
      return new Person({
        id: ctx.getActorUri(identifier),
        preferredUsername: 'alice',
        name: 'Alice Peer',
        url: new URL(`${origin}/@alice`),
        inbox: ctx.getInboxUri(identifier),
        endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
        publicKey: pairs[0]!.cryptographicKey,
        assertionMethods: pairs.map((p) => p.multikey),
        aliases,
      });
    })
    .setKeyPairsDispatcher(async () => {
      keys ??= [await generateCryptoKeyPair('RSASSA-PKCS1-v1_5'), await generateCryptoKeyPair('Ed25519')];
      return keys;
    });
  federation.setObjectDispatcher(Note, '/notes/{id}', (ctx, values) => {
    const content = notes.get(values.id);
    if (content === undefined) return null;
    return new Note({
      id: ctx.getObjectUri(Note, values),
      attribution: ctx.getActorUri('alice'),
      to: PUBLIC_COLLECTION,
      content,
      url: new URL(`${origin}/@alice/${values.id}`),
    });
  });
  const record = async (_ctx: unknown, activity: Activity) => {
    inbox.push({
      type: activity.constructor.name,
      json: (await activity.toJsonLd({ format: 'compact' })) as Record<string, unknown>,
      activity,
    });
  };
  federation
    .setInboxListeners('/users/{identifier}/inbox', '/inbox')
    .on(Accept, record)
    .on(Reject, record)
    .on(Create, record)
    .on(Update, record)
    .on(Delete, record)
    .on(Activity, record);

  async function handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method === 'POST') posts.push(Buffer.concat(chunks).toString('utf8'));
    const request = new Request(`${origin}${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
    });
    const response = await federation.fetch(request, { contextData: undefined });
    if (control.hold && req.method === 'POST') {
      held.push(res);
      return;
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  }

  const ctx = () => federation.createContext(new URL(origin), undefined);
  return {
    url: `${origin}/`,
    host: `127.0.0.1:${port}`,
    federation,
    inbox,
    aliceId: new URL(`${origin}/users/alice`),
    aliases,
    notes,
    posts,
    control,
    held,
    dropHeld() {
      for (const r of held.splice(0)) r.destroy();
    },
    unref: () => server!.unref(),
    async send(activity, to) {
      await ctx().sendActivity({ identifier: 'alice' }, { id: to.id, inboxId: to.inboxId }, activity, {
        immediate: true,
      });
    },
    lookup: (resource) => ctx().lookupObject(resource),
    close: () =>
      new Promise<void>((resolve) => {
        server!.closeAllConnections();
        server!.close(() => resolve());
      }),
  };
}

export { Announce, Create, Follow, Like, Note, PUBLIC_COLLECTION, Undo, Update };
