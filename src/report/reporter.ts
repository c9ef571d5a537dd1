/**
 * What a reporter is: the outputs of one `--format` for `analyze`, `scan` and `check`, and what
 * each needs of the analysis. Types only (the map is in index.ts; the formats import nothing
 * from it, so no module of report/ waits on another in a circle).
 */
import type { CheckOutcome } from '../model/check.js';
import type { Finding, PendingConversation, Severity } from '../model/finding.js';
import type { CapturePartCounts, CapturePartRequest } from '../model/parts.js';
import type { AnalysisReport, FindingFilterSpec } from '../model/report.js';
import type { ScanFileResult, ScanResult } from '../model/scan.js';
import type { TerminalOptions } from './terminal.js';

/** Where output goes, a piece at a time. */
export type Write = (chunk: string) => unknown;

/** Options every reporter receives; machine formats ignore what they do not need. */
export interface ReportOptions extends TerminalOptions {
  /** More detail in human-readable formats. */
  verbose?: boolean;
  /** The `--fail-on` threshold, for formats that mark findings at or above it as failures. */
  failOn?: Severity;
  /** Text format: draw a ladder of each finding group's evidence packets. */
  ladder?: boolean;
  /** Text format: one line per finding. */
  brief?: boolean;
  /** Text format: terminal columns to fit. */
  width?: number;
}

/** The options only some formats take (the command refuses them with the others). */
export type FormatOption = 'ladder' | 'brief';

/**
 * What an output needs of the findings: each one written as soon as it is decided and none
 * kept (`streamed`), all kept until the end (`kept`), or only counted by rule, server and codes
 * (`counted`, scan's text table).
 */
export type FindingsNeed = 'streamed' | 'kept' | 'counted';

/** `analyze --format X`, once loaded. */
export interface AnalyzeOutput {
  /** Streamed formats: one finding, as soon as it is decided (`file` as given). */
  finding?(finding: Finding, file: string): string;
  /** Kept formats that show findings as they are decided on live input (a pipe, a FIFO). */
  live?(finding: Finding, opts: TerminalOptions & { width?: number }): string;
  /** With `live`: the line for a connection attempt still retrying. */
  pending?(p: PendingConversation, opts: TerminalOptions & { width?: number }): string;
  /** Kept formats: the whole report. */
  report?(report: AnalysisReport, opts: ReportOptions, write: Write): void;
}

/** What `analyze --format X` needs, and how to load it. */
export interface AnalyzeReporter {
  findings: Exclude<FindingsNeed, 'counted'>;
  /** Every conversation, healthy ones too (the HTML timeline). */
  conversations: boolean;
  /**
   * Written for people: the output tells the capture's warnings itself (machine formats get
   * them on stderr), and is not written for a capture that could not be read, where it would
   * end with "No failed connections found".
   */
  forPeople: boolean;
  /** Options only this format takes. */
  takes: readonly FormatOption[];
  load(): Promise<AnalyzeOutput>;
}

/** What the writer of a scan's output gets besides the result. */
export interface ScanOutputContext {
  /** The `--fail-on` threshold. */
  failOn?: Severity;
  /** The HTML page's title (the paths scanned). */
  title?: string;
  /** Colours and Unicode of the text report. */
  terminal: TerminalOptions;
  /** Text format: terminal columns to fit (none: natural widths). */
  width?: number;
  /** The report (standard output, or the `--output` file). */
  out: Write;
  /** Standard error. */
  err: Write;
  /** JSONL of a sharded scan: also the capture and scan records `wirewhy merge` reads. */
  records?: { shard: string };
  /** Only the findings these filters let through are shown (the scan's workers drop the others). */
  filter?: FindingFilterSpec;
  /** Copy the part a scan worker rendered for this capture (kept formats). */
  copyPart(file: ScanFileResult, write: Write): void;
}

/** One scan's output in one format, while the captures finish. */
export interface ScanOutputRun {
  /** Each capture as it finishes, in completion order (its tally still attached). */
  add?(index: number, result: ScanFileResult): void;
  /** Write the output of the finished (or interrupted) scan. */
  finish(result: ScanResult): void;
}

/** `scan --format X`, once loaded (in the main thread and in the scan workers). */
export interface ScanFormatOutput {
  /** Streamed formats: one finding as its worker decides it (made into text there). */
  finding?(finding: Finding, file: string): string;
  /** Kept formats: a capture's part of the output, rendered by the worker that analysed it. */
  part?(report: AnalysisReport, request: CapturePartRequest, write: Write): CapturePartCounts;
  /** Start the output of one scan. */
  open(context: ScanOutputContext): ScanOutputRun;
}

/** What `scan --format X` needs, and how to load it. */
export interface ScanReporter {
  /** `kept`: each capture's part is rendered by its worker and kept on disk until its turn. */
  findings: FindingsNeed;
  load(): Promise<ScanFormatOutput>;
}

/** `check --format X`, once loaded. */
export interface CheckOutput {
  format(outcomes: readonly CheckOutcome[], seconds: number, opts: TerminalOptions): string;
}

/** What `check --format X` needs, and how to load it. */
export interface CheckReporter {
  load(): Promise<CheckOutput>;
}

/** One output format: its outputs per command (absent: the command does not offer it). */
export interface Reporter {
  /** One line for `--help`. */
  description: string;
  analyze?: AnalyzeReporter;
  scan?: ScanReporter;
  check?: CheckReporter;
}
