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
  errored?: Error | null;
  writableLength?: number;
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

  /** `onFailure` is told once, at the first error (the command stops producing output). */
  constructor(
    private readonly target: CliIo['stdout'],
    private readonly onFailure: () => void = () => {},
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
    return `wirewhy: cannot write the report: ${describeSystemError(this.failure)}`;
  }

  private fail(e: unknown): void {
    if (this.failure) return;
    this.failure = (e instanceof Error ? e : new Error(String(e))) as NodeJS.ErrnoException;
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
