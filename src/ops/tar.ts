/**
 * A deliberately small tar (POSIX ustar + pax) writer and a strict streaming reader for StarPunk's
 * own backup archives. The reader accepts only regular files and directories with safe relative
 * paths; links, devices, absolute paths and `..` are refused before a single byte is written.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { finished, pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';

const BLOCK = 512;
/** The largest size the 11 octal digits of a ustar header can hold; larger files get a pax `size`. */
const MAX_OCTAL_SIZE = 0o77777777777;

/** What kind of entry a tar header announces (only these two are ever accepted). */
export type TarEntryType = 'file' | 'directory';

/** One entry's header, as the reader saw it. */
export interface TarEntry {
  path: string;
  type: TarEntryType;
  size: number;
  mode: number;
}

/** A problem with an archive: malformed, unsafe or truncated. Nothing is written when it is thrown. */
export class UnsafeArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeArchiveError';
  }
}

/** A decompressed archive grew past the limit its reader set (a decompression bomb, or a lie). */
export class ExpansionLimitError extends UnsafeArchiveError {
  constructor(readonly limit: number) {
    super(`the archive expands to more than ${formatBytes(limit)}`);
    this.name = 'ExpansionLimitError';
  }
}

/** A byte count for people: "1.5 GB", "640 KB", "12 bytes". */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

