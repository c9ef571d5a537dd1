import { randomBytes } from 'node:crypto';
import { closeSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describeSystemError } from '../report/errors.js';

/** Where a command writes, so tests can run the program in-process. */
export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** The real process streams. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/**
 * Exit statuses: 0 analysed, 1 findings reached --fail-on (or expectations differ), 2 bad usage,
 * unreadable input, or a report that could not be written, 130 a scan or check interrupted
 * (Ctrl-C) before every capture was analysed.
 */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_UNREADABLE = 2;
/** 128 + SIGINT, as a shell reports a command that Ctrl-C ended: the verdict covers part of the input. */
export const EXIT_INTERRUPTED = 130;

/** What a Node stream may offer besides write(); a test's collector offers none of it. */
interface StreamLike {
  write(s: string, callback?: (error?: Error | null) => void): unknown;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  once?(event: 'drain' | 'close', listener: () => void): unknown;
  off?(event: 'drain' | 'close', listener: () => void): unknown;
  errored?: Error | null;
  writableLength?: number;
  writableNeedDrain?: boolean;
  destroyed?: boolean;
}

/**
 * Standard output as the commands write to it: the first write error is kept instead of lost,
 * and every write after it is dropped.
 *
 * Node reports a failed write to stdout in three ways, depending on what stdout is: a file
 * (SyncWriteStream) fails inside write() and emits 'error' on the next tick (its `errored` is set
 * at once); a pipe or socket queues what the reader has not taken and emits 'error' (EPIPE) later;
 * an object given by a caller may throw. Without this, a report written to a full disk was
 * silently lost and the run exited 0.
 */
export class ReportOutput {
  /** The first write error, if any. */
  failure: NodeJS.ErrnoException | undefined;
  readonly isTTY: boolean | undefined;
  /** The wait for the target's 'drain', shared by everyone waiting (one listener, not one each). */
  private drain: { promise: Promise<void>; settle: () => void } | null = null;

  /**
   * `onFailure` is told once, at the first error (the command stops producing output); `where`
   * names the file written to, for the error line (none: standard output).
   */
  constructor(
    private readonly target: CliIo['stdout'],
    private readonly onFailure: () => void = () => {},
    private readonly where?: string,
  ) {
    this.isTTY = target.isTTY;
    const stream = target as StreamLike;
    // A listener is needed in any case: an 'error' event nobody listens to kills the process
    // with a stack trace.
    if (typeof stream.on === 'function') stream.on('error', (e) => this.fail(e));
  }

  /** The terminal's width when the target is one (read each time: a terminal can be resized). */
  get columns(): number | undefined {
    return this.target.columns;
  }

  /** Write `s`, unless an earlier write failed. Never throws. */
  write(s: string): boolean {
    if (this.failure) return false;
    try {
      const accepted = this.target.write(s);
      const errored = (this.target as StreamLike).errored;
      if (errored) this.fail(errored);
      return accepted !== false && !this.failure;
    } catch (e) {
      this.fail(e);
      return false;
    }
  }

  /**
   * Resolves once the target can take more without queueing in memory: at once unless its last
   * write() said it is full (a pipe whose reader is behind), else at its 'drain', or when it
   * closes or writing fails (nothing more will be queued then).
   */
  whenWritable(): Promise<void> {
    const stream = this.target as StreamLike;
    if (this.failure || stream.destroyed || stream.writableNeedDrain !== true || typeof stream.once !== 'function') return Promise.resolve();
    if (this.drain) return this.drain.promise;
    let settle!: () => void;
    const promise = new Promise<void>((resolve) => {
      settle = () => {
        stream.off?.('drain', settle);
        stream.off?.('close', settle);
        this.drain = null;
        resolve();
      };
    });
    this.drain = { promise, settle };
    stream.once('drain', settle);
    stream.once('close', settle);
    return promise;
  }

  /**
   * Resolves once everything written has left the process (a pipe to a slow reader may hold
   * megabytes), or writing failed: only then is the outcome of the writes known.
   */
  async flush(): Promise<void> {
    const stream = this.target as StreamLike;
    if (this.failure || typeof stream.writableLength !== 'number' || stream.destroyed) return;
    // Writes complete in order, so the callback of an empty write runs after all earlier ones.
    await new Promise<void>((resolve) => {
      try {
        stream.write('', () => resolve());
      } catch (e) {
        this.fail(e);
        resolve();
      }
    });
    if (stream.errored) this.fail(stream.errored);
  }

  /** True when the reader went away (`wirewhy … | head`): not an error, as for other Unix tools. */
  readerClosed(): boolean {
    return this.failure?.code === 'EPIPE';
  }

  /** The one line saying why the report could not be written. */
  failureLine(): string {
    const to = this.where === undefined ? '' : ` to ${this.where}`;
    return `wirewhy: cannot write the report${to}: ${describeSystemError(this.failure)}`;
  }

  private fail(e: unknown): void {
    if (this.failure) return;
    this.failure = (e instanceof Error ? e : new Error(String(e))) as NodeJS.ErrnoException;
    this.drain?.settle();
    this.onFailure();
  }
}

