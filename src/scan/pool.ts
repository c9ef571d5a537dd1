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
import type { FromWorker, ToWorker } from './messages.js';
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
  /** Called with each finding as soon as a worker decides it (turns on streaming in workers). */
  onFinding?: (file: string, finding: Finding) => void;
  /**
   * Called with each finding as soon as a worker decides it, as the JSONL line the worker made
   * of it (`{"file": …, …finding}`, see formatJsonlFinding): this thread then handles a string,
   * not a finding to rebuild. Ignored when `onFinding` is given.
   */
  onFindingLine?: (line: string) => void;
  /** The format whose line `onFindingLine` receives (a streamed `scan --format`; default jsonl). */
  lineFormat?: string;
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
  const streamFindings = options.onFinding ? 'finding' : options.onFindingLine ? { format: options.lineFormat ?? 'jsonl' } : false;
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
      const worker = new Worker(spec.entry, { ...spec.options, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
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
          case 'finding':
            options.onFinding?.(files[m.id]!.path, m.finding);
            return;
          case 'findingLine':
            options.onFindingLine?.(m.line);
            return;
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
