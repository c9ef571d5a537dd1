/**
 * `wirewhy merge`: the outputs of the shards of a scan (`scan --shard I/N`) made into the scan
 * one machine would have made of all the captures.
 */
import type { Finding } from '../model/finding.js';
import type { AnalysisReport, FindingFilterSpec } from '../model/report.js';
import type { ScanJsonReport } from '../report/scan-json.js';
import { DEFAULT_MAX_FINDINGS } from '../rules/engine.js';
import { tallyFindings } from './tally.js';
import { filterLabel } from '../rules/filter.js';
import { scanTotals, type ScanFileError, type ScanFileResult, type ScanResult } from './types.js';
import type { SkippedFile } from './walk.js';

/** Walk order: paths compared folder name by folder name, each as the walk sorts a folder's names. */
export function compareWalkOrder(a: string, b: string): number {
  const x = a.split(/[\\/]/);
  const y = b.split(/[\\/]/);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length - y.length;
}

/** One capture as the parts of a sharded scan tell of it. */
interface MergedFile {
  result: ScanFileResult;
  /** Finding lines (JSONL), in the order decided. */
  findings: Finding[];
}

/**
 * Rebuilds one scan from the outputs of its shards (`scan --shard I/N --format jsonl`, or
 * `--format json`): the captures in walk order with their reports and findings, the skipped
 * files, the paths that could not be read, and the totals, as one scan of all would have made.
 */
export class ShardMerger {
  private readonly files = new Map<string, MergedFile>();
  private readonly skipped = new Map<string, SkippedFile>();
  private readonly pathErrors = new Map<string, { path: string; message: string }>();
  /** JSON documents' errors, by file, with the number of documents that listed each. */
  private readonly docErrors = new Map<string, { error: ScanFileError; count: number }>();
  private documents = 0;
  /** Disk bytes of the captures of JSON documents (their reports do not say their size). */
  private documentBytes = 0;
  private interrupted = false;
  private seconds = 0;
  /** Shards read, by label ("2/3"), to tell a missing or repeated one. */
  readonly shards: string[] = [];
  /** The filters each shard (scan record or document) was run with, as JSON ("" for none). */
  private readonly filters: string[] = [];

  private entry(file: string, size = 0): MergedFile {
    let e = this.files.get(file);
    if (!e) this.files.set(file, (e = { result: { file, size }, findings: [] }));
    if (size > 0) e.result.size = size;
    return e;
  }

  /** Take one line of a sharded JSONL output; throws an Error when it is not one. */
  addLine(line: string): void {
    if (line.trim() === '') return;
    const o = JSON.parse(line) as Record<string, unknown>;
    if (typeof o !== 'object' || o === null) throw new Error('not a JSON object');
    switch (o.record) {
      case undefined: {
        if (typeof o.file !== 'string' || typeof o.rule !== 'string') throw new Error('neither a finding nor a scan record');
        const { file, ...finding } = o;
        this.entry(file).findings.push(finding as unknown as Finding);
        return;
      }
      case 'capture': {
        const e = this.entry(o.file as string, o.size as number);
        if (o.report) e.result.report = o.report as AnalysisReport;
        if (o.error) e.result.error = o.error as ScanFileError;
        return;
      }
      case 'not-analysed':
        this.entry(o.file as string, o.size as number).result.notRun = true;
        return;
      case 'skipped':
        this.skipped.set(o.file as string, { path: o.file as string, reason: o.reason as string });
        return;
      case 'path-error':
        this.pathErrors.set(o.path as string, { path: o.path as string, message: o.message as string });
        return;
      case 'scan':
        this.shards.push(String(o.shard));
        this.filters.push(o.filter ? JSON.stringify(o.filter) : '');
        this.interrupted ||= o.interrupted === true;
        this.seconds = Math.max(this.seconds, Number(o.seconds) || 0);
        return;
      default:
        throw new Error(`unknown record "${String(o.record)}"`);
    }
  }

  /** Take one `scan --format json` document. */
  addDocument(doc: ScanJsonReport): void {
    if (doc.kind !== 'scan' || !Array.isArray(doc.reports)) throw new Error('not a wirewhy scan document');
    this.documents++;
    this.filters.push(doc.filter ? JSON.stringify(doc.filter) : '');
    this.documentBytes += doc.totals.bytes;
    this.interrupted ||= doc.interrupted;
    for (const report of doc.reports) {
      const e = this.entry(report.capture.file);
      e.result.report = report;
      e.findings = report.findings;
    }
    for (const e of doc.errors) {
      const line = `wirewhy: ${e.file}: ${e.message}${e.offset !== undefined ? ` (at byte offset ${e.offset})` : ''}`;
      const seen = this.docErrors.get(e.file);
      if (seen) seen.count++;
      else this.docErrors.set(e.file, { error: { code: e.code, message: e.message, ...(e.offset !== undefined ? { offset: e.offset } : {}), line }, count: 1 });
    }
    for (const s of doc.skipped.files) this.skipped.set(s.file, { path: s.file, reason: s.reason });
    for (const f of doc.notAnalysed) this.entry(f).result.notRun = true;
  }

  /**
   * "the shards were run with different filters" when they were, or null. Their findings are
   * then merged as each shard wrote them: some capture's findings filtered, some not.
   */
  filterWarning(): string | null {
    const distinct = [...new Set(this.filters)];
    if (distinct.length <= 1) return null;
    return `the shards were run with different filters (${distinct.map((f) => (f === '' ? 'none' : filterLabel(JSON.parse(f) as FindingFilterSpec))).join('; ')}): each capture shows what its shard kept`;
  }

  /** The scan the shards were parts of. */
  result(): ScanResult {
    for (const [file, { error, count }] of this.docErrors) {
      // A path that could not be examined is reported by every shard; a capture by its own.
      if (this.documents > 1 && count === this.documents && !this.files.has(file)) this.pathErrors.set(file, { path: file, message: error.message });
      else this.entry(file).result.error = error;
    }
    // The filters, when every shard had the same (null: they differ); any filter makes the totals
    // count what was shown.
    const distinct = [...new Set(this.filters)];
    const filter = distinct.length > 1 ? null : distinct[0] ? (JSON.parse(distinct[0]) as FindingFilterSpec) : undefined;
    const files = [...this.files.values()].sort((a, b) => compareWalkOrder(a.result.file, b.result.file));
    const results = files.map(({ result, findings }) => {
      if (result.report) {
        // As the scan's worker: every finding tallied, the report keeping the first decided.
        result.tally = tallyFindings(findings);
        const kept = findings.slice(0, DEFAULT_MAX_FINDINGS).sort((a, b) => (a.frames[0] ?? 0) - (b.frames[0] ?? 0) || a.stream - b.stream);
        result.report = { ...result.report, findings: kept };
        // A shard run without filters, merged with some run with them: all of its findings shown.
        if (filter !== undefined && !result.report.filtered) result.report.filtered = { shown: findings.length, of: result.report.summary.findings };
      }
      return result;
    });
    const skipped = [...this.skipped.values()].sort((a, b) => compareWalkOrder(a.path, b.path));
    const totals = scanTotals(results, skipped.length);
    totals.bytes += this.documentBytes;
    if (filter !== undefined) totals.filtered ??= { shown: 0, of: 0 };
    return { files: results, skipped, pathErrors: [...this.pathErrors.values()], interrupted: this.interrupted, totals, seconds: this.seconds, ...(filter ? { filter } : {}) };
  }
}
