/** Analyse one capture of a scan and turn the outcome into a report or a one-line error. */
import { analyzeCapture, type AnalyzeOptions } from '../analyze.js';
import { CaptureError } from '../capture/types.js';
import { captureErrorLine, internalErrorStack, nothingUseful } from '../report/errors.js';
import type { AnalysisReport } from '../report/types.js';
import type { ScanFileError } from './types.js';

/** Hooks for {@link analyzeOne}: those of an analysis a scan worker passes on. */
export type AnalyzeOneOptions = Pick<AnalyzeOptions, 'maxFlows' | 'maxFindings' | 'onFinding' | 'onDroppedFinding' | 'onProgress' | 'shouldStop' | 'rules' | 'recognisers' | 'heapPolicy'>;

/** A report, or the error that kept the capture from being analysed (report kept when partial). */
export type AnalyzeOneResult = { report: AnalysisReport; error?: ScanFileError } | { report?: undefined; error: ScanFileError };

/** The error for a caught exception, with the same one line `analyze` prints. */
export function scanFileError(file: string, e: unknown): ScanFileError {
  const line = captureErrorLine(file, e);
  if (e instanceof CaptureError) return { code: e.code, message: e.message, offset: e.offset, line };
  const err = e as Error;
  return { code: 'internal_error', message: err?.message ?? String(e), line };
}

/** Analyse `path`; never throws. A capture with no packets and a structural warning is an error. */
export async function analyzeOne(path: string, opts: AnalyzeOneOptions = {}): Promise<AnalyzeOneResult> {
  try {
    const report = await analyzeCapture(path, {
      name: path,
      onInternalError: process.env.WIREWHY_DEBUG ? (fault, e) => process.stderr.write(internalErrorStack(path, fault, e)) : undefined,
      ...opts,
    });
    if (nothingUseful(report)) {
      const w = report.capture.warnings.find((x) => x.code !== 'unsupported_link_type')!;
      const where = w.offset !== undefined ? ` (at byte offset ${w.offset})` : '';
      return { report, error: { code: w.code, message: w.message, offset: w.offset, line: `wirewhy: ${path}: ${w.message}${where}` } };
    }
    return { report };
  } catch (e) {
    return { error: scanFileError(path, e) };
  }
}