function writeString(buf: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar header field too long: ${value}`);
  bytes.copy(buf, offset);
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  writeString(buf, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

function checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum;
}

/** Options for one raw header; tests use `rawTarHeader` to craft hostile archives. */
export interface RawHeader {
  name: string;
  size: number;
  /** ustar typeflag: '0' file, '5' directory, '2' symlink, 'x' pax… */
  typeflag: string;
  mode?: number;
  linkname?: string;
  mtime?: number;
}

/** Builds one 512-byte ustar header exactly as given (no safety checks: that is the reader's job). */
export function rawTarHeader(h: RawHeader): Buffer {
  const header = Buffer.alloc(BLOCK);
  writeString(header, 0, 100, h.name);
  writeOctal(header, 100, 8, h.mode ?? (h.typeflag === '5' ? 0o755 : 0o644));
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, Math.min(h.size, MAX_OCTAL_SIZE));
  writeOctal(header, 136, 12, h.mtime ?? 0);
  writeString(header, 156, 1, h.typeflag);
  writeString(header, 157, 100, h.linkname ?? '');
  writeString(header, 257, 6, 'ustar\0');
  writeString(header, 263, 2, '00');
  writeOctal(header, 148, 8, checksum(header));
  return header;
}

/** One pax record: "<len> key=value\n", where len counts the whole record including itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const base = Buffer.byteLength(body);
  let len = base + String(base).length;
  if (String(len).length + base !== len) len = String(len).length + base;
  return `${len}${body}`;
}

/** The headers for one entry: a pax header first when the path or size does not fit ustar. */
function headersFor(path: string, type: TarEntryType, size: number, mtime: number): Buffer[] {
  const name = type === 'directory' ? `${path}/` : path;
  const records: string[] = [];
  if (Buffer.byteLength(name) > 100) records.push(paxRecord('path', name));
  if (size > MAX_OCTAL_SIZE) records.push(paxRecord('size', String(size)));
  const out: Buffer[] = [];
  if (records.length > 0) {
    const pax = Buffer.from(records.join(''), 'utf8');
    out.push(rawTarHeader({ name: 'PaxHeader', size: pax.length, typeflag: 'x', mtime }));
    out.push(pax, padding(pax.length));
  }
  // Readers without pax support would see this placeholder; every pax-aware reader uses `path`.
  const shortName =
    Buffer.byteLength(name) > 100 ? `starpunk-long-path${type === 'directory' ? '/' : ''}` : name;
  out.push(
    rawTarHeader({
      name: shortName,
      size: type === 'file' ? size : 0,
      typeflag: type === 'file' ? '0' : '5',
      mtime,
    }),
  );
  return out;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** Writes a gzip-compressed tar file entry by entry, with back-pressure; created with mode 0600. */
export class TarGzWriter {
  private readonly gzip: Gzip;
  private readonly out: WriteStream;
  private readonly done: Promise<void>;
  private readonly mtime: number;

  constructor(path: string, mtime: Date) {
    this.mtime = Math.floor(mtime.getTime() / 1000);
    this.out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.gzip = createGzip({ level: 6 });
    this.gzip.pipe(this.out);
    this.done = finished(this.out);
    // The error surfaces from `close()` (or the next write); this keeps it from being unhandled.
    this.done.catch(() => undefined);
    this.gzip.on('error', (err) => this.out.destroy(err));
  }

  private async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    if (!this.gzip.write(chunk)) await Promise.race([once(this.gzip, 'drain'), this.done]);
  }

  /** Adds a directory entry. */
  async addDirectory(path: string): Promise<void> {
    for (const h of headersFor(path, 'directory', 0, this.mtime)) await this.write(h);
  }

  /**
   * Adds a file of `size` bytes whose content `chunks` yields; throws when the chunks do not add
   * up to `size` (the source changed while being read).
   */
  async addFile(path: string, size: number, chunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> {
    for (const h of headersFor(path, 'file', size, this.mtime)) await this.write(h);
    let written = 0;
    for await (const chunk of chunks) {
      written += chunk.length;
      if (written > size) break;
      await this.write(chunk);
    }
    if (written !== size) throw new Error(`${path} changed size while it was being archived`);
    await this.write(padding(size));
  }

  /** Writes the end-of-archive marker and waits until every byte is on its way to disk. */
  async close(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2));
    this.gzip.end();
    await this.done;
  }

  /** Abandons the archive (the caller removes the partial file). */
  async abort(): Promise<void> {
    this.gzip.destroy();
    this.out.destroy();
    await this.done.catch(() => undefined);
  }
}

const TOP_LEVEL = /^[A-Za-z0-9._-]+$/;

/**
 * Checks an entry path from an archive: relative, '/'-separated, no empty, '.' or '..' segments,
 * no backslashes, NUL or control characters. Returns it without a trailing '/'.
 */
export function safeArchivePath(raw: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(raw))
    throw new UnsafeArchiveError(`refusing entry "${JSON.stringify(raw)}"`);
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw))
    throw new UnsafeArchiveError(`refusing absolute path "${raw}"`);
  const path = raw.endsWith('/') ? raw.slice(0, -1) : raw;
  const parts = path.split('/');
  if (path === '' || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new UnsafeArchiveError(`refusing path "${raw}" (empty, "." or ".." segment)`);
  }
  if (!TOP_LEVEL.test(parts[0]!)) throw new UnsafeArchiveError(`refusing path "${raw}"`);
  return path;
}

function readString(buf: Buffer, offset: number, length: number): string {
  const field = buf.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

function readOctal(buf: Buffer, offset: number, length: number, what: string): number {
  const first = buf[offset]!;
  // GNU base-256 numbers (high bit set) never appear in archives StarPunk writes.
  if (first & 0x80) throw new UnsafeArchiveError(`unsupported binary ${what} field`);
  const text = readString(buf, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new UnsafeArchiveError(`malformed ${what} field "${text}"`);
  return Number.parseInt(text, 8);
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) throw new UnsafeArchiveError('malformed pax header');
    const len = Number(data.subarray(pos, space).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length) {
      throw new UnsafeArchiveError('malformed pax header');
    }
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq === -1) throw new UnsafeArchiveError('malformed pax record');
    out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}

/** What the reader calls for each entry: `data` with every chunk of a file, then `end`. */
export interface TarHandler {
  entry(entry: TarEntry): void;
  data(chunk: Buffer): void;
  end(entry: TarEntry): void;
}

const MAX_PAX_BYTES = 64 * 1024;

type State =
  | { kind: 'header' }
  | { kind: 'body'; entry: TarEntry | null; remaining: number; pad: number; pax: Buffer[] | null }
  | { kind: 'done' };

/**
 * A push parser for tar: feed it chunks of the decompressed stream. It validates every header
 * (checksum, magic, type, path) before announcing the entry, so a handler never sees an unsafe one.
 */
export class StrictTarParser {
  private buf: Buffer = Buffer.alloc(0);
  private state: State = { kind: 'header' };
  private paxNext: Record<string, string> | null = null;
  private readonly handler: TarHandler;

  constructor(handler: TarHandler) {
    this.handler = handler;
  }

  /** Feeds the next chunk of the (decompressed) archive. */
  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.drain();
  }

  /** Signals the end of the stream; throws if the archive was cut short. */
  finish(): void {
    if (this.state.kind !== 'done') throw new UnsafeArchiveError('the archive is truncated');
  }

  private drain(): void {
    for (;;) {
      const s = this.state;
      if (s.kind === 'done') {
        this.buf = Buffer.alloc(0);
        return;
      }
      if (s.kind === 'header') {
        if (this.buf.length < BLOCK) return;
        const header = this.buf.subarray(0, BLOCK);
        this.buf = this.buf.subarray(BLOCK);
        this.readHeader(header);
        continue;
      }
      if (s.remaining > 0) {
        if (this.buf.length === 0) return;
        const n = Math.min(s.remaining, this.buf.length);
        const part = this.buf.subarray(0, n);
        this.buf = this.buf.subarray(n);
        s.remaining -= n;
        if (s.pax) s.pax.push(Buffer.from(part));
        else this.handler.data(part);
        continue;
      }
      if (this.buf.length < s.pad) return;
      this.buf = this.buf.subarray(s.pad);
      if (s.pax) this.paxNext = parsePax(Buffer.concat(s.pax));
      else if (s.entry) this.handler.end(s.entry);
      this.state = { kind: 'header' };
    }
  }

  private readHeader(header: Buffer): void {
    if (header.every((b) => b === 0)) {
      // End of archive; a pax header with nothing after it is malformed.
      if (this.paxNext) throw new UnsafeArchiveError('pax header without an entry');
      this.state = { kind: 'done' };
      return;
    }
    const stored = readOctal(header, 148, 8, 'checksum');
    if (stored !== checksum(header)) throw new UnsafeArchiveError('corrupt tar header (checksum mismatch)');
    if (readString(header, 257, 6) !== 'ustar') throw new UnsafeArchiveError('not a ustar archive');
    const typeflag = String.fromCharCode(header[156]!);
    let size = readOctal(header, 124, 12, 'size');
    const pad = (n: number) => (n % BLOCK === 0 ? 0 : BLOCK - (n % BLOCK));
    if (typeflag === 'x') {
      if (this.paxNext) throw new UnsafeArchiveError('two pax headers in a row');
      if (size > MAX_PAX_BYTES) throw new UnsafeArchiveError('oversized pax header');
      this.state = { kind: 'body', entry: null, remaining: size, pad: pad(size), pax: [] };
      return;
    }
    const pax = this.paxNext ?? {};
    this.paxNext = null;
    let type: TarEntryType;
    if (typeflag === '0' || typeflag === '\0') type = 'file';
    else if (typeflag === '5') type = 'directory';
    else {
      const what: Record<string, string> = {
        '1': 'hard link',
        '2': 'symbolic link',
        '3': 'character device',
        '4': 'block device',
        '6': 'FIFO',
        g: 'global pax header',
        L: 'GNU long name',
        K: 'GNU long link',
      };
      throw new UnsafeArchiveError(
        `refusing entry "${readString(header, 0, 100)}": ${what[typeflag] ?? `type "${typeflag}"`} entries are not allowed`,
      );
    }
    const prefix = readString(header, 345, 155);
    const name = readString(header, 0, 100);
    const rawPath = pax.path ?? (prefix ? `${prefix}/${name}` : name);
    if (pax.size !== undefined) {
      if (!/^\d+$/.test(pax.size)) throw new UnsafeArchiveError('malformed pax size');
      size = Number(pax.size);
    }
    if (pax.linkpath !== undefined) throw new UnsafeArchiveError(`refusing link entry "${rawPath}"`);
    const path = safeArchivePath(rawPath);
    if (type === 'directory' && size !== 0) throw new UnsafeArchiveError(`directory "${path}" has a size`);
    const entry: TarEntry = { path, type, size, mode: readOctal(header, 100, 8, 'mode') };
    this.handler.entry(entry);
    this.state = { kind: 'body', entry, remaining: size, pad: pad(size), pax: null };
  }
}

/**
 * Streams a .tar.gz file through a StrictTarParser; rejects on any unsafe, corrupt or truncated
 * content, and, with `maxBytes`, as soon as the decompressed stream (headers, padding and anything
 * after the end marker included) grows past that many bytes.
 */
export async function readTarGz(
  path: string,
  handler: TarHandler,
  options: { maxBytes?: number } = {},
): Promise<void> {
  const parser = new StrictTarParser(handler);
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  let total = 0;
  // pipeline reports its own abort when the consumer throws; the consumer's error is the one that matters.
  let failure: unknown;
  try {
    await pipeline(createReadStream(path), createGunzip(), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        try {
          total += chunk.length;
          if (total > maxBytes) throw new ExpansionLimitError(maxBytes);
          parser.push(chunk);
        } catch (err) {
          failure = err;
          throw err;
        }
      }
    });
  } catch (err) {
    if (failure !== undefined) throw failure;
    // zlib reports a damaged or non-gzip file with Z_* codes; anything else is the caller's own error.
    const code = String((err as NodeJS.ErrnoException).code ?? '');
    if (code.startsWith('Z_'))
      throw new UnsafeArchiveError(`the archive is not a valid .tar.gz: ${(err as Error).message}`);
    throw err;
  }
  parser.finish();
}
