/**
 * Several capture files read as one timeline, the way `mergecap` merges them (a ring buffer of
 * `tcpdump -C/-G` or dumpcap, one file per node): a k-way merge by timestamp over streaming
 * readers. Each file is read a chunk at a time and only when its next frame is needed, so what
 * is held is one chunk per file whose frames are being interleaved, however many files there are;
 * a file whose first frame comes later is not even open (a rotated set holds one or two).
 *
 * A file's own frames keep their order, and of frames with the same timestamp the one from the
 * file given last goes first: mergecap's chronological merge keeps, scanning the files in
 * order, every head that is not later than the earliest so far (Wireshark merge.c, is_earlier),
 * so frame numbers here are those of `mergecap -w merged.pcapng FILES`.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { CaptureStreamParser, detectFormat, READ_CHUNK_BYTES, type ReadOptions, type ReadResult } from './reader.js';
import { CaptureError, ReaderFrame, type CaptureFormat, type CaptureInfo, type CaptureWarning, type Frame } from './types.js';

/** Chunk bytes all open files share; each gets a part of it, within the bounds below. */
const MERGE_READ_BUDGET_BYTES = 32 * 1024 * 1024;
const MIN_MERGE_CHUNK_BYTES = 64 * 1024;

/** Runs of frames from one file remembered for naming evidence (see FrameOrigins). */
export const MAX_ORIGIN_RUNS = 1_000_000;

/** One file of a merged capture, as the report lists it. */
export interface MergedFileSummary {
  file: string;
  format: CaptureFormat;
  compression: 'gzip' | null;
  packets: number;
  bytes: number;
}

/** Where a frame of the merged order came from: the file and its frame number there. */
export interface FrameOrigin {
  file: string;
  frame: number;
}

/** Bytes of one file, a chunk at a time (decompressed for gzip). */
interface ChunkSource {
  next(): Promise<Buffer | null>;
  /** Bytes of the file itself read so far (compressed bytes for gzip). */
  readonly sourceBytes: number;
  close(): void;
}

