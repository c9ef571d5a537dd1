import { analyzeCapture } from '../analyze.js';
import { CaptureError } from '../capture/types.js';
import { formatJsonlFinding } from '../report/jsonl.js';
import { formatReport, type ReporterName } from '../report/index.js';
import type { AnalysisReport } from '../report/types.js';
import { SEVERITIES, type Finding, type Severity } from '../rules/types.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, useColor, useUnicode, type CliIo } from './io.js';

/** Options of `wirewhy analyze`. */
export interface AnalyzeCommandOptions {
  format: string;
  failOn?: string;
  maxFlows?: number;
  ladder?: boolean;
}

/** One line for an unreadable capture: "wirewhy: FILE: message (byte offset N)". */
export function captureErrorLine(file: string, e: unknown): string {
  if (e instanceof CaptureError) return `wirewhy: ${file}: ${e.message} (at byte offset ${e.offset})`;
  const err = e as Error;
  return `wirewhy: ${file}: ${err?.message ?? String(e)}`;
}

/** True when a finding's severity reaches the threshold. */
export function reaches(finding: Finding, threshold: Severity): boolean {
  return SEVERITIES.indexOf(finding.severity) >= SEVERITIES.indexOf(threshold);
}

/** Whether a report had nothing useful: no packets and a structural problem. */
export function nothingUseful(report: AnalysisReport): boolean {
  return report.capture.packets === 0 && report.capture.warnings.some((w) => w.code !== 'unsupported_link_type');
}

/** Run `wirewhy analyze FILE`. Returns the exit status. */
export async function runAnalyze(file: string, opts: AnalyzeCommandOptions, io: CliIo, signal?: { stopped: boolean }): Promise<number> {
  const format = opts.format as ReporterName;
  const streaming = format === 'jsonl';
  let report: AnalysisReport;
  try {
    report = await analyzeCapture(file, {
      maxFlows: opts.maxFlows,
      onFinding: streaming ? (f) => io.stdout.write(formatJsonlFinding(f, { file })) : undefined,
      shouldStop: signal ? () => signal.stopped : undefined,
    });
  } catch (e) {
    io.stderr.write(captureErrorLine(file, e) + '\n');
    return EXIT_UNREADABLE;
  }
  for (const w of report.capture.warnings) {
    const where = w.offset !== undefined ? ` (at byte offset ${w.offset})` : '';
    if (format !== 'text') io.stderr.write(`wirewhy: ${file}: warning: ${w.message}${where}\n`);
  }
  if (!streaming) {
    io.stdout.write(formatReport(format, report, { color: useColor(io), unicode: useUnicode(io), failOn: opts.failOn as Severity | undefined }));
  }
  if (nothingUseful(report)) return EXIT_UNREADABLE;
  if (opts.failOn && report.findings.some((f) => reaches(f, opts.failOn as Severity))) return EXIT_FINDINGS;
  return EXIT_OK;
}
