/**
 * How each format of `wirewhy scan` is made with bounded memory, whatever the number of
 * captures: what the workers send back, what is kept of a capture once it is done, and how the
 * output is written at the end.
 *
 * Each format says in report/index.ts what its scan output needs of the findings:
 * - counted (text): each capture's findings come back tallied by rule, server and codes; the
 *   tallies are merged into the groups across captures as captures finish, then dropped.
 * - streamed (jsonl): each finding is made a line by its worker as soon as it is decided, and
 *   written; while the output is full (a slow reader), the workers wait (scan/credit.ts).
 * - kept (json, junit, html): each capture's part (report, test case, section) is rendered by
 *   its worker and kept in a temporary file (scan/parts.ts), then copied to the output in walk
 *   order a piece at a time, after what precedes the parts (counts, the overview) is known.
 *
 * What stays in memory per capture is its name, size, counts and warnings (the report without
 * its findings) and where its part is: half a kilobyte to a kilobyte.
 */
import type { CapturePartRequest, CapturePartSource } from '../model/parts.js';
import type { ScanFileResult, ScanResult } from '../model/scan.js';
import type { FindingFilterSpec } from '../model/report.js';
import { severityReaches } from '../model/finding.js';
import { reporter } from './index.js';
import type { FindingsNeed, ScanFormatOutput, ScanOutputContext, ScanOutputRun } from './reporter.js';

/** What {@link ScanOutput} writes with and to: what each format's writer gets, less the part copier it makes. */
export type ScanOutputOptions = Omit<ScanOutputContext, 'copyPart'> & {
  /**
   * Resolves once the report's destination can take more, after `out` returned false (a pipe
   * whose reader is behind): streamed findings then wait in their workers, not in memory here.
   */
  whenWritable?: () => Promise<void>;
};

/** The options a scan's output gives the scan (scan/pool.ts's PoolOptions takes them). */
export interface ScanOutputPoolOptions {
  keepFindings: boolean;
  /** Kept formats: where the workers keep each capture's part. */
  parts?: CapturePartSource;
  /** Streamed formats: the findings as their worker made them lines of `lineFormat`, written as they come. */
  onFindingLines?: (lines: string) => void | Promise<void>;
  lineFormat?: string;
  onResult: (result: ScanFileResult, index: number) => void;
  /** The findings asked for: the workers drop the others. */
  filter?: FindingFilterSpec;
}

/**
 * One scan's output in one format: give `poolOptions` to the scan, then `finish` with its result.
 * The format decides what is kept (see the module comment); this class only wires it to the pool.
 */
export class ScanOutput {
  /** Options for scanPaths/runPool. */
  readonly poolOptions: ScanOutputPoolOptions;
  private readonly run: ScanOutputRun;
  private reachedFailOn = false;

  /**
   * Open the output of `format` (a name `scan --format` takes). `makeParts` makes the store of
   * the parts that the workers render for kept formats (scan/parts.ts's CapturePartStore, on
   * disk); without it the reports come back whole and each capture's part is made here as it
   * finishes, and kept in memory.
   */
  static async open(format: string, options: ScanOutputOptions, makeParts?: (request: CapturePartRequest) => CapturePartSource): Promise<ScanOutput> {
    const r = reporter(format)?.scan;
    if (!r) throw new Error(`no scan output called ${JSON.stringify(format)}`);
    return new ScanOutput(format, r.findings, await r.load(), options, makeParts);
  }

  private readonly parts: CapturePartSource | null;

  private constructor(
    readonly format: string,
    need: FindingsNeed,
    output: ScanFormatOutput,
    options: ScanOutputOptions,
    makeParts?: (request: CapturePartRequest) => CapturePartSource,
  ) {
    const request: CapturePartRequest = { kind: format, failOn: options.failOn };
    const parts = need === 'kept' && makeParts ? makeParts(request) : null;
    this.parts = parts;
    this.run = output.open({
      ...options,
      copyPart: (f, write) => {
        const at = f.part!.at;
        if (parts) parts.copy(at, write);
        else if ('text' in at && at.text !== '') write(at.text);
      },
    });
    // Without a store, a kept format's part is rendered here, as the scan workers would.
    const renderHere = need === 'kept' && !parts;
    const { failOn } = options;
    this.poolOptions = {
      keepFindings: renderHere,
      ...(options.filter ? { filter: options.filter } : {}),
      ...(parts ? { parts } : {}),
      ...(need === 'streamed' ? { onFindingLines: (lines) => this.writeLines(lines, options), lineFormat: format } : {}),
      onResult: (r, index) => {
        if (r.report && r.tally) {
          if (failOn !== undefined && !r.error && r.tally.some((x) => severityReaches(x.severity, failOn))) this.reachedFailOn = true;
        }
        if (renderHere && r.report && !r.error) {
          const pieces: string[] = [];
          const counts = output.part!(r.report, request, (chunk) => void pieces.push(chunk));
          r.part = { at: { text: pieces.join('') }, ...counts };
          r.report.findings = [];
        }
        this.run.add?.(index, r);
        delete r.tally;
      },
    };
  }

  /** Write streamed lines; a full destination holds the worker that made them until it drains. */
  private writeLines(lines: string, options: ScanOutputOptions): void | Promise<void> {
    if (options.out(lines) === false && options.whenWritable) return options.whenWritable();
  }

  /** Whether a finding of a capture that was read reached `--fail-on`. */
  get failed(): boolean {
    return this.reachedFailOn;
  }

  /** Write the output of the finished scan. */
  finish(result: ScanResult): void {
    this.run.finish(result);
  }

  /** Remove the temporary files. */
  close(): void {
    this.parts?.close();
  }
}
