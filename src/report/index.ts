/**
 * Reporters by name. Each is a pure function from a finished report to the text to write;
 * a new format is one entry in REPORTERS (its name joins ReporterName by itself).
 */
import { formatEcs } from './ecs.js';
import { formatHtml } from './html.js';
import { formatJson } from './json.js';
import { formatJsonl } from './jsonl.js';
import { formatJunit } from './junit.js';
import { formatText } from './text.js';
import type { Severity } from '../rules/types.js';
import type { TerminalOptions } from './terminal.js';
import type { AnalysisReport } from './types.js';

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

/** A reporter: the whole output for one report. */
export type Reporter = (report: AnalysisReport, opts: ReportOptions) => string;

/** Every output format, by the name `--format` takes. */
export const REPORTERS = {
  text: (report, opts) => formatText(report, opts),
  json: (report) => formatJson(report),
  jsonl: (report) => formatJsonl(report),
  junit: (report, opts) => formatJunit(report, opts),
  html: (report) => formatHtml(report),
  ecs: (report) => formatEcs(report),
} as const satisfies Record<string, Reporter>;

/** Names of the output formats: 'text' | 'json' | 'jsonl' (and any format added to REPORTERS). */
export type ReporterName = keyof typeof REPORTERS;

/** The format names, in declaration order (for `--format` choices and help). */
export const REPORTER_NAMES = Object.freeze(Object.keys(REPORTERS)) as readonly ReporterName[];

/** Whether `name` is a format REPORTERS knows. */
export function isReporterName(name: string): name is ReporterName {
  return Object.hasOwn(REPORTERS, name);
}

/** Format `report` with the reporter called `name`. */
export function formatReport(name: ReporterName, report: AnalysisReport, opts: ReportOptions): string {
  const reporter: Reporter = REPORTERS[name];
  return reporter(report, opts);
}

export { formatJson } from './json.js';
export { ECS_VERSION, ecsDocument, formatEcs, formatEcsFinding } from './ecs.js';
export { formatJsonl, formatJsonlFinding } from './jsonl.js';
export { formatText, groupFindings, type FindingGroup, type TextOptions } from './text.js';
export { explain, type ExplainResult } from './explain.js';
export { sanitizeForTerminal, toAscii, terminalStyle, type TerminalOptions, type TerminalStyle } from './terminal.js';
export { formatHtml, formatScanHtml, type ScanHtmlFailure, type ScanHtmlInput } from './html.js';
export { buildLadder, formatLadderText, ladderSvg, type Ladder } from './ladder.js';
