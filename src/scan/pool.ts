/**
 * `resourceLimits.maxYoungGenerationSizeMb` for scan workers: the young generation cap of the
 * command's heap policy (src/cli/heap.ts; V8 counts three semi-spaces here, the third for large
 * young objects).
 */
export const WORKER_YOUNG_GENERATION_MB = 12;

/**
 * A pool of worker threads that analyses captures in parallel, one file per worker at a time.
 * Each worker streams its file, so memory is bounded by the number of workers, not the folder.
 */
import { availableParallelism } from 'node:os';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { Finding } from '../rules/types.js';
import type { FindingFilterSpec } from '../model/report.js';
import type { FromWorker, ToWorker, WorkerSetup } from './messages.js';
import { BATCHES_IN_FLIGHT, OutputCredit } from './credit.js';
import type { CapturePartSource } from '../model/parts.js';
import type { ScanFileResult } from './types.js';

/** One capture to analyse. */
export interface ScanJob {
  path: string;
  size: number;
}

/** Options for {@link runPool}. */
export interface PoolOptions {
  /** Worker threads (default: {@link defaultJobs} for the files' total size). */
  jobs?: number;
  maxFlows?: number;
  /**
   * Whether each result's report keeps its list of findings (default true). False leaves the
   * findings in the workers and sends only their tally, for callers that need no more.
   */
  keepFindings?: boolean;
  /**
   * Render each capture's part of the output in its worker and keep it in this store
   * (`result.part`); the report itself then comes without its findings.
   */
  parts?: CapturePartSource;
  /**
   * Called with each finding soon after a worker decides it (turns on streaming in workers). The
   * worker posts findings a batch at a time and waits while BATCHES_IN_FLIGHT of its batches
   * have not been handled here (credit.ts).
   */
  onFinding?: (file: string, finding: Finding) => void;
  /**
   * Called with the findings a worker decided, as the lines it made of them in `lineFormat`
   * (jsonl: `{"file": …, …finding}`, see formatJsonlFinding): whole lines, several at a time, in
   * the order each worker decided them; this thread then handles a string, not findings to
   * rebuild. Returning a promise (the output is full) holds the worker back until it settles:
   * each worker waits while BATCHES_IN_FLIGHT of its batches have not been taken (credit.ts).
   * Ignored when `onFinding` is given.
   */
  onFindingLines?: (lines: string) => void | Promise<void>;
  /** The format whose lines `onFindingLines` receives (a streamed `scan --format`; default jsonl). */
  lineFormat?: string;
  /** Batches of streamed findings each worker may have in flight (default BATCHES_IN_FLIGHT). */
  batchesInFlight?: number;
  /** Called with each worker's credit as it starts (to watch the backpressure). */
  onWorkerCredit?: (credit: OutputCredit) => void;
  /** Called when a file is finished, in completion order; `index` is its place in `files`. */
  onResult?: (result: ScanFileResult, index: number) => void;
  /** Bytes of source read so far over all files (for the progress bar). */
  onProgress?: (bytesDone: number, filesDone: number) => void;
  /** Polled while running; true stops the workers (files in flight report what they read). */
  shouldStop?: () => boolean;
  /**
   * Only findings these filters let through (`--code`, `--rule`, `--severity`): the workers drop
   * the others before anything is streamed, tallied or rendered, and set each report's `filtered`.
   */
  filter?: FindingFilterSpec;
}

/** How often the pool looks at `shouldStop`. */
const STOP_POLL_MS = 100;

/**
 * Capture bytes that justify one more worker. Each worker starts cold: it loads and compiles
 * the analysis on its own (about 0.2 s of CPU here, the time to analyse some 60 MB once warm),
 * so on a small folder a second worker costs more than it saves (measured on 2 cores: 8
 * captures of 10 MB took 0.68 s on one worker and 0.79 s on two).
 */
export const BYTES_PER_WORKER = 128 * 1024 * 1024;

/**
 * The default `--jobs`: every CPU this process may use, but no more than one worker per
 * BYTES_PER_WORKER of captures (`totalBytes`, when known).
 */
export function defaultJobs(totalBytes = Infinity): number {
  return Math.max(1, Math.min(availableParallelism(), Math.ceil(totalBytes / BYTES_PER_WORKER)));
}

/**
 * How to start a worker. Built, the entry is worker.js beside this module. Run from the
 * TypeScript sources (tests under vitest), it is worker.ts: a small bootstrap registers the tsx
 * loader (a devDependency) in the worker, then imports the entry.
 */
