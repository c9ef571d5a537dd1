/**
 * `wirewhy annotate IN -o OUT.pcapng`: the capture again, as pcapng, with a comment on each
 * evidence frame of each finding, for Wireshark (`frame.comment contains "wirewhy"`).
 *
 * Two passes over the file: the analysis decides the findings (their evidence frames are known
 * only once a conversation ends), then the copy streams the file again and comments those frames.
 * Memory is the analysis's plus the comments; the copy holds one read buffer and one write buffer.
 * The copy is written to a temporary file beside OUT and renamed over it once complete, so an
 * error or Ctrl-C never leaves half a capture under OUT's name.
 */
import { closeSync, constants as fsConstants, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { analyzeCapture } from '../analyze.js';
import { copyWithComments } from '../capture/commented-copy.js';
import { BufferedFileWriter } from '../capture/pcapng-writer.js';
import { COMMENT_PREFIX, frameComments } from '../report/annotations.js';
import { sanitizeForTerminal } from '../report/terminal.js';
import type { AnalysisReport } from '../report/types.js';
import { captureErrorLine, describeSystemError, nothingUseful, unusableCaptureLine } from '../report/errors.js';
import { VERSION } from '../version.js';
import { BOUNDED_HEAP } from './heap.js';
import { EXIT_OK, EXIT_UNREADABLE, type CliIo } from './io.js';
import { isLiveSource } from './live.js';

/** Options of `wirewhy annotate`. */
export interface AnnotateCommandOptions {
  output: string;
  maxFlows?: number;
}

/** An error writing the output file (as opposed to reading the capture). */
class OutputError extends Error {
  constructor(cause: unknown) {
    super(describeSystemError(cause), { cause });
  }
}

/** Run `wirewhy annotate FILE -o OUT`. Returns the exit status. */
export async function runAnnotate(file: string, opts: AnnotateCommandOptions, io: CliIo, signal?: { stopped: boolean }): Promise<number> {
  const name = sanitizeForTerminal(file);
  const output = opts.output;
  const fail = (line: string): number => {
    io.stderr.write(`${line}\n`);
    return EXIT_UNREADABLE;
  };
  if (file === '-' || isLiveSource(file)) {
    return fail(`wirewhy: ${name}: annotate reads its input twice (to analyse it, then to copy it): give a capture file, not standard input or a pipe`);
  }
  const problem = outputProblem(file, output);
  if (problem) return fail(`wirewhy: ${sanitizeForTerminal(output)}: ${problem}`);
  const shouldStop = signal ? () => signal.stopped : undefined;

  let report: AnalysisReport;
  try {
    report = await analyzeCapture(file, { name: file, heapPolicy: BOUNDED_HEAP, maxFlows: opts.maxFlows, shouldStop });
  } catch (e) {
    return fail(captureErrorLine(file, e));
  }
  if (signal?.stopped) return fail(`wirewhy: ${name}: interrupted; ${sanitizeForTerminal(output)} not written`);
  if (nothingUseful(report)) return fail(unusableCaptureLine(file, report));
  for (const w of report.capture.warnings) {
    const where = w.offset !== undefined ? ` (at byte offset ${w.offset})` : '';
    io.stderr.write(`wirewhy: ${name}: warning: ${sanitizeForTerminal(w.message)}${where}\n`);
  }

  const comments = frameComments(report.findings);
  const temporary = join(dirname(output), `.${basename(output)}.wirewhy-${process.pid}.tmp`);
  let fd: number | null = null;
  try {
    try {
      fd = openSync(temporary, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o666);
    } catch (e) {
      throw new OutputError(e);
    }
    const writer = new BufferedFileWriter(fd);
    const copy = await copyWithComments(file, writer, comments, { userApplication: `wirewhy ${VERSION}`, shouldStop });
    if (writer.failure) throw new OutputError(writer.failure);
    if (signal?.stopped) return fail(`wirewhy: ${name}: interrupted; ${sanitizeForTerminal(output)} not written`);
    try {
      closeSync(fd);
      fd = null;
      renameSync(temporary, output);
    } catch (e) {
      throw new OutputError(e);
    }
    if (copy.packets !== report.capture.packets) {
      io.stderr.write(`wirewhy: ${name}: warning: the capture changed while it was read (${report.capture.packets} frames analysed, ${copy.packets} copied); comments may sit on the wrong frames\n`);
    }
    const findings = report.findings.length;
    io.stdout.write(
      `${sanitizeForTerminal(output)}: ${copy.packets} frame${copy.packets === 1 ? '' : 's'}, ` +
        `${findings} finding${findings === 1 ? '' : 's'} commented on ${copy.framesCommented} frame${copy.framesCommented === 1 ? '' : 's'}` +
        (findings > 0 ? ` (Wireshark filter: frame.comment contains "${COMMENT_PREFIX}")` : '') +
        '\n',
    );
    return EXIT_OK;
  } catch (e) {
    if (e instanceof OutputError) return fail(`wirewhy: cannot write ${sanitizeForTerminal(output)}: ${sanitizeForTerminal(e.message)}`);
    return fail(captureErrorLine(file, e));
  } finally {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(temporary);
    } catch {
      // Renamed into place, or never created.
    }
  }
}

/** Why OUT cannot be written, before any work: it is the input itself, or a folder. */
function outputProblem(input: string, output: string): string | null {
  let out;
  try {
    out = statSync(output);
  } catch {
    return null; // does not exist yet: fine
  }
  if (out.isDirectory()) return 'is a directory';
  try {
    const inp = statSync(input);
    if (inp.dev === out.dev && inp.ino === out.ino) return 'is the input capture; write the annotated copy to another file';
  } catch {
    // The input's own error is reported when it is read.
  }
  return null;
}
