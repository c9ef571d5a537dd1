/** `wirewhy scan PATH...`: analyse every capture under some files and folders, in parallel. */
import type { Severity } from '../model/finding.js';
import type { FindingFilterSpec } from '../model/report.js';
import type { ScanResult } from '../model/scan.js';
import { interruptedLine } from '../report/scan-text.js';
import { scanPaths } from '../scan/index.js';
import { openScanOutput } from '../scan/parts.js';
import { EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNREADABLE, ReportOutput, terminalWidth, useColor, useUnicode, type CliIo } from './io.js';
import { jobsForCores } from './jobs.js';
import { noCapturesLines } from './no-captures.js';
import { shardLabel, type Shard } from '../scan/shard.js';

/** Options of `wirewhy scan`. */
export interface ScanCommandOptions {
  format: string;
  failOn?: string;
  jobs?: number;
  quiet?: boolean;
  maxFlows?: number;
  /** Only part I of N of the captures (see scan/shard.ts). */
  shard?: Shard;
  /** Only the findings these filters let through (`--code`, `--rule`, `--severity`). */
  filter?: FindingFilterSpec;
}

/**
 * The exit status of a scan (or check).
 *
 * 2 (some input could not be read) wins over 1 (a finding reached --fail-on): a status is one
 * number, and 1 would claim "the analysis is complete and this is its verdict" when part of the
 * input was never examined and might hold more failures. The findings are in the output either
 * way, and both statuses fail a CI job; 2 says what to fix first. grep and diff make the same
 * choice (2 for trouble, even when lines matched).
 */
export function scanExitStatus(result: ScanResult, failed: boolean): number {
  // Interrupted before the end: no verdict on the whole input, as the shell says of Ctrl-C.
  if (result.totals.notAnalysed > 0) return EXIT_INTERRUPTED;
  if (result.pathErrors.length > 0 || result.files.some((f) => f.error)) return EXIT_UNREADABLE;
  if (failed) return EXIT_FINDINGS;
  return EXIT_OK;
}

/** Run `wirewhy scan`. Returns the exit status. */
export async function runScan(paths: string[], opts: ScanCommandOptions, io: CliIo, signal?: { stopped: boolean }): Promise<number> {
  // The output decides what is kept of each capture, so that memory stays bounded (see scan-output.ts).
  const output = await openScanOutput(opts.format, {
    failOn: opts.failOn as Severity | undefined,
    title: paths.join(' '),
    terminal: { color: useColor(io), unicode: useUnicode(io) },
    width: terminalWidth(io),
    out: (chunk) => io.stdout.write(chunk),
    err: (chunk) => io.stderr.write(chunk),
    // Streamed findings wait in their workers while the report's reader is behind.
    ...(io.stdout instanceof ReportOutput ? { whenWritable: () => (io.stdout as ReportOutput).whenWritable() } : {}),
    ...(opts.shard ? { records: { shard: shardLabel(opts.shard) } } : {}),
    ...(opts.filter ? { filter: opts.filter } : {}),
  });
  try {
    const result = await scanPaths(paths, {
      jobs: jobsForCores(opts.jobs, io),
      maxFlows: opts.maxFlows,
      shard: opts.shard,
      shouldStop: signal ? () => signal.stopped : undefined,
      progress: io.stderr.isTTY && !opts.quiet ? { stream: io.stderr as { write(s: string): unknown; columns?: number }, unicode: useUnicode(io) } : undefined,
      ...output.poolOptions,
    });
    // A shard may hold no capture of a small folder: that is its share, not a mistake.
    const nothing = opts.shard && result.pathErrors.length === 0 ? null : noCapturesLines(paths, result);
    if (nothing) {
      for (const line of nothing) io.stderr.write(`${line}\n`);
      return EXIT_UNREADABLE;
    }
    output.finish(result);
    // The text report says it too; the line on stderr is for a report going to a file or a CI.
    // Not when the stop came from a report that could not be written: that gets its own line.
    const reportFailed = io.stdout instanceof ReportOutput && io.stdout.failure !== undefined;
    if (result.totals.notAnalysed > 0 && opts.format !== 'text' && !reportFailed) io.stderr.write(`wirewhy: ${interruptedLine(result.totals)}\n`);
    return scanExitStatus(result, output.failed);
  } finally {
    output.close();
  }
}
