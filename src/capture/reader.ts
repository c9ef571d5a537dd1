/**
 * Reads a capture from a file, a stream or standard input, detecting the format from its first
 * bytes (never from the name), decompressing gzip, and delivering frames synchronously to a
 * callback. Memory does not grow with the file: one read buffer plus at most one partial record.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { PcapParser } from './pcap.js';
import { PcapngParser } from './pcapng.js';
import type { RecordParser } from './parser.js';
import { CaptureError, type CaptureFormat, type CaptureInfo, type CaptureWarning, type Frame } from './types.js';

/** How much of a new chunk is copied to finish a record that straddled the previous one. */
const BRIDGE_BYTES = 64 * 1024;

/** Size of each read. 1 MiB reads measured 1.6x faster than 64 KiB ones. */
export const READ_CHUNK_BYTES = 1024 * 1024;

/** A pending store larger than this is released once empty. */
const MAX_IDLE_STORE_BYTES = 4 * READ_CHUNK_BYTES;

/** What the first bytes say a file is. */
export type DetectedKind = 'pcap' | 'pcapng' | 'gzip' | null;

/** Identify a capture by its first bytes (at least 4 are needed). */
export function detectFormat(head: Uint8Array): DetectedKind {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length < 4) return null;
  const be = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
  const le = ((head[3]! << 24) | (head[2]! << 16) | (head[1]! << 8) | head[0]!) >>> 0;
  if (be === 0x0a0d0d0a) return 'pcapng';
  for (const m of [0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34]) if (be === m || le === m) return 'pcap';
  return null;
}

/** Result of reading a whole capture. */
export interface ReadResult {
  info: CaptureInfo;
  compression: 'gzip' | null;
  /** Frames delivered. */
  packets: number;
  /** Bytes of the (decompressed) capture stream consumed. */
  bytes: number;
  warnings: CaptureWarning[];
}

/** Options for {@link readCapture}. */
export interface ReadOptions {
  /** Called between chunks; return true to stop reading (e.g. on Ctrl-C). */
  shouldStop?: () => boolean;
  /** Called after each chunk with the bytes read so far from the source (compressed bytes for gzip). */
  onProgress?: (sourceBytes: number) => void;
  /** Called once the format is known, with the live info object (precision and link types grow as read). */
  onInfo?: (info: CaptureInfo) => void;
  /** Called after each run of frames, before the reader reuses the buffers their data points into. */
  afterFrames?: () => void;
  /**
   * Makes the record parser for the format the first bytes name (default: the pcap or pcapng
   * reader). A parser that wraps the default one sees every record's bytes as well as its
   * frames: how `annotate` copies blocks the frame callback never sees.
   */
  parserFor?: RecordParserFactory;
}

/** Makes the record parser for a capture format; see {@link ReadOptions.parserFor}. */
export type RecordParserFactory = (format: CaptureFormat, onFrame: (frame: Frame) => void) => RecordParser;

/** The readers of this module, by format. */
export const defaultParserFor: RecordParserFactory = (format, onFrame) => (format === 'pcap' ? new PcapParser(onFrame) : new PcapngParser(onFrame));

/**
 * Feeds bytes to the right parser, keeping at most one partial record between chunks.
 * Use it directly to parse from any source; `readCapture` wraps it for files and streams.
 */
export class CaptureStreamParser {
  private parser: RecordParser | null = null;
  /**
   * The partial record carried to the next push: `pendingStore[0, pendingLength)`. The store
   * grows by doubling and chunks are appended to it, so a large record arriving in small chunks
   * costs linear time (concatenating per chunk was quadratic: a 16 MiB record in 1 KiB chunks
   * copied about 128 GB).
   */
  private pendingStore: Buffer | null = null;
  private pendingLength = 0;
  /** The partial record, or null (kept for finish()). */
  private get pending(): Buffer | null {
    return this.pendingLength > 0 ? this.pendingStore!.subarray(0, this.pendingLength) : null;
  }
  /** Bytes pushed so far (stream offset of the end of the last chunk). */
  private pushed = 0;
  /** Stream offset just past the last whole record parsed. */
  private consumed = 0;
  private headBytes: Buffer | null = null;

