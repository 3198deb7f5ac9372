// The ceiling for bench/http.ts: a bare node:http server answering a fixed string, with Content-Length
// set (chunked encoding would make it look slow) and keep-alive, on HOST:PORT until SIGTERM.
// `/?n=<bytes>` answers that many bytes instead: the same amount of data as a page, sent by a
// server that does nothing else (what the machine allows for a response of that size).
import { createServer } from 'node:http';

const body = Buffer.from('Hello from a bare node:http server.\n');
const sized = new Map();
const server = createServer((req, res) => {
  const n = req.url?.startsWith('/?n=') ? Math.min(Number(req.url.slice(4)) || 0, 2 ** 20) : -1;
  let bytes = body;
  if (n >= 0) {
    bytes = sized.get(n);
    if (!bytes) {
      bytes = Buffer.alloc(n, 'a');
      sized.set(n, bytes);
    }
  }
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': bytes.length });
  res.end(bytes);
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
