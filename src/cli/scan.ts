/** `wirewhy scan PATH...`: analyse every capture under some files and folders, in parallel. */
import { formatJsonlFinding } from '../report/jsonl.js';
import { formatScanHtml } from '../report/html.js';
import { formatScanJunit, scanJunitCase, type JunitCase } from '../report/junit.js';
import { writeScanJson } from '../report/scan-json.js';
import { ReportSpill } from '../scan/spill.js';
import { formatScanText } from '../report/scan-text.js';
import type { Severity } from '../rules/types.js';
import { scanPaths, tallyFindings } from '../scan/index.js';
import type { ScanResult } from '../scan/types.js';
import { reaches } from './analyze.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, useColor, useUnicode, type CliIo } from './io.js';
import { noCapturesLines } from './no-captures.js';

export { SCAN_FORMATS } from './formats.js';

/** Options of `wirewhy scan`. */
export interface ScanCommandOptions {
  format: string;
  failOn?: string;
  jobs?: number;
  quiet?: boolean;
  maxFlows?: number;
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
  if (result.pathErrors.length > 0 || result.files.some((f) => f.error)) return EXIT_UNREADABLE;
  if (failed) return EXIT_FINDINGS;
  return EXIT_OK;
}

/** Run `wirewhy scan`. Returns the exit status. */
export async function runScan(paths: string[], opts: ScanCommandOptions, io: CliIo, signal?: { stopped: boolean }): Promise<number> {
  const spill = opts.format === 'json' ? new ReportSpill() : null;
  try {
    return await scanAndReport(paths, opts, io, signal, spill);
  } finally {
    spill?.close();
  }
}

async function scanAndReport(paths: string[], opts: ScanCommandOptions, io: CliIo, signal: { stopped: boolean } | undefined, spill: ReportSpill | null): Promise<number> {
  const failOn = opts.failOn as Severity | undefined;
  const format = opts.format;
  const streaming = format === 'jsonl';
  const junitCases = format === 'junit' ? new Map<string, JunitCase>() : null;
  const result = await scanPaths(paths, {
    jobs: opts.jobs,
    maxFlows: opts.maxFlows,
    // The text report shows findings grouped: the workers' tallies are all it needs. The JSON
    // document gets each report as the worker serialized it, kept on disk until its turn.
    keepFindings: format !== 'text',
    serializeReports: format === 'json',
    shouldStop: signal ? () => signal.stopped : undefined,
    progress: io.stderr.isTTY && !opts.quiet ? { stream: io.stderr as { write(s: string): unknown; columns?: number }, unicode: useUnicode(io) } : undefined,
    // JSONL: each finding as soon as a worker decides it; errors on stderr as files finish.
    onFinding: streaming ? (file, finding) => io.stdout.write(formatJsonlFinding(finding, { file })) : undefined,
    onResult: (r) => {
      if (streaming) {
        if (r.error) io.stderr.write(`${r.error.line}\n`);
      } else if (spill && r.reportJson !== undefined) {
        spill.put(r.file, r.reportJson);
        delete r.reportJson;
      } else if (junitCases) {
        // The test case holds what JUnit shows of the findings; the findings can go.
        junitCases.set(r.file, scanJunitCase(r, failOn));
        if (r.report) r.report.findings = [];
      }
    },
  });
  const nothing = noCapturesLines(paths, result);
  if (nothing) {
    for (const line of nothing) io.stderr.write(`${line}\n`);
    return EXIT_UNREADABLE;
  }
  if (streaming) for (const e of result.pathErrors) io.stderr.write(`wirewhy: ${e.path}: ${e.message}\n`);

  const failed = failOn !== undefined && result.files.some((f) => f.report && !f.error && (f.tally ?? tallyFindings(f.report.findings)).some((x) => reaches(x, failOn)));
  switch (format) {
    case 'json':
      writeScanJson(result, (f) => spill!.take(f.file), (chunk) => io.stdout.write(chunk));
      break;
    case 'junit':
      io.stdout.write(formatScanJunit(result, failOn, (f) => junitCases?.get(f.file)));
      break;
    case 'jsonl':
      break;
    case 'html':
      // One self-contained page: a section per capture, the unreadable ones with their errors.
      io.stdout.write(
        formatScanHtml({
          reports: result.files.filter((f) => f.report && !f.error).map((f) => f.report!),
          failures: result.files.filter((f) => f.error).map((f) => ({ file: f.file, error: f.error!.line })),
          title: paths.join(' '),
        }),
      );
      break;
    default:
      io.stdout.write(formatScanText(result, { color: useColor(io), unicode: useUnicode(io) }));
  }
  return scanExitStatus(result, failed);
}
