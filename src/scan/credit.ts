/**
 * Backpressure from the scan's output to its workers: each worker may have only a few batches of
 * streamed findings posted that the main thread has not yet written out.
 *
 * A worker decides findings inside a synchronous read loop (it yields to its event loop only
 * every 16 MiB of capture, see capture/reader.ts), so it cannot await an acknowledgement
 * message: it would not see one before the file ends. The count of batches in flight lives in
 * shared memory instead; the worker blocks on it with Atomics.wait when the limit is reached, and
 * the main thread gives a credit back (Atomics.notify) once it has written a batch and the output
 * has taken it (after 'drain' when the output said it was full). Without this, a reader slower
 * than the workers, or a main thread slower than two workers, left every line queued in memory:
 * 500 MB for 110 MB of JSONL.
 */

/** Slot of the batches posted and not yet given back. */
const IN_FLIGHT = 0;
/** Slot counting the times the worker had to wait (for tests and measurements). */
const WAITS = 1;
const SLOTS = 2;

/** Batches a worker may have in flight; with STREAM_BATCH_CHARS this bounds what is queued per worker. */
export const BATCHES_IN_FLIGHT = 4;

/**
 * Characters of finding lines a worker gathers before it posts them as one batch: large enough
 * that the main thread handles a few messages per capture chunk instead of one per finding,
 * small enough that the batches in flight stay a fraction of a megabyte.
 */
export const STREAM_BATCH_CHARS = 64 * 1024;

/** Findings (as objects) a worker gathers before it posts them as one batch. */
export const STREAM_BATCH_FINDINGS = 64;

/** The credit of one worker, seen from either thread over the same shared memory. */
export class OutputCredit {
  private readonly slots: Int32Array;

  /** A credit of `limit` batches in flight; `shared` comes from another thread's {@link OutputCredit.shared}. */
  constructor(
    readonly limit: number = BATCHES_IN_FLIGHT,
    readonly shared: SharedArrayBuffer = new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT),
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a credit needs a limit of at least one batch, not ${limit}`);
    this.slots = new Int32Array(shared);
  }

  /** Worker: take one credit if there is one, without waiting. */
  tryTake(): boolean {
    for (;;) {
      const n = Atomics.load(this.slots, IN_FLIGHT);
      if (n >= this.limit) return false;
      if (Atomics.compareExchange(this.slots, IN_FLIGHT, n, n + 1) === n) return true;
    }
  }

  /** Worker: take one credit, blocking this thread until the main thread gives one back. */
  take(): void {
    while (!this.tryTake()) {
      const n = Atomics.load(this.slots, IN_FLIGHT);
      if (n < this.limit) continue;
      Atomics.add(this.slots, WAITS, 1);
      // Woken by give(); the value check makes a give() just before the wait harmless.
      Atomics.wait(this.slots, IN_FLIGHT, n);
    }
  }

  /** Main thread: a batch was written and taken by the output; the worker may post another. */
  give(): void {
    if (Atomics.sub(this.slots, IN_FLIGHT, 1) <= 0) Atomics.add(this.slots, IN_FLIGHT, 1);
    Atomics.notify(this.slots, IN_FLIGHT);
  }

  /** Batches posted and not yet given back. */
  get inFlight(): number {
    return Atomics.load(this.slots, IN_FLIGHT);
  }

  /** Times the worker had to wait for a credit. */
  get waits(): number {
    return Atomics.load(this.slots, WAITS);
  }
}
