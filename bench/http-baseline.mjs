// The ceiling for bench/http.ts: a bare node:http server answering a fixed string, with Content-Length
// set (chunked encoding would make it look slow) and keep-alive, on HOST:PORT until SIGTERM.
import { createServer } from 'node:http';

const body = Buffer.from('Hello from a bare node:http server.\n');
const server = createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