  /**
   * `afterFrames` is called after each run of frames, before the buffers their `data` points
   * into are written again: a consumer that kept views to copy later must copy now.
   */
  constructor(
    private readonly onFrame: (frame: Frame) => void,
    private readonly onInfo?: (info: CaptureInfo) => void,
    private readonly afterFrames?: () => void,
    private readonly parserFor: RecordParserFactory = defaultParserFor,
  ) {}

  /** Parse the records in `buf[start, end)`, then let the consumer copy what it deferred. */
  private parseRun(buf: Buffer, start: number, end: number, base: number): number {
    const pos = this.parser!.parse(buf, start, end, base);
    this.afterFrames?.();
    return pos;
  }

  get info(): CaptureInfo | null {
    return this.parser?.info ?? null;
  }
  get stopped(): boolean {
    return this.parser?.stopped ?? false;
  }
  get frames(): number {
    return this.parser?.frames ?? 0;
  }

  /** Push the next chunk of the decompressed stream. The chunk may be reused by the caller afterwards. */
  push(chunk: Buffer): void {
    if (this.parser?.stopped) return;
    if (!this.parser) {
      // Wait for 4 bytes to tell the format.
      const head = this.headBytes ? Buffer.concat([this.headBytes, chunk]) : chunk;
      if (head.length < 4) {
        this.headBytes = Buffer.from(head);
        return;
      }
      this.headBytes = null;
      const kind = detectFormat(head);
      if (kind === 'pcap' || kind === 'pcapng') this.parser = this.parserFor(kind, this.onFrame);
      else if (kind === 'gzip') throw new CaptureError('gzip inside gzip is not a capture', 0, 'not_a_capture');
      else throw new CaptureError('not a capture file (the first bytes are neither pcap nor pcapng)', 0, 'not_a_capture');
      this.onInfo?.(this.parser.info);
      chunk = head;
    }
    const held = this.pendingLength;
    const chunkBase = this.pushed; // stream offset of chunk[0]
    this.pushed += chunk.length;
    let start = 0;
    if (held > 0) {
      // A record straddles the chunks. Copy just enough of the new chunk to finish it (a bridge),
      // then parse the rest of the chunk where it is, instead of copying every chunk whole.
      const bridge = Math.min(chunk.length, BRIDGE_BYTES);
      this.reserve(held + bridge);
      chunk.copy(this.pendingStore!, held, 0, bridge);
      const storeBase = chunkBase - held;
      let end = held + bridge;
      let pos = this.parseRun(this.pendingStore!.subarray(0, end), 0, end, storeBase);
      if (!this.parser.stopped && pos < held) {
        // A record longer than the bridge: gather the whole chunk behind it (rare).
        if (bridge < chunk.length) {
          this.pendingLength = held + bridge; // what reserve() must keep when it grows the store
          this.reserve(held + chunk.length);
          chunk.copy(this.pendingStore!, held + bridge, bridge);
          end = held + chunk.length;
          pos = this.parseRun(this.pendingStore!.subarray(0, end), pos, end, storeBase);
        }
        this.consumed = storeBase + pos;
        if (this.parser.stopped || pos >= end) this.pendingLength = 0;
        else {
          if (pos > 0) this.pendingStore!.copyWithin(0, pos, end);
          this.pendingLength = end - pos;
        }
        return;
      }
      this.pendingLength = 0;
      if (this.parser.stopped) {
        this.consumed = storeBase + pos;
        return;
      }
      start = pos - held;
    }
    const pos = this.parseRun(chunk, start, chunk.length, chunkBase);
    this.consumed = chunkBase + pos;
    if (pos >= chunk.length || this.parser.stopped) {
      // Do not hold on to a store grown for one huge record.
      if (this.pendingStore && this.pendingStore.length > MAX_IDLE_STORE_BYTES) this.pendingStore = null;
      return;
    }
    // Keep the partial record, copied so the caller may reuse its chunk buffer.
    const rest = chunk.length - pos;
    this.reserve(rest);
    chunk.copy(this.pendingStore!, 0, pos);
    this.pendingLength = rest;
  }

