/**
 * wirewhy as a library: analyse a capture and get the findings, each with the error code every
 * OS reports for it.
 *
 * ```ts
 * import { analyzeFile } from 'wirewhy';
 * const report = await analyzeFile('capture.pcapng');
 * for (const f of report.findings) console.log(f.rule, f.codes, f.summary);
 * ```
 */
import type { Readable } from 'node:stream';
import { MergedCapture } from './capture/merge.js';
import { analyzeCapture, type AnalyzeOptions } from './analyze.js';
import type { AnalysisReport } from './report/types.js';

export { analyzeCapture } from './analyze.js';
export type { AnalyzeOptions, HeapPolicy, LiveOptions } from './analyze.js';
export type { PendingConversation } from './rules/live.js';
export { BOUNDED_HEAP } from './cli/heap.js';
export type { AnalysisReport, CaptureSummary, ReportSummary } from './report/types.js';
export type { Finding, ErrorCode, Endpoint, RuleMeta, Severity, OsName } from './rules/types.js';
export { CaptureError } from './capture/types.js';
export type { CaptureWarning, Frame } from './capture/types.js';
export { readCapture, detectFormat } from './capture/reader.js';
export { MergedCapture, MergedCaptureError, type MergedFileSummary } from './capture/merge.js';
export { RULES, ruleById } from './rules/index.js';
export { STREAM_RECOGNISERS } from './app/index.js';
export type { NamedRecogniser, StreamRecogniser, ApplicationContext, ConversationStreams, StreamView } from './app/index.js';
export type { InternalFault } from './model/faults.js';
export type { Rule, RuleContext, RuleHandlers, FindingDraft } from './rules/engine.js';
export { codesFor, findCodes, icmpUnreachableCodes } from './rules/codes.js';
export { serviceFor } from './rules/services.js';
export { formatReport, REPORTERS } from './report/index.js';
export { VERSION } from './version.js';

/** Analyse a capture file (pcap, pcapng, gzip of either; "-" for standard input). */
export function analyzeFile(path: string, options: AnalyzeOptions = {}): Promise<AnalysisReport> {
  return analyzeCapture(path, options);
}

/** Analyse a capture arriving on a stream (a pipe, a socket, an HTTP upload). */
export function analyzeStream(stream: Readable, options: AnalyzeOptions = {}): Promise<AnalysisReport> {
  return analyzeCapture(stream, { name: '-', ...options });
}

/**
 * Analyse several capture files as one timeline merged by timestamp, as `mergecap` merges them
 * (a rotated set: tcpdump -C/-G, a dumpcap ring buffer); frame numbers are those of `mergecap -w`.
 */
export function analyzeFiles(paths: readonly string[], options: AnalyzeOptions = {}): Promise<AnalysisReport> {
  return analyzeCapture(new MergedCapture(paths), options);
}