export function workerSpec(): { entry: URL | string; options: WorkerOptions } {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return { entry: new URL('./worker.js', self), options: {} };
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const worker = new URL('./worker.ts', self).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(worker)}); });`;
  return { entry: bootstrap, options: { eval: true } };
}

/** Analyse `files` on a pool of workers; resolves with one result per file, in input order. */
export async function runPool(files: readonly ScanJob[], options: PoolOptions = {}): Promise<ScanFileResult[]> {
  const results: ScanFileResult[] = files.map((f) => ({ file: f.path, size: f.size }));
  if (files.length === 0) return results;
  // Largest files first: the last file to finish is then a small one, so cores stay busy.
  const queue = files.map((_, i) => i).sort((a, b) => files[b]!.size - files[a]!.size || a - b);
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  const workerCount = Math.max(1, Math.min(options.jobs ?? defaultJobs(totalBytes), files.length));
  const inFlightBytes = new Map<number, number>();
  let doneBytes = 0;
  let filesDone = 0;
  let stopping = false;
  const spec = workerSpec();
  const streamFindings = options.onFinding ? 'finding' : options.onFindingLines ? { format: options.lineFormat ?? 'jsonl' } : false;
  const part = options.parts ? { ...options.parts.request, partsDir: options.parts.dir } : undefined;

  const reportProgress = (): void => {
    if (!options.onProgress) return;
    let bytes = doneBytes;
    for (const b of inFlightBytes.values()) bytes += b;
    options.onProgress(bytes, filesDone);
  };

  const finish = (id: number, r: Partial<ScanFileResult>): void => {
    Object.assign(results[id]!, r);
    inFlightBytes.delete(id);
    doneBytes += files[id]!.size;
    filesDone++;
    reportProgress();
    options.onResult?.(results[id]!, id);
  };

  await new Promise<void>((resolve) => {
    let live = 0;
    const workers = new Set<Worker>();
    const poll = setInterval(() => {
      if (!stopping && options.shouldStop?.()) {
        stopping = true;
        for (const w of workers) w.postMessage({ type: 'stop' } satisfies ToWorker);
      }
    }, STOP_POLL_MS);

    const start = (): void => {
      // Each worker's young generation is capped like the main thread's (see memory.ts).
      const credit = new OutputCredit(options.batchesInFlight ?? BATCHES_IN_FLIGHT);
      options.onWorkerCredit?.(credit);
      const workerData: WorkerSetup = { credit: credit.shared, creditLimit: credit.limit };
      const worker = new Worker(spec.entry, { ...spec.options, workerData, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
      const giveBack = (): void => credit.give();
      workers.add(worker);
      live++;
      let current = -1;
      const next = (): void => {
        const id = stopping ? undefined : queue.shift();
        if (id === undefined) {
          current = -1;
          void worker.terminate();
          return;
        }
        current = id;
        inFlightBytes.set(id, 0);
        worker.postMessage({ type: 'job', id, path: files[id]!.path, streamFindings, keepFindings: options.keepFindings ?? true, part, maxFlows: options.maxFlows, ...(options.filter ? { filter: options.filter } : {}) } satisfies ToWorker);
      };
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'progress':
            inFlightBytes.set(m.id, m.bytes);
            reportProgress();
            return;
          case 'findings':
            for (const finding of m.findings) options.onFinding?.(files[m.id]!.path, finding);
            giveBack();
            return;
          case 'findingLines': {
            const taken = options.onFindingLines?.(m.lines);
            // The output is full: the credit comes back when it drains, and the worker waits.
            if (taken instanceof Promise) void taken.then(giveBack, giveBack);
            else giveBack();
            return;
          }
          case 'done':
            finish(m.id, { report: m.report, tally: m.tally, ...(m.part ? { part: m.part } : {}) });
            next();
            return;
          case 'failed':
            finish(m.id, { error: m.error, report: m.report, tally: m.tally });
            next();
            return;
        }
      });
      worker.on('error', (e) => {
        // The worker died (out of memory, a bug): its file gets the error, a new worker goes on.
        if (current >= 0) {
          const line = `wirewhy: ${files[current]!.path}: analysis failed (${e.message})`;
          finish(current, { error: { code: 'worker_failed', message: e.message, line } });
          current = -1;
        }
      });
      worker.on('exit', () => {
        workers.delete(worker);
        live--;
        if (current >= 0) {
          const line = `wirewhy: ${files[current]!.path}: analysis failed (worker exited)`;
          finish(current, { error: { code: 'worker_failed', message: 'worker exited', line } });
          current = -1;
        }
        if (!stopping && queue.length > 0) start();
        else if (live === 0) {
          clearInterval(poll);
          resolve();
        }
      });
      next();
    };
    for (let i = 0; i < workerCount; i++) start();
  });

  for (const r of results) {
    if (!r.report && !r.error) r.notRun = true;
  }
  return results;
}
