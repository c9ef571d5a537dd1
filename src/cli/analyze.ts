import { isatty } from 'node:tty';
import { analyzeCapture } from '../analyze.js';
import { captureErrorLine, internalErrorStack, unusableCaptureLine } from '../report/errors.js';
import { nothingUseful, type AnalysisReport } from '../model/report.js';
import { BOUNDED_HEAP } from './heap.js';
import { CaptureError } from '../capture/types.js';
import type { PendingConversation } from '../rules/live.js';
import { REPORTERS, type ReporterName } from '../report/index.js';
import { sanitizeForTerminal } from '../report/terminal.js';
import { filteredReport, filterOfOptions, findingFilter } from '../rules/filter.js';
import { severityReaches, type Finding, type Severity } from '../rules/types.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, terminalWidth, useColor, useUnicode, type CliIo } from './io.js';
import { isLiveSource, openLiveInput, type LiveInput } from './live.js';
import { MergedCapture, MergedCaptureError } from '../capture/merge.js';
import { findCaptures } from '../scan/walk.js';

/**
 * The files of `analyze A B C` (in that order) or `analyze --as-one DIR` (the captures under
 * it, in walk order: names sorted, as a ring buffer numbers them) as one merged capture, or the
 * lines saying why not.
 */
export async function mergedSource(paths: string[], asOne: boolean): Promise<{ capture: MergedCapture } | { errors: string[] }> {
  if (paths.includes('-')) return { errors: ['wirewhy: standard input cannot be merged with other captures'] };
  const walk = await findCaptures(paths);
  const errors = walk.errors.map((e) => `wirewhy: ${sanitizeForTerminal(e.path)}: ${sanitizeForTerminal(e.message)}`);
  if (errors.length > 0) return { errors };
  if (walk.captures.length === 0) return { errors: [`wirewhy: no captures found under ${sanitizeForTerminal(paths.join(' '))}`] };
  const name = asOne && paths.length === 1 ? paths[0]! : undefined;
  return { capture: new MergedCapture(walk.captures.map((c) => c.path), name) };
}

/** Options of `wirewhy analyze`. */
export interface AnalyzeCommandOptions {
  format: string;
  /** JSON: also list every conversation (Community ID, Zeek history and conn_state). */
  conversations?: boolean;
  failOn?: string;
  maxFlows?: number;
  ladder?: boolean;
  brief?: boolean;
  /** Only findings citing one of these codes (number or name, any OS). */
  code?: string[];
  /** Only findings of these rules. */
  rule?: string[];
  /** Only findings of at least this severity. */
  severity?: string;
  /** Read the captures under the folders given as one capture (see mergedSource). */
  asOne?: boolean;
}

