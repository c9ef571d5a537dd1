/**
 * Live and piped input for `analyze` (`tcpdump -U -w - | wirewhy analyze -`, or a FIFO path).
 *
 * Flows are decided by timeouts in capture time, and capture time only moves when a packet
 * arrives, so on a quiet live link nothing would ever be decided. For live input, capture time
 * advances with the wall clock when no packet arrives: every LIVE_CLOCK_TICK_MS the flow table
 * is told that the time is the wall clock's less the largest lag seen between a packet's
 * timestamp and its reading (clock skew and the capture tool's buffering): every packet stamped
 * before then has been read. That is done only while the packets' timestamps are close to the
 * wall clock (within LIVE_MAX_CLOCK_SKEW), so replaying an old capture through a pipe is not
 * affected by pauses.
 *
 * The input is read through a stream this module controls, so Ctrl-C ends the analysis at
 * once even when no data arrives (the reader would otherwise wait for the next chunk).
 */
import { constants as fsConstants, fstatSync, openSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';

/** How often capture time is advanced (and Ctrl-C looked at) while live input is quiet. */
export const LIVE_CLOCK_TICK_MS = 100;

/** Buffering of the capture tool beyond which a packet's lag is taken for a stall, not buffering (seconds). */
export const LIVE_MAX_BUFFERING = 2;

/** Added to the largest lag seen: the time between the tool writing a packet and our reading it (seconds). */
export const LIVE_READ_ALLOWANCE = 0.1;

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
  /** Whether capture time `t` (seconds since the epoch) is "now": the input is a live capture, not a replayed file. */
  isLive(t: number): boolean;
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
  // How far behind the wall clock packets are when they are read: the capture host's clock skew
  // plus the capture tool's buffering (libpcap hands packets over up to its 1 s buffer timeout
  // late without --immediate-mode). The smallest lag seen is the skew; the largest, the skew plus
  // the worst buffering. Capture time is advanced only to where every packet stamped before it
  // has surely been read, so a deadline is never met by a packet still in a buffer.
  let minLag = Infinity;
  let maxLag = -Infinity;
  let lastSeen = -Infinity;
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
    if (!advance || !Number.isFinite(minLag)) return;
    if (Math.abs(minLag) > LIVE_MAX_CLOCK_SKEW) return;
    advance(now() / 1000 - Math.min(maxLag, minLag + LIVE_MAX_BUFFERING) - LIVE_READ_ALLOWANCE);
  }, LIVE_CLOCK_TICK_MS);
  // The timer alone must not keep the process alive.
  timer.unref();

  return {
    stream,
    onClock(adv, lastPacketTime) {
      advance = adv;
      const t = lastPacketTime();
      if (!Number.isFinite(t) || t === lastSeen) return;
      lastSeen = t;
      const lag = now() / 1000 - t;
      if (lag < minLag) minLag = lag;
      if (lag > maxLag) maxLag = lag;
    },
    isLive(t) {
      return Math.abs(t - now() / 1000) <= LIVE_MAX_CLOCK_SKEW;
    },
    close() {
      clearInterval(timer);
      end();
    },
  };
}
