/**
 * Live and piped input for `analyze` (`tcpdump -U -w - | wirewhy analyze -`, or a FIFO path).
 *
 * Flows are decided by timeouts in capture time, and capture time only moves when a packet
 * arrives, so on a quiet live link nothing would ever be decided. For live input, capture time
 * advances with the wall clock when no packet arrives: every LIVE_CLOCK_TICK_MS the flow table
 * is told that the time is the last packet's time plus the wall-clock time since it was read.
 * That is done only while the packets' timestamps are close to the wall clock (within
 * LIVE_MAX_CLOCK_SKEW), so replaying an old capture through a pipe is not affected by pauses.
 *
 * The input is read through a stream this module controls, so Ctrl-C ends the analysis at
 * once even when no data arrives (the reader would otherwise wait for the next chunk).
 */
import { constants as fsConstants, fstatSync, openSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';

/** How often capture time is advanced (and Ctrl-C looked at) while live input is quiet. */
export const LIVE_CLOCK_TICK_MS = 100;

/** Live-clock advance applies only when the last packet's timestamp is within this many seconds
 * of the wall clock: a live capture's timestamps are "now"; a replayed file's are not. */
export const LIVE_MAX_CLOCK_SKEW = 300;

/** True for input that may stay open and quiet: standard input that is not a regular file, or a FIFO. */
export function isLiveSource(file: string): boolean {
  try {
    if (file === '-') return !fstatSync(0).isFile();
    return statSync(file).isFIFO();
  } catch {
    return false;
  }
}

/** A live input: the stream to analyse, the clock hook for analyzeCapture, and cleanup. */
export interface LiveInput {
  stream: Readable;
  onClock: (advance: (captureTime: number) => void, lastPacketTime: () => number) => void;
  close(): void;
}

/**
 * Open a FIFO for reading without ever blocking a thread.
 *
 * fs.createReadStream would open it in libuv's thread pool, where open() waits for a writer
 * and read() for data, possibly forever; nothing can cancel either, and process.exit() itself
 * waits for those threads at exit, so Ctrl-C could not end the process. Opened O_NONBLOCK,
 * open() returns at once; the descriptor is then read as a pipe by the event loop (epoll), which
 * waits for a writer without a thread, and destroy() closes it at any moment. Linux reports no
 * end of input on such a FIFO until a writer has come and gone.
 */
function openFifo(path: string): Readable {
  const fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  return new Socket({ fd, readable: true, writable: false });
}

/** Open `file` ("-" or a FIFO) as live input; `stopped` ends it (Ctrl-C). */
export function openLiveInput(file: string, signal?: { stopped: boolean }, now: () => number = Date.now): LiveInput {
  const source: Readable = file === '-' ? process.stdin : openFifo(file);
  const stream = new PassThrough({ highWaterMark: 1024 * 1024 });
  source.pipe(stream);
  source.on('error', (e) => stream.destroy(e));

  let advance: ((t: number) => void) | null = null;
  let lastPacketTime: () => number = () => -Infinity;
  let captureAtChunk = -Infinity;
  let wallAtChunk = 0;
  let ended = false;

  const end = (): void => {
    if (ended) return;
    ended = true;
    source.unpipe(stream);
    stream.end();
    // Let the process exit even though the writer (tcpdump) may still hold the pipe open.
    source.destroy();
  };

  const timer = setInterval(() => {
    if (signal?.stopped) {
      end();
      return;
    }
    if (!advance || !Number.isFinite(captureAtChunk)) return;
    const wall = now();
    if (Math.abs(captureAtChunk - wallAtChunk / 1000) > LIVE_MAX_CLOCK_SKEW) return;
    advance(captureAtChunk + (wall - wallAtChunk) / 1000);
  }, LIVE_CLOCK_TICK_MS);
  // The timer alone must not keep the process alive.
  timer.unref();

  return {
    stream,
    onClock(adv, last) {
      advance = adv;
      lastPacketTime = last;
      captureAtChunk = lastPacketTime();
      wallAtChunk = now();
    },
    close() {
      clearInterval(timer);
      end();
    },
  };
}