function plainSource(path: string, fd: number, chunkBytes: number): ChunkSource {
  const chunk = Buffer.allocUnsafe(chunkBytes);
  let total = 0;
  let open = true;
  return {
    get sourceBytes() {
      return total;
    },
    async next() {
      if (!open) return null;
      const n = readSync(fd, chunk, 0, chunk.length, null);
      total += n;
      return n === 0 ? null : n === chunk.length ? chunk : chunk.subarray(0, n);
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

function gzipSource(path: string, chunkBytes: number): ChunkSource {
  const input = createReadStream(path, { highWaterMark: chunkBytes });
  const gunzip = createGunzip({ chunkSize: chunkBytes });
  input.on('error', (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  const iterator = gunzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return {
    get sourceBytes() {
      return input.bytesRead;
    },
    async next() {
      const r = await iterator.next();
      return r.done ? null : r.value;
    },
    close() {
      gunzip.destroy();
      input.destroy();
    },
  };
}

/** The error of one file of a merged capture, naming the file. */
export class MergedCaptureError extends CaptureError {
  constructor(
    readonly file: string,
    cause: CaptureError,
  ) {
    super(cause.message, cause.offset, cause.code);
  }
}

/** One file's place in the merge: closed until its first frame is due, then read chunk by chunk. */
class FileCursor {
  /** Frames read and not yet handed on; their bytes are still in the file's chunk. */
  readonly queue: ReaderFrame[] = [];
  head = 0;
  /** Timestamp of the next frame (or the first, before the file is opened). */
  tsSec = 0;
  tsNsec = 0;
  done = false;
  opened = false;
  gzip = false;
  info: CaptureInfo | null = null;
  private parser: CaptureStreamParser | null = null;
  private source: ChunkSource | null = null;
  /** The buffer of the last chunk pushed: frames elsewhere (a record that straddled two chunks) are copied. */
  private chunk: ArrayBufferLike | null = null;
  warnings: CaptureWarning[] = [];
  packets = 0;
  bytes = 0;
  private finishedSourceBytes = 0;

  constructor(
    readonly path: string,
    readonly index: number,
  ) {}

  get sourceBytes(): number {
    return this.source ? this.source.sourceBytes : this.finishedSourceBytes;
  }

  /** Open the file from its start. */
  open(chunkBytes: number): void {
    this.close();
    this.warnings = [];
    this.done = false;
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new MergedCaptureError(this.path, new CaptureError(`cannot open (${err.code ?? err.message})`, 0, 'cannot_open'));
    }
    const head = Buffer.alloc(4);
    const n = readSync(fd, head, 0, 4, 0);
    this.gzip = detectFormat(head.subarray(0, n)) === 'gzip';
    if (this.gzip) {
      closeSync(fd);
      this.source = gzipSource(this.path, chunkBytes);
    } else this.source = plainSource(this.path, fd, chunkBytes);
    this.parser = new CaptureStreamParser((f) => this.enqueue(f));
    this.queue.length = 0;
    this.head = 0;
    this.opened = true;
  }

  private enqueue(f: Frame): void {
    let bytes = f.bytes ?? f.data;
    let dataStart = f.bytes ? f.dataStart! : 0;
    let dataEnd = f.bytes ? f.dataEnd! : bytes.length;
    if (bytes.buffer !== this.chunk) {
      // Parsed from the reader's store for records cut by a chunk boundary, which the next push
      // overwrites: this one frame is copied.
      bytes = Buffer.from(bytes.subarray(dataStart, dataEnd));
      dataStart = 0;
      dataEnd = bytes.length;
    }
    const q = new ReaderFrame();
    q.number = f.number;
    q.tsSec = f.tsSec;
    q.tsNsec = f.tsNsec;
    q.linkType = f.linkType;
    q.interfaceId = f.interfaceId;
    q.originalLength = f.originalLength;
    q.bytes = bytes;
    q.dataStart = dataStart;
    q.dataEnd = dataEnd;
    q.offset = f.offset;
    this.queue.push(q);
  }

  /**
   * Read until a frame is queued or the file ends. The frames handed on before are released:
   * their bytes may be overwritten now.
   */
  async fill(): Promise<void> {
    this.queue.length = 0;
    this.head = 0;
    const parser = this.parser!;
    while (!this.done && this.queue.length === 0) {
      let chunk: Buffer | null;
      try {
        chunk = await this.source!.next();
      } catch (e) {
        if (e instanceof CaptureError) throw new MergedCaptureError(this.path, e);
        // A gzip stream that ends early or is corrupt: keep what was decoded, as readCapture does.
        const err = e as Error;
        if (parser.frames === 0 && !parser.info) throw new MergedCaptureError(this.path, new CaptureError(`gzip data is damaged (${err.message})`, 0, 'bad_gzip'));
        this.warnings.push({ code: 'gzip_error', message: `gzip data is damaged or ends early (${err.message}); results cover what was decompressed` });
        chunk = null;
      }
      if (chunk === null) {
        this.end();
        break;
      }
      this.chunk = chunk.buffer;
      try {
        parser.push(chunk);
      } catch (e) {
        throw e instanceof CaptureError ? new MergedCaptureError(this.path, e) : e;
      }
      this.info = parser.info;
      if (parser.stopped) {
        // Frames already queued are still delivered; nothing more is read.
        this.end();
        break;
      }
    }
    this.peek();
  }

  /** The next frame to hand on, or null when the queue is empty. */
  peek(): ReaderFrame | null {
    const f = this.queue[this.head];
    if (f === undefined) return null;
    this.tsSec = f.tsSec;
    this.tsNsec = f.tsNsec;
    return f;
  }

  private end(): void {
    this.done = true;
    let done;
    try {
      done = this.parser!.finish();
    } catch (e) {
      throw e instanceof CaptureError ? new MergedCaptureError(this.path, e) : e;
    } finally {
      this.finishedSourceBytes = this.source?.sourceBytes ?? 0;
      this.source?.close();
      this.source = null;
    }
    this.info = done.info;
    this.packets = this.parser!.frames;
    this.bytes = done.bytes;
    this.warnings.unshift(...done.warnings);
  }

  /** Close the file, keeping only the timestamp of its next frame, until it is opened again. */
  park(): void {
    this.close();
    this.queue.length = 0;
    this.head = 0;
    this.opened = false;
    this.done = false;
  }

  close(): void {
    this.source?.close();
    this.source = null;
  }
}

/**
 * The file and frame of each frame of the merged order, as runs of consecutive frames from one
 * file: a rotated set is one run per file. Bounded: past MAX_ORIGIN_RUNS runs (files whose frames
 * interleave one by one for millions of frames) later frames are not placed.
 */
export class FrameOrigins {
  private fileOf: number[] = [];
  private mergedStart: number[] = [];
  private fileStart: number[] = [];
  /** Frames after this one could not be placed (the run table was full). */
  limit = Infinity;

  constructor(readonly files: readonly string[]) {}

  /** Record that merged frame `merged` is frame `frame` of file `file`. */
  add(merged: number, file: number, frame: number): void {
    const n = this.fileOf.length;
    if (n > 0 && this.fileOf[n - 1] === file && frame - this.fileStart[n - 1]! === merged - this.mergedStart[n - 1]!) return;
    if (merged > this.limit) return;
    if (n >= MAX_ORIGIN_RUNS) {
      this.limit = merged - 1;
      return;
    }
    this.fileOf.push(file);
    this.mergedStart.push(merged);
    this.fileStart.push(frame);
  }

  /** Where merged frame `merged` came from, or null when it was not placed. */
  locate(merged: number): FrameOrigin | null {
    if (merged > this.limit) return null;
    let lo = 0;
    let hi = this.mergedStart.length - 1;
    if (hi < 0 || merged < this.mergedStart[0]!) return null;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.mergedStart[mid]! <= merged) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.files[this.fileOf[lo]!]!, frame: this.fileStart[lo]! + (merged - this.mergedStart[lo]!) };
  }

  /** The frames of `frames` (merged numbers) by file, in order of first appearance. */
  byFile(frames: readonly number[]): Array<{ file: string; frames: number[] }> {
    const out: Array<{ file: string; frames: number[] }> = [];
    for (const m of frames) {
      const o = this.locate(m);
      if (o === null) continue;
      let entry = out.find((e) => e.file === o.file);
      if (!entry) out.push((entry = { file: o.file, frames: [] }));
      entry.frames.push(o.frame);
    }
    return out;
  }
}

/** What reading a merged capture gives besides a single file's result. */
export interface MergedReadResult extends ReadResult {
  files: MergedFileSummary[];
}

/** A min-heap of cursors by next timestamp, then the file given last (mergecap's tie rule). */
class CursorHeap {
  private readonly items: FileCursor[] = [];

  get size(): number {
    return this.items.length;
  }

  private static before(a: FileCursor, b: FileCursor): boolean {
    return a.tsSec < b.tsSec || (a.tsSec === b.tsSec && (a.tsNsec < b.tsNsec || (a.tsNsec === b.tsNsec && a.index > b.index)));
  }

  push(c: FileCursor): void {
    const items = this.items;
    items.push(c);
    let i = items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!CursorHeap.before(items[i]!, items[p]!)) break;
      [items[i], items[p]] = [items[p]!, items[i]!];
      i = p;
    }
  }

  top(): FileCursor | undefined {
    return this.items[0];
  }

  pop(): FileCursor | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      this.down(0);
    }
    return top;
  }

  /** The top's key grew (it moved on to its next frame): restore the order. */
  fixTop(): void {
    this.down(0);
  }

  private down(i: number): void {
    const items = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < items.length && CursorHeap.before(items[l]!, items[m]!)) m = l;
      if (r < items.length && CursorHeap.before(items[r]!, items[m]!)) m = r;
      if (m === i) return;
      [items[i], items[m]] = [items[m]!, items[i]!];
      i = m;
    }
  }
}

