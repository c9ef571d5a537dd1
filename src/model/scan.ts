/**
 * What a scan of many captures produces: plain data shared by the pool, the commands and the
 * reporters (scan/ fills it in, report/ writes it out).
 */
import type { ErrorCode, FindingProtocol, Severity } from './finding.js';
import type { CapturePart } from './parts.js';
import type { AnalysisReport, FilteredCount, FindingFilterSpec } from './report.js';

/** A file found beside the captures that is not one, and why. */
export interface SkippedFile {
  path: string;
  reason: string;
}

/** Findings of one rule about one server endpoint (with the same codes) in one capture. */
export interface FindingTally {
  rule: string;
  /** The highest severity among them. */
  severity: Severity;
  protocol: FindingProtocol;
  server: { address: string; port: number };
  codes: ErrorCode[];
  count: number;
}

/** Why a capture could not be analysed. */
export interface ScanFileError {
  /** "cannot_open", "truncated_header", "bad_gzip", … (CaptureError codes; "worker_failed"). */
  code: string;
  message: string;
  /** Byte offset in the (decompressed) capture where the problem was found, when known. */
  offset?: number;
  /** The one-line error as `analyze` prints it: "wirewhy: FILE: message (at byte offset N)". */
  line: string;
}

/** The outcome for one capture: a report, or an error. */
export interface ScanFileResult {
  file: string;
  /** Size on disk. */
  size: number;
  /**
   * The analysis. Its `findings` list is empty when the scan ran with `keepFindings: false`;
   * `summary` and `tally` still count every finding.
   */
  report?: AnalysisReport;
  /** The report's findings counted by rule, protocol, server and codes (with `report`). */
  tally?: FindingTally[];
  /**
   * The capture's part of the output (its report in the JSON document, its JUnit test case, its
   * HTML section, its expectation), rendered by the worker when the scan ran with `parts`;
   * `report` then lacks its findings.
   */
  part?: CapturePart;
  error?: ScanFileError;
  /** Not analysed because the scan was interrupted (Ctrl-C). */
  notRun?: boolean;
}

/** Counts over a whole scan. */
export interface ScanTotals {
  /** Captures read (analysed + unreadable): an interrupted scan counts only what it read. */
  captures: number;
  /** Captures found but not analysed because the scan was interrupted. */
  notAnalysed: number;
  analysed: number;
  unreadable: number;
  /** Files that are not captures. */
  skipped: number;
  packets: number;
  bytes: number;
  tcpConversations: number;
  udpExchanges: number;
  findings: number;
  byRule: Record<string, number>;
  /**
   * With `--code`, `--rule` or `--severity`: of the `findings` above (every one decided), how many
   * matched and are shown; `byRule` still counts all.
   */
  filtered?: FilteredCount;
}

/** A finished (or interrupted) scan. */
export interface ScanResult {
  /** One entry per capture, in walk order. */
  files: ScanFileResult[];
  skipped: SkippedFile[];
  /** Paths given that could not be examined at all (missing, unreadable folder). */
  pathErrors: Array<{ path: string; message: string }>;
  interrupted: boolean;
  totals: ScanTotals;
  /** Wall-clock seconds the analysis took. */
  seconds: number;
  /** The findings asked for (`--code`, `--rule`, `--severity`): only those are shown. */
  filter?: FindingFilterSpec;
}
