/**
 * How each format of `wirewhy scan` is made with bounded memory, whatever the number of
 * captures: what the workers send back, what is kept of a capture once it is done, and how the
 * output is written at the end.
 *
 * - text: each capture's findings come back tallied by rule, server and codes; the tallies are
 *   merged into the groups across captures as captures finish, then dropped.
 * - jsonl: each finding is made a line by its worker as soon as it is decided, and written.
 * - json, junit, html: each capture's part (report, test case, section) is rendered by its
 *   worker and kept in a temporary file (scan/parts.ts), then copied to the output in walk
 *   order a piece at a time, after what precedes the parts (counts, the overview) is known.
 *
 * What stays in memory per capture is its name, size, counts and warnings (the report without
 * its findings) and where its part is: half a kilobyte to a kilobyte.
 */
import { CapturePartStore, HTML_PREFIX_MARK, type CapturePartKind } from '../scan/parts.js';
import type { PoolOptions } from '../scan/pool.js';
import type { ScanResult } from '../scan/types.js';
import { severityReaches, type Severity } from '../model/finding.js';
import { writeScanHtml } from './html.js';
import { writeScanJunit } from './junit.js';
import { formatEcsFinding } from './ecs.js';
import { writeScanJson } from './scan-json.js';
import { formatScanText, ScanFindingGroups } from './scan-text.js';
import type { TerminalOptions } from './terminal.js';
import { captureRecordLine, scanRecordLines } from './scan-records.js';

/** The formats whose capture parts the workers render and keep on disk. */
const PART_KINDS: Readonly<Record<string, CapturePartKind>> = { json: 'json', junit: 'junit', html: 'html' };

/** What {@link ScanOutput} writes with and to. */
export interface ScanOutputOptions {
  /** The `--fail-on` threshold. */
  failOn?: Severity;
  /** The HTML page's title (the paths scanned). */
  title?: string;
  /** Colours and Unicode of the text report. */
  terminal: TerminalOptions;
  /** Standard output. */
  out: (chunk: string) => unknown;
  /** Standard error (JSONL's errors, one line each, as captures finish). */
  err: (chunk: string) => unknown;
  /**
   * JSONL: also a line per capture, error, skipped file and for the scan itself, each with a
   * `record` field (see scan-records.ts), so that `wirewhy merge` can rebuild the whole scan.
   * Set by `--shard`, with its label.
   */
  records?: { shard: string };
}

/** The pool options a scan's output needs. */
export type ScanOutputPoolOptions = Required<Pick<PoolOptions, 'keepFindings' | 'onResult'>> & Pick<PoolOptions, 'parts' | 'onFindingLine' | 'onFinding'>;

/** One scan's output in one format: give `poolOptions` to the scan, then `finish` with its result. */
export class ScanOutput {
  /** Options for scanPaths/runPool. */
  readonly poolOptions: ScanOutputPoolOptions;
  private readonly parts: CapturePartStore | null;
  private readonly groups: ScanFindingGroups | null;
  private reachedFailOn = false;

  constructor(
    readonly format: string,
    private readonly options: ScanOutputOptions,
  ) {
    const kind = PART_KINDS[format];
    this.parts = kind ? new CapturePartStore({ kind, failOn: options.failOn }) : null;
    this.groups = format === 'text' ? new ScanFindingGroups() : null;
    const { failOn, out, err } = options;
    // ECS, like JSONL, is a line per finding; the worker sends the finding and this thread makes the document.
    const streaming = format === 'jsonl' || format === 'ecs';
    this.poolOptions = {
      keepFindings: false,
      ...(this.parts ? { parts: this.parts } : {}),
      // JSONL: each finding as soon as a worker decides it, made a line by the worker; errors
      // on stderr as files finish.
      ...(format === 'jsonl' ? { onFindingLine: out } : {}),
      ...(format === 'ecs' ? { onFinding: (file: string, finding) => out(formatEcsFinding(finding, file)) } : {}),
      onResult: (r, index) => {
        if (streaming && r.error) err(`${r.error.line}\n`);
        if (streaming && options.records) out(captureRecordLine(r));
        if (r.report && r.tally) {
          if (failOn !== undefined && !r.error && r.tally.some((x) => severityReaches(x.severity, failOn))) this.reachedFailOn = true;
          this.groups?.add(index, r.file, r.tally);
        }
        delete r.tally;
      },
    };
  }

  /** Whether a finding of a capture that was read reached `--fail-on`. */
  get failed(): boolean {
    return this.reachedFailOn;
  }

  /** Write the output of the finished scan. */
  finish(result: ScanResult): void {
    const { out, err } = this.options;
    const parts = this.parts;
    switch (this.format) {
      case 'json':
        writeScanJson(result, (f) => parts!.copy(f.part!.at, out), out);
        return;
      case 'junit':
        writeScanJunit(result, this.options.failOn, out, (f) => parts!.copy(f.part!.at, out));
        return;
      case 'jsonl':
      case 'ecs':
        for (const e of result.pathErrors) err(`wirewhy: ${e.path}: ${e.message}\n`);
        if (this.options.records) out(scanRecordLines(result, this.options.records.shard));
        return;
      case 'html': {
        // One self-contained page: a section per capture, the unreadable ones with their errors.
        const read = result.files.filter((f) => f.report && !f.error);
        writeScanHtml(
          {
            captures: read.map((f) => ({ report: f.report!, rules: f.part!.rules ?? [], shown: f.part!.findings ?? 0 })),
            failures: result.files.filter((f) => f.error).map((f) => ({ file: f.file, error: f.error!.line })),
            title: this.options.title,
          },
          (i, prefix) => parts!.copy(read[i]!.part!.at, (chunk) => out(chunk.replaceAll(HTML_PREFIX_MARK, prefix))),
          out,
        );
        return;
      }
      default:
        out(formatScanText(result, this.options.terminal, this.groups!.groups()));
    }
  }

  /** Remove the temporary files. */
  close(): void {
    this.parts?.close();
  }
}
