import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A small real HTTP server on 127.0.0.1 playing a remote site. */
export interface RemoteSite {
  url: string;
  close: () => Promise<void>;
}

/** Starts `handler` on a random loopback port. */
export async function startRemote(
  handler: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void,
): Promise<RemoteSite> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
