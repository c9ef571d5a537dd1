/**
 * Backpressure from a scan's output to its workers (scan/credit.ts): a worker may have only a few
 * batches of streamed findings that the output has not taken; past that it waits. Measured in
 * batches and characters held, never in time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { BATCHES_IN_FLIGHT, OutputCredit, STREAM_BATCH_CHARS } from '../../src/scan/credit.js';
import { runPool, type ScanJob } from '../../src/scan/pool.js';
import { manyRefusalsPcap } from './corpus.js';

/** Refusals per capture: about 1.4 kB of JSONL each, so megabytes per capture. */
const REFUSALS = 4000;
/** The longest JSONL line of a refusal, with room to spare (a batch ends after the line that fills it). */
const LONGEST_LINE = 4096;

let dir: string;
let files: ScanJob[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wirewhy-credit-'));
  const capture = manyRefusalsPcap(REFUSALS);
  files = [1, 2].map((i) => {
    const path = join(dir, `refused-${i}.pcap`);
    writeFileSync(path, capture);
    return { path, size: capture.length };
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A worker that takes `batches` credits of `credit`, from the TypeScript sources through tsx. */
function taker(credit: OutputCredit, batches: number): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./credit-taker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: { shared: credit.shared, limit: credit.limit, batches } });
}

describe('a worker\'s output credit', () => {
  it('gives up to its limit, then nothing until one is given back', () => {
    const credit = new OutputCredit(3);
    expect([credit.tryTake(), credit.tryTake(), credit.tryTake(), credit.tryTake()]).toEqual([true, true, true, false]);
    expect(credit.inFlight).toBe(3);
    credit.give();
    expect([credit.tryTake(), credit.tryTake()]).toEqual([true, false]);
    expect(() => new OutputCredit(0)).toThrow(RangeError);
  });

  it('a worker thread waits at the limit and goes on one batch per credit given back', async () => {
    const credit = new OutputCredit(3);
    const worker = taker(credit, 10);
    const posted: number[] = [];
    worker.on('message', (i: number) => posted.push(i));
    const exited = new Promise((resolve) => worker.on('exit', resolve));
    try {
      // The worker blocks after its third batch: no fourth until a credit comes back.
      await vi.waitFor(() => expect(posted.length === 3 && credit.waits >= 1).toBe(true), { timeout: 30_000 });
      expect(credit.inFlight).toBe(3);
      for (let given = 1; given <= 7; given++) {
        const waitsBefore = credit.waits;
        credit.give();
        await vi.waitFor(() => expect(posted.length).toBe(3 + given), { timeout: 30_000 });
        // Still at the limit: the worker is waiting again (except after its last batch).
        if (given < 7) await vi.waitFor(() => expect(credit.waits).toBeGreaterThan(waitsBefore), { timeout: 30_000 });
        expect(posted.length - given).toBeLessThanOrEqual(3);
      }
      await exited;
      expect(posted).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    } finally {
      await worker.terminate();
    }
  });
});

/** A reader that reads `bytes` per turn of the event loop, releasing what it has read all of. */
class SlowReader {
  private readonly held: Array<{ size: number; done: () => void }> = [];
  private budget = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(bytes: number) {
    this.timer = setInterval(() => {
      this.budget += bytes;
      while (this.held.length > 0 && this.held[0]!.size <= this.budget) {
        const h = this.held.shift()!;
        this.budget -= h.size;
        h.done();
      }
      if (this.held.length === 0) this.budget = 0;
    }, 1);
  }

  /** Resolves once the reader has read all of `chunk`. */
  take(chunk: string): Promise<void> {
    return new Promise((done) => this.held.push({ size: chunk.length, done }));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Standard output as a pipe to `reader`: each chunk written is held until the reader has read it. */
class PipeTo extends Writable {
  readonly chunks: string[] = [];
  /** The most bytes ever queued in this stream (what the writer holds in memory for the reader). */
  mostQueued = 0;

  constructor(private readonly reader: SlowReader) {
    super({ decodeStrings: false, highWaterMark: 16 * 1024 });
  }

  override _write(chunk: string, _encoding: string, done: () => void): void {
    this.chunks.push(chunk);
    void this.reader.take(chunk).then(() => done());
  }

  override write(chunk: string, ...rest: any[]): boolean {
    const accepted = super.write(chunk, ...rest);
    this.mostQueued = Math.max(this.mostQueued, this.writableLength);
    return accepted;
  }
}

describe('scan --format jsonl to a slow reader', () => {
  /** What may be queued: every worker's batches in flight, each a batch and one line past it, and the stream's own buffer. */
  const bound = (workers: number): number => workers * BATCHES_IN_FLIGHT * (STREAM_BATCH_CHARS + LONGEST_LINE) + 16 * 1024;

  it('the pool holds each worker to its batches in flight while the output is not taken', async () => {
    // The reader reads 4 kB per turn of the event loop: far slower than two workers make lines.
    const reader = new SlowReader(4096);
    let delivered = 0;
    let released = 0;
    let mostHeld = 0;
    const lines: string[] = [];
    try {
      await runPool(files, {
        jobs: 2,
        keepFindings: false,
        onFindingLines: (chunk) => {
          lines.push(chunk);
          delivered += chunk.length;
          mostHeld = Math.max(mostHeld, delivered - released);
          return reader.take(chunk).then(() => void (released += chunk.length));
        },
      });
    } finally {
      reader.stop();
    }
    const all = lines.join('').split('\n').filter((l) => l !== '');
    expect(all).toHaveLength(2 * REFUSALS);
    expect(all.every((l) => l.length < LONGEST_LINE)).toBe(true);
    // Megabytes of lines went through; never more than the workers' batches in flight at once.
    expect(delivered).toBeGreaterThan(8 * bound(2));
    expect(mostHeld).toBeLessThanOrEqual(bound(2));
  });

  it('the command queues no more than the workers\' batches in flight for a reader that is behind, and writes every line', async () => {
    // The reader reads 4 kB per turn of the event loop: far slower than two workers make lines.
    const reader = new SlowReader(4096);
    const out = new PipeTo(reader);
    let err = '';
    let code: number;
    try {
      code = await runCli(['node', 'wirewhy', 'scan', dir, '--format', 'jsonl', '--jobs', '2', '--quiet'], {
        stdout: out as unknown as { write(s: string): boolean },
        stderr: { write: (s: string) => (err += s) },
        env: { NO_COLOR: '1' },
      });
    } finally {
      reader.stop();
    }
    expect(code, err).toBe(0);
    const lines = out.chunks.join('').split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(2 * REFUSALS);
    expect(new Set(lines.map((l) => (JSON.parse(l) as { file: string }).file))).toEqual(new Set(files.map((f) => f.path)));
    expect(out.mostQueued).toBeLessThanOrEqual(bound(2));
  });
});
