/**
 * Each capture's part of a scan's output (its report in the JSON document, its test case in
 * JUnit, its section of the HTML page, its expectation for `check`), rendered by the worker that
 * analysed it and written by that worker to a temporary file. The main thread gets back where
 * the part is and a few counts, never the findings, and copies the parts to the output in walk
 * order, a piece at a time. So the output of a folder of any number of captures never has to be
 * in memory, and neither does any report once its worker is done with it.
 *
 * Where no temporary folder can be made, the parts travel back as text and wait in memory.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { threadId } from 'node:worker_threads';
import type { AnalysisReport } from '../model/report.js';
import { ScanOutput, type ScanOutputOptions } from '../report/scan-output.js';
import {
  EXPECTATION_PART,
  type CapturePartCounts,
  type CapturePartLocation,
  type CapturePartRequest,
  type CapturePartSource,
} from '../model/parts.js';

// The part types are plain data in model/parts.ts (the report writers read them without
// importing scan/); re-exported here for the pool, the workers and code written against them.
export {
  EXPECTATION_PART,
  HTML_PREFIX_MARK,
  type CapturePart,
  type CapturePartCounts,
  type CapturePartKind,
  type CapturePartLocation,
  type CapturePartRequest,
  type CapturePartSource,
} from '../model/parts.js';

/**
 * Render the part of `report`, written in pieces to `write` (a section of a thousand finding
 * cards is megabytes: it is never one string). Loads only the reporter the kind needs: the scan
 * output of the format of that name, or `check`'s expectation.
 */
export async function renderCapturePart(report: AnalysisReport, request: CapturePartRequest, write: (chunk: string) => void): Promise<CapturePartCounts> {
  if (request.kind === EXPECTATION_PART) {
    const { expectationOf, serializeExpectation } = await import('./expect.js');
    const e = expectationOf(report.findings);
    write(serializeExpectation(e));
    return { findings: e.findings.length };
  }
  const { loadScanOutput } = await import('../report/index.js');
  const output = await loadScanOutput(request.kind);
  if (!output.part) throw new Error(`scan --format ${request.kind} renders no capture parts`);
  return output.part(report, request, write);
}

/** Bytes gathered before a write to the part file. */
const WRITE_BUFFER_BYTES = 256 * 1024;

/**
 * Writes a worker's parts one after another into its own file in the scan's temporary folder
 * (opened for each part, so a worker that is ended holds no file open).
 */
export class CapturePartWriter {
  private size = 0;
  private readonly path: string | null;

  /** `dir`: the scan's temporary folder, or null to keep parts as text. */
  constructor(dir: string | null) {
    this.path = dir === null ? null : join(dir, `parts-${threadId}`);
  }

  /**
   * Store what `render` writes. Where the file cannot be written (disk full, the folder gone),
   * the part is rendered again into memory and its text goes back instead.
   */
  async put<T>(render: (write: (chunk: string) => void) => Promise<T>): Promise<{ at: CapturePartLocation; rendered: T }> {
    if (this.path !== null) {
      const file = new PartFile(this.path, this.size);
      const rendered = await render((chunk) => file.write(chunk));
      const length = file.end();
      if (length !== null) {
        const at = { path: this.path, offset: this.size, length };
        this.size += length;
        return { at, rendered };
      }
    }
    const pieces: string[] = [];
    const rendered = await render((chunk) => void pieces.push(chunk));
    return { at: { text: pieces.join('') }, rendered };
  }
}

/** One part being appended to a part file; a failed write makes it give up quietly. */
class PartFile {
  private fd = -1;
  private failed = false;
  private pending: string[] = [];
  private pendingLength = 0;
  private written = 0;

  constructor(
    private readonly path: string,
    private readonly offset: number,
  ) {}

  write(chunk: string): void {
    if (this.failed) return;
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    if (this.pendingLength >= WRITE_BUFFER_BYTES) this.flush();
  }

  /** The part's length in bytes, or null when it could not be written. */
  end(): number | null {
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    return this.failed ? null : this.written;
  }

  private flush(): void {
    if (this.failed || this.pending.length === 0) return;
    const bytes = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingLength = 0;
    try {
      if (this.fd < 0) this.fd = openSync(this.path, this.offset === 0 ? 'w' : 'r+');
      let done = 0;
      while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.offset + this.written + done);
      this.written += bytes.length;
    } catch {
      this.failed = true;
    }
  }
}

/** Bytes read from a part file at a time. */
const COPY_CHUNK_BYTES = 1024 * 1024;

/**
 * The scan's temporary folder for parts (main thread): made when the scan starts, removed by
 * {@link close}. Reads parts back piece by piece.
 */
export class CapturePartStore implements CapturePartSource {
  /** The folder the workers write to, or null when none could be made. */
  readonly dir: string | null;
  private readonly fds = new Map<string, number>();

  constructor(readonly request: CapturePartRequest) {
    let dir: string | null = null;
    try {
      dir = mkdtempSync(join(tmpdir(), 'wirewhy-scan-'));
    } catch {
      dir = null;
    }
    this.dir = dir;
  }

  /** Pass the part's text to `write` in pieces of about a megabyte (never splitting a character). */
  copy(at: CapturePartLocation, write: (chunk: string) => unknown): void {
    if ('text' in at) {
      if (at.text !== '') write(at.text);
      return;
    }
    const fd = this.open(at.path);
    const decoder = new StringDecoder('utf8');
    const buffer = Buffer.allocUnsafe(Math.min(COPY_CHUNK_BYTES, at.length));
    let done = 0;
    while (done < at.length) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, at.length - done), at.offset + done);
      if (n === 0) throw new Error(`scan part file ${at.path} ends before byte ${at.offset + at.length}`);
      done += n;
      const text = decoder.write(buffer.subarray(0, n));
      if (text !== '') write(text);
    }
    const rest = decoder.end();
    if (rest !== '') write(rest);
  }

  /** The part's whole text (for parts that are read, not copied: expectations). */
  text(at: CapturePartLocation): string {
    const pieces: string[] = [];
    this.copy(at, (s) => pieces.push(s));
    return pieces.join('');
  }

  /** Close the part files and remove the folder. */
  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
  }

  private open(path: string): number {
    let fd = this.fds.get(path);
    if (fd === undefined) {
      fd = openSync(path, 'r');
      this.fds.set(path, fd);
    }
    return fd;
  }
}

/**
 * The output of one scan in `format` (a name `scan --format` takes), the parts of kept formats
 * rendered by the workers into a temporary folder: give its `poolOptions` to the scan, `finish`
 * it with the result, then `close` it.
 */
export function openScanOutput(format: string, options: ScanOutputOptions): Promise<ScanOutput> {
  return ScanOutput.open(format, options, (request) => new CapturePartStore(request));
}
