/**
 * Scanning: find the captures under some paths, analyse them on a worker pool, and sum up.
 * Used by `wirewhy scan` and `wirewhy check`; usable as a library function too.
 */
import { runPool, type PoolOptions } from './pool.js';
import { ProgressBar, type ProgressStream } from './progress.js';
import { scanTotals, type ScanFileResult, type ScanResult } from './types.js';
import { findCaptures, type WalkOptions } from './walk.js';
import { inShard, type Shard } from './shard.js';

/**
 * Options for {@link scanPaths}: the pool's (see PoolOptions) less its progress callback, plus
 * what to walk past and where to draw a progress bar.
 */
export interface ScanOptions extends WalkOptions, Omit<PoolOptions, 'onProgress'> {
  /** Draw a progress bar here (a terminal). */
  progress?: { stream: ProgressStream; unicode: boolean };
  /** Only this part of the files found (captures and skipped files alike; see shard.ts). */
  shard?: Shard;
}

/** Scan `paths` (files or folders). */
export async function scanPaths(paths: readonly string[], options: ScanOptions = {}): Promise<ScanResult> {
  const started = performance.now();
  const walk = await findCaptures(paths, { ignore: options.ignore });
  if (options.shard) {
    const mine = inShard(options.shard, paths);
    walk.captures = walk.captures.filter((c) => mine(c.path));
    walk.skipped = walk.skipped.filter((s) => mine(s.path));
  }
  const bytesTotal = walk.captures.reduce((n, c) => n + c.size, 0);
  const bar = options.progress ? new ProgressBar(options.progress.stream, walk.captures.length, bytesTotal, options.progress.unicode) : null;
  bar?.update(0, 0, true);
  let files: ScanFileResult[];
  try {
    const { ignore: _ignore, progress: _progress, shard: _shard, ...pool } = options;
    files = await runPool(walk.captures, {
      ...pool,
      onProgress: bar ? (bytes, done) => bar.update(bytes, done, done === walk.captures.length) : undefined,
    });
  } finally {
    bar?.clear();
  }
  const totals = scanTotals(files, walk.skipped.length);
  if (options.filter) totals.filtered ??= { shown: 0, of: 0 };
  return {
    files,
    skipped: walk.skipped,
    pathErrors: walk.errors,
    interrupted: files.some((f) => f.notRun) || (options.shouldStop?.() ?? false),
    totals,
    seconds: (performance.now() - started) / 1000,
    ...(options.filter ? { filter: options.filter } : {}),
  };
}

export { findCaptures, classifyFile, type CaptureFile, type SkippedFile, type WalkResult } from './walk.js';
export { runPool, defaultJobs, BYTES_PER_WORKER, type ScanJob, type PoolOptions } from './pool.js';
export type { ScanFileResult, ScanFileError, ScanResult, ScanTotals } from './types.js';
export { tallyFindings, type FindingTally } from './tally.js';
export { parseShard, shardOf, type Shard } from './shard.js';