/** Should output be coloured? Only on a TTY, never with NO_COLOR (https://no-color.org). */
export function useColor(io: CliIo, stream: 'stdout' | 'stderr' = 'stdout'): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return !!io[stream].isTTY;
}

/** Can the terminal show Unicode? Not when NO_COLOR asks for plain output or the locale is not UTF-8. */
export function useUnicode(io: CliIo): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  const locale = io.env.LC_ALL || io.env.LC_CTYPE || io.env.LANG || '';
  if (locale === '') return true;
  return /utf-?8/i.test(locale);
}

/**
 * Columns the human-readable output fits: the terminal's width, else COLUMNS, else 80 (a pipe
 * into less or a CI log is read at about that width).
 */
export function terminalWidth(io: CliIo): number {
  const tty = io.stdout.isTTY ? io.stdout.columns : undefined;
  if (tty !== undefined && tty > 0) return tty;
  const env = Number.parseInt(io.env.COLUMNS ?? '', 10);
  return Number.isFinite(env) && env > 0 ? env : 80;
}

/**
 * The environment with `--color` (true) or `--no-color` (false) applied, as FORCE_COLOR and
 * NO_COLOR say it: the option given on the command line wins over the variables inherited.
 */
export function colorChoice(env: NodeJS.ProcessEnv, color: boolean | undefined): NodeJS.ProcessEnv {
  if (color === undefined) return env;
  const { NO_COLOR: _no, FORCE_COLOR: _force, ...rest } = env;
  return color ? { ...rest, FORCE_COLOR: '1' } : { ...rest, NO_COLOR: '1' };
}

/**
 * A report file (`-o FILE`) written under a temporary name beside it and renamed over it once
 * complete, so a run that fails half-way (disk full, an internal error, a kill) leaves FILE as it
 * was, never a truncated report that reads like a whole one. The rename is atomic on the same
 * file system, which "beside it" guarantees. A FILE that is not a regular file (a FIFO, a
 * terminal, /dev/stdout) is written in place: it cannot be replaced, and a reader is waiting.
 *
 * Writes are synchronous, like Node's own writes to a file on stdout, so a write error is known
 * at the write (ReportOutput then stops the command).
 */
export class ReportFile {
  private fd: number;
  private readonly temp: string | null;
  private readonly target: string;

  /** Open FILE for a report; throws the system error when its folder cannot take it. */
  constructor(readonly path: string) {
    let existing: ReturnType<typeof statSync> | undefined;
    try {
      existing = statSync(path);
    } catch {
      existing = undefined;
    }
    if (existing?.isDirectory()) throw Object.assign(new Error(`${path} is a folder`), { code: 'EISDIR' });
    if (existing && !existing.isFile()) {
      this.target = path;
      this.temp = null;
      this.fd = openSync(path, 'w');
      return;
    }
    // Through a symbolic link, the file it points to is replaced, not the link.
    this.target = existing ? realpathSync(path) : path;
    this.temp = join(dirname(this.target), `.${basename(this.target)}.${randomBytes(6).toString('hex')}.tmp`);
    this.fd = openSync(this.temp, 'wx', 0o666);
  }

  /** Write all of `s` (throws the system error). */
  write(s: string): boolean {
    const bytes = Buffer.from(s, 'utf8');
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    return true;
  }

  /** Close and put the report in place of FILE (throws the system error). */
  commit(): void {
    this.close();
    if (this.temp !== null) renameSync(this.temp, this.target);
  }

  /** Close and remove what was written; FILE is left as it was. */
  abandon(): void {
    this.close();
    if (this.temp === null) return;
    try {
      unlinkSync(this.temp);
    } catch {
      // Already gone: nothing to clean.
    }
  }

  private close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    closeSync(fd);
  }
}

/**
 * Run a command that writes a report, to `file` when `-o FILE` was given (else to standard
 * output, unchanged). The file is replaced only when the command finished and every write
 * succeeded; a write error is reported as on standard output (one line, status 2, the command
 * stopped) and FILE is left untouched.
 */
export async function withReportFile(
  file: string | undefined,
  io: CliIo,
  signal: { stopped: boolean } | undefined,
  run: (io: CliIo) => Promise<number>,
): Promise<number> {
  if (file === undefined) return run(io);
  let target: ReportFile;
  try {
    target = new ReportFile(file);
  } catch (e) {
    io.stderr.write(`wirewhy: cannot write the report to ${file}: ${describeSystemError(e)}\n`);
    return EXIT_UNREADABLE;
  }
  const stop = signal ?? { stopped: false };
  const out = new ReportOutput(target, () => (stop.stopped = true), file);
  let code: number;
  try {
    code = await run({ ...io, stdout: out });
  } catch (e) {
    target.abandon();
    throw e;
  }
  if (out.failure) {
    target.abandon();
    io.stderr.write(`${out.failureLine()}\n`);
    if (io.env.WIREWHY_DEBUG) io.stderr.write(`${out.failure.stack ?? ''}\n`);
    return EXIT_UNREADABLE;
  }
  try {
    target.commit();
  } catch (e) {
    target.abandon();
    io.stderr.write(`wirewhy: cannot write the report to ${file}: ${describeSystemError(e)}\n`);
    return EXIT_UNREADABLE;
  }
  return code;
}