  /** Make the pending store hold at least `bytes`, keeping its contents. */
  private reserve(bytes: number): void {
    const store = this.pendingStore;
    if (store && store.length >= bytes) return;
    let size = Math.max(store ? store.length * 2 : 0, 64 * 1024);
    while (size < bytes) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    if (store && this.pendingLength > 0) store.copy(grown, 0, 0, this.pendingLength);
    this.pendingStore = grown;
  }

  /** Signal the end of the stream; returns the warnings including a truncated last record. */
  finish(): { info: CaptureInfo; warnings: CaptureWarning[]; bytes: number } {
    if (!this.parser) {
      const n = this.headBytes?.length ?? 0;
      throw new CaptureError(n === 0 ? 'empty file' : `file too short to be a capture (${n} bytes)`, n, 'not_a_capture');
    }
    const warnings = this.parser.warnings;
    const info = this.parser.info;
    if (this.pending && this.pending.length > 0 && !this.parser.stopped) {
      const atHeader = this.parser.frames === 0 && info.linkTypes.length === 0;
      if (atHeader && info.format === 'pcap') {
        throw new CaptureError(`file ends inside its header (${this.pending.length} of 24 bytes)`, this.consumed, 'truncated_header');
      }
      if (atHeader && info.format === 'pcapng' && this.consumed === 0) {
        throw new CaptureError('file ends inside its section header block', this.consumed, 'truncated_header');
      }
      warnings.push({
        code: 'truncated_record',
        message: `the file ends inside a record (${this.pending.length} bytes left at offset ${this.consumed}); results cover the ${this.parser.frames} complete frames`,
        offset: this.consumed,
        frame: this.parser.frames + 1,
      });
    }
    const bytes = this.parser.stopped ? this.consumed : this.pushed;
    return { info, warnings, bytes };
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Read a plain (uncompressed) file with synchronous 1 MiB reads into a reused buffer. */
async function readPlainFile(fd: number, parser: CaptureStreamParser, opts: ReadOptions): Promise<void> {
  const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  let total = 0;
  let sinceYield = 0;
  for (;;) {
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    total += n;
    parser.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    opts.onProgress?.(total);
    if (parser.stopped) break;
    // Let signals and timers run now and then; per-chunk, never per packet.
    if (++sinceYield >= 16) {
      sinceYield = 0;
      await yieldToEventLoop();
      if (opts.shouldStop?.()) break;
    }
  }
}

/** Read a stream (stdin, gunzip output), with backpressure via async iteration. */
async function readStream(stream: AsyncIterable<Buffer>, parser: CaptureStreamParser, opts: ReadOptions, onSourceBytes?: () => number): Promise<void> {
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    parser.push(chunk);
    opts.onProgress?.(onSourceBytes ? onSourceBytes() : total);
    if (parser.stopped || opts.shouldStop?.()) break;
  }
}

/** Peek at the first bytes of a file. */
function readHead(fd: number): Buffer {
  const head = Buffer.alloc(4);
  const n = readSync(fd, head, 0, 4, 0);
  return head.subarray(0, n);
}

/**
 * Read a capture. `source` is a path, "-" for standard input, or a readable stream.
 * Frames are delivered synchronously to `onFrame` (the frame object is reused: copy what you keep).
 * Throws CaptureError when nothing could be read; otherwise problems are in `warnings`.
 */
export async function readCapture(source: string | Readable, onFrame: (frame: Frame) => void, opts: ReadOptions = {}): Promise<ReadResult> {
  const parser = new CaptureStreamParser(onFrame, opts.onInfo, opts.afterFrames, opts.parserFor);
  let compression: 'gzip' | null = null;
  const extraWarnings: CaptureWarning[] = [];

  const readGzip = async (input: Readable, sourceBytes: () => number): Promise<void> => {
    compression = 'gzip';
    const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
    input.on('error', (e) => gunzip.destroy(e));
    input.pipe(gunzip);
    try {
      await readStream(gunzip, parser, opts, sourceBytes);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err instanceof CaptureError) throw err;
      // A gzip stream that ends early or is corrupt: keep what was decoded.
      extraWarnings.push({ code: 'gzip_error', message: `gzip data is damaged or ends early (${err.message}); results cover what was decompressed` });
      if (parser.frames === 0 && !parser.info) throw new CaptureError(`gzip data is damaged (${err.message})`, 0, 'bad_gzip');
    } finally {
      gunzip.destroy();
      input.unpipe(gunzip);
      if (input !== process.stdin) input.destroy();
    }
  };

