/** A raw TCP HTTP client for malformed requests that no HTTP library would send. */
import { connect, type Socket } from 'node:net';

/** What came back on one connection. */
export interface RawResult {
  /** Status codes of every response on the connection, in order. */
  statuses: number[];
  /** Everything the server sent, as latin1 text. */
  text: string;
  /** True when the server closed the connection (false: we gave up waiting). */
  closedByServer: boolean;
}

/** Options for one raw exchange. */
export interface RawOptions {
  /** Give up (and destroy the socket) after this long. */
  timeoutMs?: number;
  /** Send FIN after the bytes, as a client whose body was cut short would. */
  halfClose?: boolean;
}

const STATUS_LINE = /(?:^|\r\n)HTTP\/1\.[01] (\d{3})[ \r]/g;

/** Sends `bytes` on a fresh loopback connection and collects what comes back until close or timeout. */
export function rawExchange(
  port: number,
  bytes: string | Buffer,
  options: RawOptions = {},
): Promise<RawResult> {
  const timeoutMs = options.timeoutMs ?? 2000;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let closedByServer = false;
    let settled = false;
    const socket: Socket = connect({ host: '127.0.0.1', port });
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ statuses: [...text.matchAll(STATUS_LINE)].map((m) => Number(m[1])), text, closedByServer });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('connect', () => {
      socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
      if (options.halfClose) socket.end();
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      closedByServer = true;
      finish();
    });
    socket.on('close', () => {
      closedByServer = true;
      finish();
    });
    // A reset is an answer too (the server refused the bytes); what matters is the status codes.
    socket.on('error', () => finish());
  });
}

/** Runs `tasks` with at most `limit` in flight, keeping results in order. */
export async function inBatches<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}
