/**
 * `scan --format json`: one document with every capture's full report (schema version 1, as
 * `analyze --format json`), the captures that could not be read, the skipped count and totals.
 */
import type { ScanFileResult, ScanResult, ScanTotals } from '../model/scan.js';
import { VERSION } from '../version.js';
import { formatJson, jsonReplacer, nestJson, writeJson } from './json.js';
import type { AnalysisReport } from './types.js';
import type { FindingFilterSpec } from '../model/report.js';

/** The `scan --format json` document. */
export interface ScanJsonReport {
  schemaVersion: 1;
  kind: 'scan';
  tool: { name: 'wirewhy'; version: string };
  /**
   * With `--code`, `--rule` or `--severity`: the filters. Each report then has `filtered` and
   * only the findings that match; `totals.filtered` sums them.
   */
  filter?: FindingFilterSpec;
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
    ...(result.filter ? { filter: result.filter } : {}),
    reports: result.files.filter((f) => f.report && !f.error).map((f) => f.report!),
    errors,
    skipped: { count: result.skipped.length, files: result.skipped.map((s) => ({ file: s.path, reason: s.reason })) },
    notAnalysed: result.files.filter((f) => f.notRun).map((f) => f.file),
    interrupted: result.interrupted,
    totals: result.totals,
  };
}

/** A report as it appears in the `reports` list of the scan document (pretty, nested two levels). */
export function scanReportJson(report: AnalysisReport): string {
  return nestJson(formatJson(report).trimEnd(), '    ');
}

/** Write {@link scanReportJson} of `report` a finding at a time (see writeJson). */
export function writeScanReportJson(report: AnalysisReport, write: (chunk: string) => unknown): void {
  // Each line break is nested, but the one that ends the report is not written: it is held
  // back until more follows.
  let lineBreakHeld = false;
  writeJson(report, (chunk) => {
    let text = lineBreakHeld ? `\n${chunk}` : chunk;
    lineBreakHeld = text.endsWith('\n');
    if (lineBreakHeld) text = text.slice(0, -1);
    if (text !== '') write(nestJson(text, '    '));
  });
}

/**
 * Write the scan document piece by piece: the same bytes as pretty-printing
 * {@link scanJsonReport} whole, but each report is written by `writeReport` (its
 * {@link scanReportJson}, which a scan worker makes and keeps on disk until its turn), so the
 * reports of a large folder never have to be in memory together.
 */
export function writeScanJson(result: ScanResult, writeReport: (file: ScanFileResult) => void, write: (chunk: string) => unknown): void {
  const { reports: _reports, ...head } = scanJsonReport(result);
  const analysed = result.files.filter((f) => f.report && !f.error);
  const field = (k: string, v: unknown, last = false): string => `  ${JSON.stringify(k)}: ${nestJson(JSON.stringify(v, jsonReplacer, 2), '  ')}${last ? '' : ','}\n`;
  write('{\n');
  write(field('schemaVersion', head.schemaVersion));
  write(field('kind', head.kind));
  write(field('tool', head.tool));
  if (head.filter) write(field('filter', head.filter));
  if (analysed.length === 0) write('  "reports": [],\n');
  else {
    write('  "reports": [\n');
    analysed.forEach((f, i) => {
      write('    ');
      writeReport(f);
      write(i + 1 < analysed.length ? ',\n' : '\n');
    });
    write('  ],\n');
  }
  write(field('errors', head.errors));
  write(field('skipped', head.skipped));
  write(field('notAnalysed', head.notAnalysed));
  write(field('interrupted', head.interrupted));
  write(field('totals', head.totals, true));
  write('}\n');
}

/** The scan as pretty JSON with a trailing newline (reports from the results in memory). */
export function formatScanJson(result: ScanResult): string {
  const parts: string[] = [];
  const write = (c: string): void => void parts.push(c);
  writeScanJson(result, (f) => write(scanReportJson(f.report!)), write);
  return parts.join('');
}
