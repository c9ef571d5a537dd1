/**
 * `scan --format json`: one document with every capture's full report (schema version 1, as
 * `analyze --format json`), the captures that could not be read, the skipped count and totals.
 */
import type { ScanResult, ScanTotals } from '../scan/types.js';
import { VERSION } from '../version.js';
import { jsonReplacer } from './json.js';
import type { AnalysisReport } from './types.js';

/** The `scan --format json` document. */
export interface ScanJsonReport {
  schemaVersion: 1;
  kind: 'scan';
  tool: { name: 'wirewhy'; version: string };
  /** Reports of the captures analysed, in walk order. */
  reports: AnalysisReport[];
  /** Captures and paths that could not be read. */
  errors: Array<{ file: string; code: string; message: string; offset?: number }>;
  /** Files that are not captures. */
  skipped: { count: number; files: Array<{ file: string; reason: string }> };
  /** Captures not analysed because the scan was interrupted. */
  notAnalysed: string[];
  interrupted: boolean;
  totals: ScanTotals;
}

/** Build the JSON document of a scan. */
export function scanJsonReport(result: ScanResult): ScanJsonReport {
  const errors: ScanJsonReport['errors'] = result.pathErrors.map((e) => ({ file: e.path, code: 'cannot_open', message: e.message }));
  for (const f of result.files) {
    if (f.error) errors.push({ file: f.file, code: f.error.code, message: f.error.message, ...(f.error.offset !== undefined ? { offset: f.error.offset } : {}) });
  }
  return {
    schemaVersion: 1,
    kind: 'scan',
    tool: { name: 'wirewhy', version: VERSION },
    reports: result.files.filter((f) => f.report && !f.error).map((f) => f.report!),
    errors,
    skipped: { count: result.skipped.length, files: result.skipped.map((s) => ({ file: s.path, reason: s.reason })) },
    notAnalysed: result.files.filter((f) => f.notRun).map((f) => f.file),
    interrupted: result.interrupted,
    totals: result.totals,
  };
}

/** The scan as pretty JSON with a trailing newline. */
export function formatScanJson(result: ScanResult): string {
  return `${JSON.stringify(scanJsonReport(result), jsonReplacer, 2)}\n`;
}