/** Run `wirewhy analyze FILE` (or several files read as one). Returns the exit status. */
export async function runAnalyze(files: string | string[], opts: AnalyzeCommandOptions, io: CliIo, signal?: { stopped: boolean }): Promise<number> {
  let merged: MergedCapture | null = null;
  if (Array.isArray(files)) {
    const found = await mergedSource(files, opts.asOne === true);
    if ('errors' in found) {
      for (const line of found.errors) io.stderr.write(`${line}\n`);
      return EXIT_UNREADABLE;
    }
    merged = found.capture;
  }
  const file = merged ? merged.name : (files as string);
  const format = opts.format as ReporterName;
  // What the format needs of the analysis (findings streamed or kept, every conversation or
  // not), then its code, loaded by name.
  const reporter = REPORTERS[format].analyze!;
  const output = await reporter.load();
  const streaming = reporter.findings === 'streamed';
  let report: AnalysisReport;
  // Live input (stdin pipe, FIFO): capture time follows the wall clock while quiet, failures are
  // decided about when the application saw them (rules/live.ts), and text output prints a line
  // per finding as decided and per attempt still retrying, then the full report at the end (see
  // live.ts). A file replayed through a pipe is none of that: it reads as the file would.
  let live: LiveInput | null;
  // A person who typed `analyze -` at a prompt would otherwise see nothing happen.
  if (file === '-' && !merged && isatty(0)) io.stderr.write('wirewhy: waiting for a capture on standard input (for example: tcpdump -i any -U -w - | wirewhy analyze -); Ctrl-C to stop\n');
  try {
    live = !merged && isLiveSource(file) ? openLiveInput(file, signal) : null;
  } catch (e) {
    io.stderr.write(captureErrorLine(file, e) + '\n');
    return EXIT_UNREADABLE;
  }
  const terminal = { color: useColor(io), unicode: useUnicode(io) };
  const wanted = findingFilter(filterOfOptions(opts) ?? {});
  // Findings past the report's cap are counted too, so that `filtered` counts what the summary does.
  let shownNotKept = 0;
  const shown = (f: Finding) => wanted === null || wanted(f);
  const liveLine = live ? output.live : undefined;
  const liveLayout = { ...terminal, width: terminalWidth(io) };
  let linesWritten = 0;
  const write = streaming
    ? (f: Finding) => io.stdout.write(output.finding!(f, file))
    : liveLine
      ? (f: Finding) => {
          // Only what is decided while the capture is live: a replayed file gets its report once.
          if (!live!.isLive(Date.parse(f.end) / 1000)) return;
          linesWritten++;
          io.stdout.write(liveLine(f, liveLayout));
        }
      : undefined;
  const pendingLine = live && !wanted ? output.pending : undefined;
  const onPending = pendingLine ? (p: PendingConversation) => {
    linesWritten++;
    io.stdout.write(pendingLine(p, liveLayout));
  } : undefined;
  const onFinding = write && wanted ? (f: Finding) => void (shown(f) && write(f)) : write;
  // Streamed findings are already written: only --fail-on needs to know about them afterwards.
  let reachedFailOn = false;
  const failOn = opts.failOn as Severity | undefined;
  const tracked = onFinding && failOn ? (f: Finding) => {
    if (shown(f) && severityReaches(f.severity, failOn)) reachedFailOn = true;
    onFinding(f);
  } : onFinding;
  try {
    report = await analyzeCapture(merged ?? (live ? live.stream : file), {
      name: file,
      heapPolicy: BOUNDED_HEAP,
      maxFlows: opts.maxFlows,
      ...(streaming ? { maxFindings: 0 } : {}),
      conversations: reporter.conversations || opts.conversations === true,
      onFinding: tracked,
      onDroppedFinding: wanted ? (f) => void (wanted(f) && shownNotKept++) : undefined,
      shouldStop: signal ? () => signal.stopped : undefined,
      onInternalError: io.env.WIREWHY_DEBUG ? (fault, e) => io.stderr.write(internalErrorStack(file, fault, e)) : undefined,
      ...(live ? { onClock: live.onClock, live: { isLive: live.isLive, onPending } } : {}),
    });
  } catch (e) {
    // Ctrl-C on a pipe or FIFO that never sent a byte: there is no capture to report on, and
    // "empty file" would blame the writer for what the user did.
    const nothingArrived = live && signal?.stopped && e instanceof CaptureError && e.offset === 0;
    io.stderr.write((nothingArrived ? `wirewhy: ${sanitizeForTerminal(file)}: interrupted before any capture data arrived` : captureErrorLine(e instanceof MergedCaptureError ? e.file : file, e)) + '\n');
    if (!(e instanceof CaptureError) && io.env.WIREWHY_DEBUG) io.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    return EXIT_UNREADABLE;
  } finally {
    live?.close();
  }
  // What the user asked about; the summary keeps counting every finding.
  if (wanted) report = filteredReport(report, wanted, shownNotKept);
  if (linesWritten > 0) io.stdout.write('\n');
  const unusable = nothingUseful(report);
  // Exit 2 always comes with its line on stderr, and the text report, which would end with
  // "No failed connections found", is not printed for input that could not be analysed.
  if (unusable) {
    io.stderr.write(`${unusableCaptureLine(file, report)}\n`);
    if (reporter.forPeople) return EXIT_UNREADABLE;
  } else if (!reporter.forPeople) {
    for (const w of report.capture.warnings) {
      const where = w.offset !== undefined ? ` (at byte offset ${w.offset})` : '';
      io.stderr.write(`wirewhy: ${sanitizeForTerminal(file)}: warning: ${sanitizeForTerminal(w.message)}${where}\n`);
    }
  }
  output.report?.(report, { ...terminal, failOn, ladder: opts.ladder, brief: opts.brief, width: terminalWidth(io) }, (chunk) => io.stdout.write(chunk));
  if (unusable) return EXIT_UNREADABLE;
  if (failOn && (reachedFailOn || report.findings.some((f) => severityReaches(f.severity, failOn)))) return EXIT_FINDINGS;
  return EXIT_OK;
}