/**
 * Several capture files to be analysed as one (pass it to analyzeCapture as the source).
 * `files` are paths, in the order ties are broken (see above).
 */
export class MergedCapture {
  /** Where each frame came from, filled while reading. */
  readonly origins: FrameOrigins;

  constructor(
    readonly files: readonly string[],
    /** Name of the whole for the report (default: the files joined with " + ", or the first and last). */
    readonly name: string = files.length <= 3 ? files.join(' + ') : `${files[0]} … ${files[files.length - 1]} (${files.length} files)`,
  ) {
    if (files.length === 0) throw new CaptureError('no capture files to merge', 0, 'cannot_open');
    this.origins = new FrameOrigins(files.map((f) => basename(f)));
  }

  /** Read every file, delivering frames in merged order numbered 1, 2, … (the frame object is reused). */
  async read(onFrame: (frame: Frame) => void, opts: ReadOptions = {}): Promise<MergedReadResult> {
    const cursors = this.files.map((p, i) => new FileCursor(p, i));
    const chunkBytes = Math.max(MIN_MERGE_CHUNK_BYTES, Math.min(READ_CHUNK_BYTES, Math.floor(MERGE_READ_BUDGET_BYTES / cursors.length)));
    const merged: CaptureInfo = { format: 'pcapng', precision: 6, linkTypes: [] };
    const absorb = (info: CaptureInfo | null): void => {
      if (!info) return;
      if (info.precision > merged.precision) merged.precision = info.precision;
      for (const lt of info.linkTypes) if (!merged.linkTypes.includes(lt)) merged.linkTypes.push(lt);
    };
    const heap = new CursorHeap();
    const sourceBytes = (): number => cursors.reduce((n, c) => n + c.sourceBytes, 0);
    try {
      // Each file's first timestamp, then closed: a file is opened for good when its turn comes.
      for (const c of cursors) {
        c.open(MIN_MERGE_CHUNK_BYTES);
        await c.fill();
        absorb(c.info);
        if (c.peek() === null) continue;
        c.park();
        heap.push(c);
      }
      const formats = new Set(cursors.map((c) => c.info?.format));
      // mergecap writes pcapng unless every input is classic pcap.
      merged.format = formats.size === 1 && formats.has('pcap') ? 'pcap' : 'pcapng';
      opts.onInfo?.(merged);

      let number = 0;
      let fills = 0;
      let stopped = false;
      /** Read the cursor's next chunk (opening the file on its first turn). */
      const advance = async (c: FileCursor): Promise<void> => {
        // The consumer copies what it kept of earlier frames before their buffers are reused.
        opts.afterFrames?.();
        if (!c.opened) c.open(chunkBytes);
        await c.fill();
        absorb(c.info);
        opts.onProgress?.(sourceBytes());
        if (++fills % 16 === 0) {
          await new Promise((resolve) => setImmediate(resolve));
          if (opts.shouldStop?.()) stopped = true;
        }
      };
      while (heap.size > 0 && !stopped) {
        const c = heap.top()!;
        if (!c.opened) {
          await advance(c);
          if (c.peek() === null) heap.pop();
          else heap.fixTop();
          continue;
        }
        // An open cursor in the heap always has its next frame queued.
        const q = c.peek()!;
        c.head++;
        number++;
        this.origins.add(number, c.index, q.number);
        // Handed on numbered in the merged order, as in the file mergecap writes.
        q.number = number;
        onFrame(q);
        // Like mergecap, read the file's next frame at once: its timestamp, not the last one's,
        // decides its place (a file's own timestamps may go back).
        if (c.peek() === null && !c.done) await advance(c);
        if (c.peek() === null) heap.pop();
        else heap.fixTop();
      }
      opts.afterFrames?.();
    } finally {
      for (const c of cursors) c.close();
    }
    const warnings: CaptureWarning[] = [];
    for (const c of cursors) {
      for (const w of c.warnings) {
        const { frame: _frame, ...rest } = w;
        warnings.push({ ...rest, message: `${basename(c.path)}: ${w.message}${w.frame !== undefined ? ` (its frame ${w.frame})` : ''}` });
      }
    }
    if (this.origins.limit !== Infinity) {
      warnings.push({ code: 'merge_origins_limit', message: `the files' frames interleave in more than ${MAX_ORIGIN_RUNS} runs: evidence after frame ${this.origins.limit} is named by its number in the merged order only` });
    }
    const files: MergedFileSummary[] = cursors.map((c) => ({ file: c.path, format: c.info?.format ?? 'pcap', compression: c.gzip ? 'gzip' : null, packets: c.packets, bytes: c.bytes }));
    return {
      info: merged,
      compression: cursors.some((c) => c.gzip) ? 'gzip' : null,
      packets: cursors.reduce((n, c) => n + c.packets, 0),
      bytes: cursors.reduce((n, c) => n + c.bytes, 0),
      warnings,
      files,
    };
  }
}
