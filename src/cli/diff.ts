/**
 * `wirewhy diff BEFORE AFTER`: what failures are new, gone, or have another cause between two
 * captures (or saved `analyze --format json` reports). Exit 1 when a failure is new, for CI.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { analyzeCapture } from '../analyze.js';
import { detectFormat } from '../capture/reader.js';
import type { AnalysisReport } from '../model/report.js';
import { formatDiffJson, formatDiffText, type CaptureDiff } from '../report/diff.js';
import { captureErrorLine, describeSystemError } from '../report/errors.js';
import { sanitizeForTerminal } from '../report/terminal.js';
import { expectFinding, fieldChanges, matchFailures } from '../scan/expect.js';
import { BOUNDED_HEAP } from './heap.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, useColor, useUnicode, type CliIo } from './io.js';

/** Output formats of `diff`. */
export const DIFF_FORMATS = ['text', 'json'] as const;

/** Options of `wirewhy diff`. */
export interface DiffCommandOptions {
  format: string;
  maxFlows?: number;
}

/** True when the file's first bytes are a capture's (pcap, pcapng, gzip). */
function looksLikeCapture(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4);
    return detectFormat(head.subarray(0, readSync(fd, head, 0, 4, 0))) !== null;
  } finally {
    closeSync(fd);
  }
}

/** The report of a capture (analysed now) or of a saved JSON report; throws with the line to print. */
async function reportOf(path: string, opts: DiffCommandOptions): Promise<AnalysisReport> {
  let capture: boolean;
  try {
    capture = looksLikeCapture(path);
  } catch (e) {
    throw new Error(`wirewhy: ${sanitizeForTerminal(path)}: ${describeSystemError(e)}`);
  }
  if (capture) {
    try {
      return await analyzeCapture(path, { name: path, heapPolicy: BOUNDED_HEAP, maxFlows: opts.maxFlows });
    } catch (e) {
      throw new Error(captureErrorLine(path, e));
    }
  }
  let data: Partial<AnalysisReport> & { kind?: string };
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`wirewhy: ${sanitizeForTerminal(path)}: neither a capture nor a JSON report (${sanitizeForTerminal((e as Error).message)})`);
  }
  if (data.kind === 'scan') throw new Error(`wirewhy: ${sanitizeForTerminal(path)}: a scan report; diff compares the reports of single captures (analyze --format json)`);
  if (!Array.isArray(data.findings) || typeof data.capture !== 'object') throw new Error(`wirewhy: ${sanitizeForTerminal(path)}: not a wirewhy report (analyze --format json)`);
  return data as AnalysisReport;
}

/** Compare two reports' failures by endpoints and cause (see matchFailures). */
export function diffReports(before: AnalysisReport, after: AnalysisReport): CaptureDiff {
  const m = matchFailures(before.findings, after.findings, expectFinding, 'endpoints');
  return {
    before: { file: before.capture.file, findings: before.findings.length },
    after: { file: after.capture.file, findings: after.findings.length },
    new: m.added,
    gone: m.gone,
    // Matched by client address: a new client port is a new connection, not a change.
    changed: m.changed.map(([b, a]) => ({ before: b, after: a, changes: fieldChanges(expectFinding(b), expectFinding(a)).filter((c) => !c.startsWith('client:')) })),
    unchanged: m.same.length,
  };
}

/** Run `wirewhy diff`. Returns the exit status. */
export async function runDiff(beforePath: string, afterPath: string, opts: DiffCommandOptions, io: CliIo): Promise<number> {
  let before: AnalysisReport;
  let after: AnalysisReport;
  try {
    before = await reportOf(beforePath, opts);
    after = await reportOf(afterPath, opts);
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return EXIT_UNREADABLE;
  }
  const d = diffReports(before, after);
  io.stdout.write(opts.format === 'json' ? formatDiffJson(d) : formatDiffText(d, { color: useColor(io), unicode: useUnicode(io) }));
  return d.new.length > 0 ? EXIT_FINDINGS : EXIT_OK;
}