  if (typeof source === 'string' && source !== '-') {
    let fd: number;
    try {
      fd = openSync(source, 'r');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new CaptureError(`cannot open (${err.code ?? err.message})`, 0, 'cannot_open');
    }
    let gzip = false;
    try {
      if (fstatSync(fd).isDirectory()) throw new CaptureError('is a directory', 0, 'cannot_open');
      gzip = detectFormat(readHead(fd)) === 'gzip';
      if (!gzip) await readPlainFile(fd, parser, opts);
    } finally {
      closeSync(fd);
    }
    if (gzip) {
      // The compressed file is streamed through zlib; the stream owns its own descriptor.
      const input = createReadStream(source, { highWaterMark: READ_CHUNK_BYTES });
      await readGzip(input, () => input.bytesRead);
    }
  } else {
    const input: Readable = source === '-' ? process.stdin : (source as Readable);
    // Sniff the first chunk to tell gzip from plain, then go on from there.
    const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let first: Buffer = Buffer.alloc(0);
    while (first.length < 2) {
      const r = await iterator.next();
      if (r.done) break;
      first = Buffer.concat([first, r.value]);
    }
    if (detectFormat(first) === 'gzip') {
      const { PassThrough } = await import('node:stream');
      const pass = new PassThrough({ highWaterMark: READ_CHUNK_BYTES });
      let sourceBytes = 0;
      const pump = (async () => {
        try {
          pass.write(first);
          sourceBytes += first.length;
          for (;;) {
            const r = await iterator.next();
            if (r.done) break;
            sourceBytes += r.value.length;
            if (!pass.write(r.value)) await new Promise((res) => pass.once('drain', res));
          }
          pass.end();
        } catch (e) {
          pass.destroy(e as Error);
        }
      })();
      await readGzip(pass, () => sourceBytes);
      await pump.catch(() => undefined);
    } else {
      const rest: AsyncIterable<Buffer> = {
        [Symbol.asyncIterator]: () => ({ next: () => iterator.next() }),
      };
      if (first.length) {
        parser.push(first);
        // Report the first chunk too: live input may hold its first packets only in it, and
        // onProgress is where analyzeCapture hands out its clock (onClock).
        opts.onProgress?.(first.length);
      }
      if (!parser.stopped) await readStream(rest, parser, opts);
    }
  }
  const done = parser.finish();
  return {
    info: done.info,
    compression,
    packets: parser.frames,
    bytes: done.bytes,
    warnings: [...done.warnings, ...extraWarnings],
  };
}

/** Parse a capture held in memory (tests, small inputs), optionally cut into chunks of `chunkSize`. */
export function readCaptureBuffer(data: Buffer, onFrame: (frame: Frame) => void, chunkSize = data.length || 1): Omit<ReadResult, 'compression'> {
  const parser = new CaptureStreamParser(onFrame);
  for (let i = 0; i < data.length && !parser.stopped; i += chunkSize) parser.push(data.subarray(i, Math.min(data.length, i + chunkSize)));
  const done = parser.finish();
  return { info: done.info, packets: parser.frames, bytes: done.bytes, warnings: done.warnings };
}
